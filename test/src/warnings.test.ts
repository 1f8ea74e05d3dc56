// Warnings a reader can trust: a warning only when the answer is weaker and
// the reader can do something; repairs and limits that cost nothing shown are
// notes; what the capture lacks is one finding, said once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../shared.js';
import { Notices, unnamedFrame } from '../../src/warnings.js';

const CAPTURE = `${ROOT}samples/record/guard.capture`;
const GUARD = `${ROOT}samples/guard`;
// an older capture of the same program: no sys_exit_mprotect, no tlb:tlb_flush, and page-faults beside the tracepoint
const OLD = ['report', `${GUARD}/perf-script.txt.gz`, '--objdump', `${GUARD}/guard.objdump-dl.txt`, '--objdump', `${GUARD}/libc.objdump-dl.txt.gz`];

const warningLines = (err: string): string[] => err.split('\n').filter((l) => l.startsWith('faultpath: warning:'));

describe('a faultpath record folder of the guard program', () => {
  it('gives no warning (samples/record/record.sh: faultpath record with its defaults)', async () => {
    const r = await runCli(['report', CAPTURE]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).not.toMatch(/\nWarnings:\n/);
    const json = JSON.parse((await runCli(['report', CAPTURE, '-f', 'json', '-q'])).out) as { warnings: string[]; findings: { kind: string }[] };
    expect(json.warnings).toEqual([]);
    expect(json.findings.map((f) => f.kind)).not.toContain('capture-quality');
  });

  it("names main's mmap and munmap calls, whose frame-pointer chains stopped in libc: record unwinds the mapping calls with DWARF", async () => {
    const json = JSON.parse((await runCli(['report', CAPTURE, '-f', 'json', '-q'])).out) as { protection: { sites: { site: string; source?: string; calls: Record<string, number> }[] } };
    const sites = json.protection.sites;
    expect(sites.find((s) => /^main\+0x[0-9a-f]+ \(guard\)$/.test(s.site) && s.calls['mmap'] === 1)?.source).toMatch(/guard\.c:85$/);
    expect(sites.find((s) => /^main\+0x[0-9a-f]+ \(guard\)$/.test(s.site) && s.calls['munmap'] === 1)?.source).toMatch(/guard\.c:95$/);
    expect(sites.map((s) => s.site)).not.toContain('__mmap+0x11 (libc.so.6)');
  });

  it('frames marked [inferred] are a note (a repair), not a warning: in the text, the JSON, and not on stderr', async () => {
    const text = await runCli(['report', CAPTURE]);
    expect(text.code).toBe(0);
    expect(text.err).not.toMatch(/\[inferred\]/);
    expect(text.out).toMatch(/\nNotes:\n(?: {2}- .*\n)* {2}- 4 frames marked \[inferred\]: /);
    const json = JSON.parse((await runCli(['report', CAPTURE, '-f', 'json', '-q'])).out) as { warnings: string[]; notes: string[] };
    expect(json.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^4 frames marked \[inferred\]/)]));
    expect(json.warnings.join('\n')).not.toMatch(/\[inferred\]/);
  });

  it("equal build ids and frames that fit settle ld.so's layout: nothing is said about anchors", async () => {
    const r = await runCli(['report', CAPTURE, '-f', 'json', '-q']);
    const json = JSON.parse(r.out) as { warnings: string[]; notes: string[] };
    expect([...json.warnings, ...json.notes].join('\n')).not.toMatch(/anchors/);
  });

  it('the garbage frame frame-pointer unwinding reads in ld.so holds up start-up faults only: a note, with the option that unwinds it', async () => {
    const json = JSON.parse((await runCli(['report', CAPTURE, '-f', 'json', '-q'])).out) as { warnings: string[]; notes: string[] };
    expect(json.warnings.join('\n')).not.toMatch(/could not name/);
    const said = json.notes.filter((n) => n.includes('could not name'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^perf could not name 0x348a8 \[unknown\] in \S+ld-linux-x86-64\.so\.2: .* the 7 faults that pass through it are program start-up.*--call-graph dwarf/);
  });
});

