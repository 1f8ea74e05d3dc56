// Findings on captures of each pattern (samples/findings/, recorded by its
// record.sh): what each states, and that it comes from the capture's events.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { ROOT, runCli } from '../shared.js';
import { DIR, SAMPLES, type Sample, sampleListings, sampleReport } from './findings-samples.js';
import { type ScriptSample, isKernel, scriptSamples, userFrames } from './perf-script-text.js';

describe('the guard-page finding', () => {
  it('counts the signals a retry costs from signal:signal_deliver records, per retry cycle', async () => {
    const r = await sampleReport('guard');
    expect(r.signals).toEqual({ generated: { SIGSEGV: 64 }, delivered: { SIGSEGV: 64 } });
    const f = r.findings!.find((x) => x.kind === 'guard-retries')!;
    expect(f.text).toContain('(64 retry cycles). Cost: 64 SIGSEGV deliveries (1 per retry cycle), 128 mprotect calls');
  });

  it('says the signals are inferred, one per retry cycle, when the trace has no signal records', async () => {
    // an older capture of the program, recorded before signals were: samples/guard/record.sh
    const r = await buildReport({ traces: [ROOT + 'samples/guard/perf-script.txt.gz'] });
    expect(r.signals).toBeUndefined();
    const f = r.findings!.find((x) => x.kind === 'guard-retries')!;
    expect(f.text).toContain('Cost: 64 signals (inferred, one per retry cycle: the trace has no signal:signal_deliver records)');
    const capture = r.findings!.find((x) => x.kind === 'capture-quality')!;
    expect(capture.text).toContain('no signal:signal_deliver records, so the signals the retry cycles cost are inferred');
    expect(capture.remedy).toContain('-e signal:signal_deliver');
  });

  it('counts only the signals of the processes and times the filters keep', async () => {
    const r = await sampleReport('guard', { pids: [1] });
    expect(r.signals).toEqual({ generated: {}, delivered: {} });
  });
});

const kinds = (r: Report): string[] => r.findings!.map((f) => f.kind);

// What the tests below pick by pid and time is read from each capture (record.sh makes new pids
// and times each run). A time just before a sample's: perf prints microseconds.
function captureText(name: Sample): string {
  const bytes = readFileSync(DIR + SAMPLES[name].trace);
  return (SAMPLES[name].trace.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}
const time = (s: ScriptSample): number => Number(/\s(\d+\.\d+):\s/.exec(s.header)![1]);
const justBefore = (s: ScriptSample): number => time(s) - 5e-7;
const errorCode = (s: ScriptSample): number => parseInt(/ error_code=0x([0-9a-f]+)/.exec(s.header)![1]!, 16);
const guardFaults = scriptSamples(captureText('guard'), 'exceptions:page_fault_user');
const guardPid = guardFaults[0]!.tid;
// the first store to a protected page: a write to a present page (error_code bits 0 and 1) in write_field or write_header
const firstRetry = guardFaults.find((s) => (errorCode(s) & 3) === 3 && userFrames(s)[0]?.symbol.startsWith('write_'))!;
const pageinMajors = scriptSamples(captureText('pagein'), 'major-faults');
const scans = pageinMajors.filter((s) => s.header.includes('/pagein.dat)'));
// an instruction fetch from a present page (error_code bits 4 and 0): one without execute permission
const firstNx = scriptSamples(captureText('jit'), 'exceptions:page_fault_user').find((s) => (errorCode(s) & 0x11) === 0x11)!;

// samples/findings/cow as perf recorded it (each `record.sh cow` makes new pids and a few start-up
// faults more or less): the fork (`PERF_RECORD_FORK(child:child):(parent:parent)`), and the
// child's stores to pages present but not writable (error_code bits write and present: the
// copy-on-write breaks it makes)
const cowText = captureText('cow');
const [cowChild, cowParent] = /PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)/.exec(cowText)!.slice(1).map(Number) as [number, number];
const childBreaks = [...cowText.matchAll(/^\S+\s+(\d+)\/\d+ .*exceptions:page_fault_user: .* error_code=0x([0-9a-f]+)/gm)].filter(
  (m) => Number(m[1]) === cowChild && (parseInt(m[2]!, 16) & 3) === 3,
).length;

