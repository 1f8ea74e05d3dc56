// Threads tied to their process on a real capture (samples/tasks): two
// pthreads (clone3) write pages main opened with mprotect, and a forked child
// (clone) writes two of them again. perf script's default fields print tids
// only; the clone records tie the tids as --show-task-events does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ThreadOwners } from '../../../src/memory/index.js';
import { normalizeRecord } from '../../../src/events.js';
import type { Report, TraceRecord } from '../../../src/model.js';
import { buildReport } from '../../../src/pipeline.js';
import { PerfScriptParser } from '../../../parsers/perf-script.js';

const S = 'samples/tasks';
const listing = `${S}/tasks.objdump-dl.txt`;

function records(file: string, keep: (line: string) => boolean = () => true): TraceRecord[] {
  const out: TraceRecord[] = [];
  const p = new PerfScriptParser({ source: file }, (r) => out.push(r));
  // drop whole records whose header fails `keep` (their callchain lines with them)
  let skipping = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line !== '' && !/^\s/.test(line)) skipping = !keep(line);
    if (!skipping) p.line(line);
  }
  p.end();
  return out;
}

function arena(r: Report) {
  return r.protection!.sites.find((s) => s.symbol === 'open_arena');
}

// The tids as the task records name them: main, the two threads, the forked child.
const taskLines = readFileSync(`${S}/tasks.perf-script-task.txt`, 'utf8');
const forks = [...taskLines.matchAll(/PERF_RECORD_FORK\((\d+):(\d+)\):\((\d+):(\d+)\)/g)].map((m) => m.slice(1).map(Number));
const main = forks[0]![0]!;
const threads = forks.filter((f) => f[0] === main && f[1] !== main).map((f) => f[1]!);
const child = forks.find((f) => f[0] !== main)![0]!;

describe('threads tied to their process without task records (samples/tasks)', async () => {
  const plain = await buildReport({ traces: [`${S}/tasks.perf-script.txt`], objdump: [listing] });
  const tasks = await buildReport({ traces: [`${S}/tasks.perf-script-task.txt`], objdump: [listing] });

  it('reads the capture as the task records tell it: two threads and one forked process', () => {
    expect(threads).toHaveLength(2);
    expect(forks.filter((f) => f[0] === child)).toHaveLength(1);
    expect(plain.events['exceptions:page_fault_user']).toBe(tasks.events['exceptions:page_fault_user']);
  });

  it('charges the threads’ and the child’s writes to main’s mprotect, as with --show-task-events', () => {
    // 4 pages per thread, 2 copy-on-write pages in the child
    expect(arena(tasks)).toMatchObject({ faults: 10, classes: { 'first-touch-write': 8, 'copy-on-write': 2 } });
    expect(arena(plain)).toMatchObject({ faults: 10, classes: { 'first-touch-write': 8, 'copy-on-write': 2 } });
    expect(plain.protection!.sites.map((s) => [s.site, s.faults])).toEqual(tasks.protection!.sites.map((s) => [s.site, s.faults]));
    expect(plain.protection!.uncoveredFaults).toBe(tasks.protection!.uncoveredFaults);
  });

  it('says clone3’s flags were assumed, once, and that no thread was left untied', () => {
    expect(plain.warnings.filter((w) => w.includes('clone3'))).toEqual([expect.stringContaining('2 threads made by clone3')]);
    expect(plain.warnings.some((w) => w.includes('could not be tied'))).toBe(false);
    expect(tasks.warnings.some((w) => w.includes('clone3') || w.includes('could not be tied'))).toBe(false);
  });

  it('keeps the threads’ faults under --pid of their process', async () => {
    const byPid = await buildReport({ traces: [`${S}/tasks.perf-script.txt`], objdump: [listing], pids: [main] });
    const threadFaults = [...taskLines.matchAll(/^tasks\s+(\d+) .*page_fault_user:/gm)].filter((m) => threads.includes(Number(m[1]))).length;
    const mainFaults = [...taskLines.matchAll(/^tasks\s+(\d+) .*page_fault_user:/gm)].filter((m) => Number(m[1]) === main).length;
    expect(threadFaults).toBeGreaterThan(0);
    expect(byPid.tree.value).toBe(mainFaults + threadFaults);
  });

  it('without clone or task records says once which perf script option ties the threads', async () => {
    const owners = new ThreadOwners();
    for (const r of records(`${S}/tasks.perf-script.txt`, (l) => !/sys_(enter|exit)_clone/.test(l))) owners.note(normalizeRecord(r));
    expect(owners.unresolved()).toBe(4); // main, two threads and the child, each alone
    expect(owners.notes()).toEqual([expect.stringMatching(/^4 threads could not be tied .*perf script --show-task-events \(-F \+pid would drop the tracepoints' callchains\)$/)]);
  });

  it('ties by clone alone: threads to the parent, the fork child to itself', () => {
    const owners = new ThreadOwners();
    const births: [number, number][] = [];
    owners.onFork((c, p) => births.push([c, p]));
    for (const r of records(`${S}/tasks.perf-script.txt`)) owners.note(normalizeRecord(r));
    for (const t of threads) expect(owners.peek(t)).toBe(main);
    expect(owners.peek(child)).toBe(child);
    expect(births).toEqual([[child, main]]);
    expect(owners.unresolved()).toBe(0);
  });
});