describe("the README's capture recipe, run on the guard program (samples/recipe/record.sh)", () => {
  const RECIPE = `${ROOT}samples/recipe`;
  it('is what record.sh runs, command for command', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const block = /By hand:\n\n```sh\n([^]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const commands = block!.split('\n').filter((l) => /^(perf|objdump) /.test(l));
    expect(commands).toHaveLength(3);
    const script = readFileSync(`${RECIPE}/record.sh`, 'utf8').split('\n');
    for (const c of commands) expect(script).toContain(c);
  });

  it('gives the whole answer with no warning and nothing the capture lacks', async () => {
    const r = await runCli(['report', `${RECIPE}/trace.txt.gz`, '--objdump', `${RECIPE}/prog.objdump.txt`]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).not.toMatch(/\nWarnings:\n|Capture:/);
    const json = JSON.parse((await runCli(['report', `${RECIPE}/trace.txt.gz`, '--objdump', `${RECIPE}/prog.objdump.txt`, '-f', 'json'])).out) as {
      warnings: string[];
      notes: string[];
      findings: { kind: string; text: string }[];
    };
    expect(json.warnings).toEqual([]);
    expect(json.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['guard-retries']));
    expect(json.findings.map((f) => f.kind)).not.toContain('capture-quality');
    expect(json.findings.find((f) => f.kind === 'guard-retries')!.text).toMatch(/Cost: 64 SIGSEGV deliveries .*128 TLB flushes/);
  });
});

describe('what the capture lacks: one finding, said once', () => {
  it('the text report states it as a finding and stderr does not repeat it', async () => {
    const r = await runCli(OLD);
    expect(r.code).toBe(0);
    const capture = r.out.split('\n').filter((l) => /^ *\d+\. Capture: /.test(l));
    expect(capture).toHaveLength(1);
    expect(r.out).toMatch(/no sys_exit record for mprotect/);
    expect(r.err).not.toMatch(/Capture:|sys_exit/);
    expect(r.err).not.toMatch(/capture/);
  });

  it('other formats, which show no findings on a terminal, get one line pointing at it with the perf options', async () => {
    const r = await runCli([...OLD, '-f', 'json']);
    const pointer = r.err.split('\n').filter((l) => l.startsWith('faultpath: capture:'));
    expect(pointer).toHaveLength(1);
    expect(pointer[0]).toMatch(/^faultpath: capture: add perf record .*-e syscalls:sys_exit_mprotect.*-e tlb:tlb_flush .*for a fuller answer \(the report's capture finding says why\)$/);
    expect(r.err).not.toMatch(/no sys_exit/);
    const json = JSON.parse(r.out) as { warnings: string[]; findings: { kind: string }[] };
    expect(json.findings.filter((f) => f.kind === 'capture-quality')).toHaveLength(1);
    // the timeline's own note of the missing exit records is the finding's, not a warning
    expect(json.warnings.join('\n')).not.toMatch(/sys_exit/);
    expect(warningLines(r.err).join('\n')).not.toMatch(/sys_exit|Capture/);
  });
});

describe('src/warnings.ts', () => {
  const frame = { dso: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', frame: '0x348a8', where: 'it falls at 0x348a8, past the end of the code', more: 0 };
  it('a garbage frame is a warning once any fault through it is not start-up, or faulted there', () => {
    expect(unnamedFrame({ ...frame, through: 7, at: 0, startup: 7 }).level).toBe('note');
    expect(unnamedFrame({ ...frame, through: 7, at: 0, startup: 6 })).toMatchObject({ level: 'warning', text: expect.stringMatching(/7 faults pass through it\. The listing is used/) });
    expect(unnamedFrame({ ...frame, through: 7, at: 1, startup: 7 })).toMatchObject({ level: 'warning', text: expect.stringMatching(/1 of them faulted there/) });
  });

  it('Notices keep each text once, warnings apart from notes', () => {
    const n = new Notices();
    n.warn('events', 'a');
    n.note('inferred-frames', 'b');
    n.warn('events', 'a');
    expect(n.warnings()).toEqual(['a']);
    expect(n.notes()).toEqual(['b']);
  });
});