describe('a finding disappears when its evidence is filtered out, and stays when it is not', () => {
  it('guard retries: --time before the first retry leaves start-up only; from it on, the retries', async () => {
    const before = await sampleReport('guard', { timeEnd: justBefore(firstRetry) });
    expect(kinds(before)).not.toContain('guard-retries');
    expect(kinds(before)).toContain('start-up');
    expect(before.signals).toEqual({ generated: {}, delivered: {} });
    const after = await sampleReport('guard', { timeStart: justBefore(firstRetry) });
    expect(after.findings![0]!.kind).toBe('guard-retries');
    expect(after.findings![0]!.text).toMatch(/^64 of \d+ faults .*Cost: 64 SIGSEGV deliveries/);
    expect(kinds(after)).not.toContain('start-up');
  });

  it('guard retries: --pid of the program keeps them, another pid leaves nothing', async () => {
    expect(kinds(await sampleReport('guard', { pids: [guardPid] }))).toContain('guard-retries');
    expect(guardFaults.filter((s) => s.tid === guardPid - 1)).toEqual([]);
    const none = await sampleReport('guard', { pids: [guardPid - 1] });
    expect(none.findings!.filter((f) => f.kind !== 'capture-quality')).toEqual([]);
  });

  it('copy-on-write: --pid of the child names it and the fork site; of the parent, no child and no fork site', async () => {
    const child = await sampleReport('cow', { pids: [cowChild] });
    const cow = child.findings!.find((f) => f.kind === 'copy-on-write')!;
    expect(childBreaks).toBeGreaterThan(32); // the arena's 32 pages, and start-up's
    expect(cow.text.endsWith(`Writers: child cow (pid ${cowChild}, forked by pid ${cowParent} at spawn_worker+0xd (cow.c:49)) ${childBreaks} pages.`)).toBe(true);
    const parent = await sampleReport('cow', { pids: [cowParent] });
    const p = parent.findings!.find((f) => f.kind === 'copy-on-write');
    expect(p?.text ?? '').not.toMatch(/child cow|spawn_worker/);
    // the child's first stores to the shared mapping are the child's evidence
    expect(parent.findings!.find((f) => f.kind === 'first-touch')?.text ?? '').not.toContain('shared mapping');
    expect(child.findings!.find((f) => f.kind === 'first-touch')!.text).toContain(
      `8 of them are not new memory: first stores by pid ${cowChild} to a shared mapping made by map_shared+0x2a (cow.c:33) and inherited from pid ${cowParent}`,
    );
  });

  it('major faults: --time before the first one leaves none; the data file scan alone names pagein.dat', async () => {
    // the first major fault is hot0's fetch from libhot.so; then scan_file reads pagein.dat
    expect(kinds(await sampleReport('pagein', { timeEnd: justBefore(pageinMajors[0]!) }))).not.toContain('major-faults');
    // from just after the major fault before the scan's first (its fault tracepoint comes a little before it)
    const first = pageinMajors.indexOf(scans[0]!);
    expect(first).toBeGreaterThan(0);
    const scan = await sampleReport('pagein', { timeStart: time(pageinMajors[first - 1]!) + 5e-7, timeEnd: time(scans[scans.length - 1]!) + 5e-7 });
    const major = scan.findings!.find((f) => f.kind === 'major-faults')!;
    expect(major.faults).toBe(32);
    expect(major.text).toContain('By file: pagein.dat 32.');
    expect(major.text).not.toContain('libhot.so');
  });

  it('execute-permission faults: --time before the buggy seals leaves none', async () => {
    expect(kinds(await sampleReport('jit', { timeEnd: justBefore(firstNx) }))).not.toContain('nx-violation');
    expect(kinds(await sampleReport('jit', { timeStart: justBefore(firstNx) }))[0]).toBe('nx-violation');
  });
});

