// faultpath record with the real perf (the one test that runs it: CI runs as
// root on a machine kind where the tracepoints work). It builds the guard
// program, records it, checks the folder, and checks that `report DIR` gives
// the answer of the committed capture of the same program
// (samples/record/guard.capture, made by samples/record/record.sh): the
// faulting instructions in the program, and the protection sites in it with
// their calls, faults and retry cycles. The start-up faults in ld.so and libc
// vary from run to run and are left out of the comparison.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/record/capture.js';
import { readElf } from '../../src/record/elf.js';
import { ROOT, runCli } from '../shared.js';

const CLI = ROOT + 'dist/src/cli/main.js';
const COMMITTED = ROOT + 'samples/record/guard.capture';
const perfHere = spawnSync('perf', ['--version']).status === 0;

interface Answer {
  sites: unknown[];
  protection: unknown[];
}

/** What the report says about the program's own code. */
async function answer(args: string[], program: string): Promise<Answer> {
  const r = await runCli(['report', ...args, '-f', 'json', '-q']);
  expect(r.code).toBe(0);
  const j = JSON.parse(r.out) as {
    sites: Array<{ dso: string; symbol: string; offset: number; instruction?: string; source?: string; count: number; resolved: boolean }>;
    protection: { sites: Array<{ site: string; calls: unknown; prots: unknown; faults: number; classes: unknown; instructions: Array<{ instruction: string; faults: number; cycles: number; handlers: unknown }> }> };
  };
  const ours = (dso: string): boolean => dso.endsWith('/' + program);
  return {
    sites: j.sites.filter((s) => ours(s.dso)).map((s) => ({ symbol: s.symbol, offset: s.offset, instruction: s.instruction, line: s.source?.replace(/^.*\//, ''), count: s.count, resolved: s.resolved })),
    protection: j.protection.sites
      .filter((s) => s.site.endsWith(`(${program})`))
      .map((s) => ({ site: s.site, calls: s.calls, prots: s.prots, faults: s.faults, classes: s.classes, instructions: s.instructions })),
  };
}

/** faultpath record as a user runs it; resolves with its exit status and output. */
function runRecord(args: string[], cwd: string, onOut?: (out: string, pid: number) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'record', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
      onOut?.(out, child.pid!);
    });
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(!perfHere && process.env['CI'] !== 'true')('faultpath record with perf', () => {
  let dir = '';
  let first: { code: number | null; out: string; err: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultpath-record-e2e-'));
    const cc = spawnSync('gcc', ['-O1', '-g', '-fno-omit-frame-pointer', '-o', join(dir, 'guard'), ROOT + 'samples/guard/guard.c'], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    first = await runRecord(['-o', 'cap', '--', './guard'], dir);
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it("passes the program's output and exit status through, and says how to analyse the capture", () => {
    expect(first.err).toMatch(/^faultpath: writing the capture into .*\/cap\nfaultpath: capture: .*\/cap \(\d+(\.\d)? [KM]B; 3 listings\)\nfaultpath: analyse it with: faultpath report cap /);
    expect(first.out).toBe('dirty pages: 64\n');
    expect(first.code).toBe(0);
  });

  it('writes the folder the manifest describes', async () => {
    const cap = join(dir, 'cap');
    const m = JSON.parse(readFileSync(join(cap, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.format).toBe('faultpath-capture/1');
    expect(m.command).toEqual(['./guard']);
    expect(m.exit).toEqual({ status: 0 });
    expect(m.versions['perf']).toMatch(/^perf version /);
    expect(m.versions['objdump']).toMatch(/objdump/);
    expect(m.perfRecord).toEqual(expect.arrayContaining(['exceptions:page_fault_user', 'syscalls:sys_enter_mprotect', 'syscalls:sys_exit_munmap', 'tlb:tlb_flush', '-g', '-d']));
    // the mapping calls carry a copy of the stack's top: frame pointers stop inside libc (PERF-NOTES 3)
    expect(m.perfRecord).toEqual(expect.arrayContaining(['syscalls:sys_enter_mmap/call-graph=dwarf,stack-size=8192/', 'syscalls:sys_enter_munmap/call-graph=dwarf,stack-size=8192/']));
    // and perf script prints each frame in its dso, not `(inlined)` (PERF-NOTES 4)
    expect(m.perfScript).toContain('--no-inline');
    // no software page-fault event beside the tracepoints: it would count the same faults twice
    expect(m.perfRecord.some((a) => /faults/.test(a))).toBe(false);
    for (const [file, size] of Object.entries(m.files.sizes)) expect(statSync(join(cap, file)).size).toBe(size);
    expect(Object.keys(m.files.sizes)).toEqual(expect.arrayContaining(['perf.data', m.files.trace, 'buildid-list.txt']));

    const guard = m.dsos.find((d) => d.path === join(dir, 'guard'));
    expect(guard).toMatchObject({ buildId: (await readElf(join(dir, 'guard')))!.buildId, size: statSync(join(dir, 'guard')).size, ranges: 'all' });
    const libc = m.dsos.find((d) => d.path.endsWith('/libc.so.6'));
    expect(libc?.ranges).toBeGreaterThan(0);
    expect(m.dsos.every((d) => d.listing !== undefined && d.missing === undefined)).toBe(true);
    // a listing holds its build id in front, as objdump -s -j .note.gnu.build-id prints it
    const listing = readFileSync(join(cap, guard!.listing!), 'utf8');
    expect(listing).toMatch(new RegExp(`^\\n${join(dir, 'guard').replace(/[/.]/g, '\\$&')}:\\s+file format elf64-x86-64\\n\\nContents of section \\.note\\.gnu\\.build-id:\\n`));
    expect(listing).toContain('<write_field>:');
  });

  it('gives the answer of the committed capture of the same program, with no warning', async () => {
    const r = await runCli(['report', join(dir, 'cap')]);
    expect(r.code).toBe(0);
    // the garbage frame under start-up and the [inferred] frames are notes; the mapping calls'
    // DWARF chains name their callers, so no site stops inside libc
    expect(r.err.split('\n').filter((l) => l !== '')).toEqual([]);
    expect(r.out).toMatch(/\nNotes:\n/);
    expect(r.out).not.toMatch(/\nWarnings:\n/);
    const live = await answer([join(dir, 'cap')], 'guard');
    expect(live.sites.length).toBeGreaterThan(0);
    expect(live.protection.length).toBeGreaterThan(0);
    expect(live).toEqual(await answer([COMMITTED], 'guard'));
  });

  it('--objdump auto finds the same binaries on this machine, caches their listings by build id, and gives the same answer', async () => {
    const cache = join(dir, 'cache');
    const before = process.env['XDG_CACHE_HOME'];
    process.env['XDG_CACHE_HOME'] = cache;
    try {
      const m = JSON.parse(readFileSync(join(dir, 'cap', 'manifest.json'), 'utf8')) as Manifest;
      const trace = join(dir, 'cap', m.files.trace);
      const auto = await answer([trace, '--objdump', 'auto'], 'guard');
      expect(auto).toEqual(await answer([join(dir, 'cap')], 'guard'));
      for (const d of m.dsos) expect(existsSync(join(cache, 'faultpath', 'listings', `${d.buildId}.objdump-dl.txt.gz`))).toBe(true);
      const made = statSync(join(cache, 'faultpath', 'listings', `${m.dsos[0]!.buildId}.objdump-dl.txt.gz`)).mtimeMs;
      expect(await answer([trace, '--objdump', 'auto'], 'guard')).toEqual(auto);
      expect(statSync(join(cache, 'faultpath', 'listings', `${m.dsos[0]!.buildId}.objdump-dl.txt.gz`)).mtimeMs).toBe(made);
    } finally {
      if (before === undefined) delete process.env['XDG_CACHE_HOME'];
      else process.env['XDG_CACHE_HOME'] = before;
    }
  });

  it("exits with the program's status; a second capture into the same folder moves the first to DIR.old", async () => {
    const r = await runRecord(['-q', '-o', 'cap', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], dir);
    expect(r.out).toBe('out\n');
    expect(r.err).toBe('err\n');
    expect(r.code).toBe(3);
    expect((JSON.parse(readFileSync(join(dir, 'cap', 'manifest.json'), 'utf8')) as Manifest).exit).toEqual({ status: 3 });
    expect((JSON.parse(readFileSync(join(dir, 'cap.old', 'manifest.json'), 'utf8')) as Manifest).command).toEqual(['./guard']);
  });

  it('stops the program at Ctrl-C and still writes a capture report reads', async () => {
    let sent = false;
    const r = await runRecord(['-o', 'cap4', '--', 'sh', '-c', 'echo started; exec sleep 60'], dir, (out, pid) => {
      // once the program runs under perf: as a terminal's Ctrl-C, but to faultpath alone
      if (!sent && out.includes('started')) setTimeout(() => process.kill(pid, 'SIGINT'), 300);
      sent ||= out.includes('started');
    });
    // perf record ends the program with SIGTERM and ends itself the same way: 128 + 15
    expect(r.code).toBe(143);
    expect(r.out).toBe('started\n');
    const m = JSON.parse(readFileSync(join(dir, 'cap4', 'manifest.json'), 'utf8')) as Manifest;
    expect(m.exit).toEqual({ signal: 'SIGTERM' });
    const rep = await runCli(['report', join(dir, 'cap4'), '-q']);
    expect(rep.code).toBe(0);
    expect(rep.out).toMatch(/exceptions:page_fault_user/);
  });
});