describe('the first 12 lines of `report` name the pattern, its call sites with source lines, the faulting instructions and the cost', () => {
  // the faults the report counts: the tracepoint's, and page-faults in kernel mode (the tracepoint does not see those)
  const total = (name: Sample): number => {
    const samples = scriptSamples(captureText(name), 'exceptions:page_fault_user', 'page-faults');
    return samples.filter((s) => s.event !== 'page-faults' || (s.frames[0] !== undefined && isKernel(s.frames[0]))).length;
  };
  const share = (n: number, name: Sample, what: string): RegExp => new RegExp(`^ 1\\. ${n} of ${total(name)} faults \\(${Math.round((100 * n) / total(name))}%\\) ${what}`, 'm');
  // what each sample's head must say (besides the golden file that pins it)
  const expected: Record<Sample, RegExp[]> = {
    guard: [share(64, 'guard', 'are guard-page retries'), /write_field\+0x0 \(guard\.c:58/, /protect_old\+0x28 \(guard\.c:53/, /unprotect_page\+0x10 \(guard\.c:29\)/, /Cost: 64 SIGSEGV deliveries/, /TLB flushes/],
    cow: [/^ 1\. \d+ of \d+ faults \(\d+%\) are copy-on-write breaks/m, /store\+0x0 \(cow\.c:39/, /map_arena\+0x2a\s+\(cow\.c:27/, /spawn_worker\+0xd\s+\(cow\.c:49\)/, new RegExp(`\\)\\s+${childBreaks}\\s+pages`)],
    touch: [share(282, 'touch', 'are first touches'), /fill_pages\+0x15 \(touch\.c:33/, /arena_create\+0x2a \(touch\.c:21/],
    pagein: [/^ 1\. 35 of \d+ faults \(\d+%\) are major faults/m, /pagein\.dat 32/, /libhot\.so 3/, /scan_file\+0x1a \(pagein\.c:94/, /hot0\+0x0 \(hot\.c:5/],
    jit: [/^ 1\. 8 of \d+ faults \(\d+%\) are instruction fetches from pages without execute permission/m, /seal_ro\+0x10 \(jit\.c:60\)/, /make_exec\+0x10 \(jit\.c:30\)/, /W\^X flips: 64 calls/, /TLB flushes/],
    startup: [/^ 1\. \d+ of \d+ faults \(\d+%\) are program start-up/m, /ld-linux-x86-64\.so\.2 \d+/, /_dl_relocate_object\+0x[0-9a-f]+/],
  };
  for (const name of Object.keys(SAMPLES) as Sample[]) {
    it(`on the ${name} capture`, async () => {
      const r = await runCli(['report', '-q', DIR + SAMPLES[name].trace, ...sampleListings(name).flatMap((l) => ['--objdump', l])]);
      expect(r.code).toBe(0);
      const head = r.out.split('\n').slice(0, 12).join('\n') + '\n';
      for (const re of expected[name]) expect(head).toMatch(re);
      await expect(head).toMatchFileSnapshot(`../golden/findings/${name}.head.txt`);
    });
  }
});

describe('plain English in the whole text report', () => {
  for (const name of Object.keys(SAMPLES) as Sample[]) {
    it(`on the ${name} capture: no "1 <plural>", and a shared first write is not called new memory`, async () => {
      const r = await runCli(['report', '-q', DIR + SAMPLES[name].trace, ...sampleListings(name).flatMap((l) => ['--objdump', l])]);
      expect(r.out.match(/(?<![\d.,])1 (?:faults|cycles|calls|pages|stores|loads|threads|processes|signals|fetches|retries|functions|records|events)\b/g)).toBeNull();
      expect(r.out).not.toMatch(/no followed call|1 is\b|\bare an? /);
      if (name === 'cow') expect(r.out).toMatch(new RegExp(`8\\s+of\\s+them\\s+are\\s+not\\s+new\\s+memory:\\s+first\\s+stores\\s+by\\s+pid\\s+${cowChild}\\s+to\\s+a\\s+shared\\s+mapping`));
    });
  }
});
