// A process's pages after exec owe nothing to protection changes made before
// it: exec replaces the address space. samples/runs (record.sh): two runs of
// one program captured apart, each in a new pid namespace (pid 2 in both) with
// the same addresses, read together as `faultpath report a b` reads them; and
// one run whose child execs the program again after its parent sealed a page.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePerfScript } from '../../parsers/perf-script.js';
import { AddressSpaces } from '../../src/addresses.js';
import { normalizeRecord, type TraceEvent } from '../../src/events.js';
import { ThreadOwners } from '../../src/memory/threads.js';
import type { Report, TraceRecord } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';

const R = 'samples/runs';
const LISTING = `${R}/relro.objdump-dl.txt`;

const report = (...traces: string[]): Promise<Report> => buildReport({ traces: traces.map((t) => `${R}/${t}.perf-script.txt`), objdump: [LISTING] });

function add(into: Map<string, number>, key: string, n: number): void {
  into.set(key, (into.get(key) ?? 0) + n);
}

/** What a report counts per protection site, per fault class, per faulting instruction, and uncovered. */
function tallies(r: Report): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of r.protection!.sites) add(out, `site ${s.site} ${s.prot}`, s.faults);
  for (const [cls, n] of Object.entries(r.classes ?? {})) add(out, `class ${cls}`, n);
  for (const s of r.sites) add(out, `at ${s.dso} ${s.symbol}+${s.offset}`, s.count);
  add(out, 'uncovered', r.protection!.uncoveredFaults);
  return out;
}

describe('two runs read together (one pid, one address layout)', () => {
  it('count every fault as its own run does: the second run starts with its exec, so the first run\'s mprotect calls cover none of its pages', async () => {
    const text = (run: string): string => readFileSync(`${R}/${run}.perf-script.txt`, 'utf8');
    // relro     2 [000] 75962.631541: PERF_RECORD_COMM exec: relro:2/2     (both runs)
    for (const run of ['a', 'b']) expect(text(run)).toMatch(/^relro +2 .*PERF_RECORD_COMM exec: relro:2\/2$/m);
    const [a, b, both] = await Promise.all([report('a'), report('b'), report('a', 'b')]);
    const sum = tallies(a);
    for (const [k, n] of tallies(b)) add(sum, k, n);
    for (const [k, n] of [...sum]) if (n === 0) sum.delete(k);
    const together = tallies(both);
    for (const [k, n] of [...together]) if (n === 0) together.delete(k);
    expect(together).toEqual(sum);
    // before: ld.so's RELRO mprotect in run a covered run b's start-up writes there (write-to-read-only, "guard-page faults")
    expect(both.classes?.['write-to-read-only'] ?? 0).toBe(0);
  });
});

describe('a child that execs after its parent sealed a page', () => {
  // relro  6900 … PERF_RECORD_FORK(6907:6907):(6900:6900)
  // exe  6907 … PERF_RECORD_COMM exec: exe:6907/6907
  it('fork-exec: a fault counts against an mprotect call of its own process since its exec (a forked child: its parent\'s before the fork)', async () => {
    const text = readFileSync(`${R}/fork-exec.perf-script.txt`, 'utf8');
    // the reference, from the text alone: per process, the ranges its mprotect calls set since its exec
    const ranges = new Map<number, [number, number][]>();
    let covered = 0;
    let faults = 0;
    let execs = 0;
    for (const line of text.split('\n')) {
      const fork = /PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)/.exec(line);
      if (fork !== null && fork[1] !== fork[2]) ranges.set(Number(fork[1]), [...(ranges.get(Number(fork[2])) ?? [])]);
      const exec = /PERF_RECORD_COMM exec: .*:(\d+)\/\d+$/.exec(line);
      if (exec !== null) {
        ranges.set(Number(exec[1]), []);
        execs++;
      }
      const who = /^\S+ +(\d+) /.exec(line);
      if (who === null) continue;
      const pid = Number(who[1]); // one thread per process here: the tid is the pid
      const call = /sys_enter_mprotect: start: 0x([0-9a-f]+), len: 0x([0-9a-f]+)/.exec(line);
      if (call !== null) ranges.get(pid)!.push([parseInt(call[1]!, 16), parseInt(call[1]!, 16) + parseInt(call[2]!, 16)]);
      const fault = /exceptions:page_fault_user: address=0x([0-9a-f]+)/.exec(line);
      if (fault !== null) {
        faults++;
        const page = parseInt(fault[1]!, 16) & ~0xfff;
        if ((ranges.get(pid) ?? []).some(([s, e]) => s <= page && page < e)) covered++;
      }
    }
    expect(execs).toBe(2);
    const r = await report('fork-exec');
    expect(r.protection!.sites.reduce((n, s) => n + s.faults, 0)).toBe(covered);
    expect(r.protection!.uncoveredFaults).toBe(faults - covered);
    // before: the child's store to the page its parent sealed was a write to a read-only page
    expect(r.classes?.['write-to-read-only'] ?? 0).toBe(0);
  });
});

describe("a process's code mappings", () => {
  it('are the new image\'s after exec: run a\'s are gone at run b\'s exec, before b maps its own', async () => {
    const owners = new ThreadOwners();
    const spaces = new AddressSpaces(owners);
    const events = async (run: string): Promise<TraceEvent[]> => {
      const out: TraceEvent[] = [];
      for await (const r of parsePerfScript(readFileSync(`${R}/${run}.perf-script.txt`, 'utf8').split('\n'), { source: run })) out.push(normalizeRecord(r as TraceRecord));
      return out;
    };
    const feed = (e: TraceEvent): void => {
      owners.note(e);
      if (e.kind === 'mmap') spaces.addMmap(e);
      else if (e.kind === 'comm' || e.kind === 'fork' || e.kind === 'exit') spaces.addTask(e);
    };
    for (const e of await events('a')) feed(e);
    // relro 2 … PERF_RECORD_MMAP2 2/2: [0x555555555000(0x1000) @ 0x1000 …]: r-xp …/samples/runs/relro
    const code = (await events('a')).find((e) => e.kind === 'mmap' && e.prot.includes('x') && e.filename.endsWith('/relro'));
    if (code?.kind !== 'mmap') throw new Error('run a maps no code of relro');
    expect(spaces.lookup(2, code.start)?.dso).toBe(code.filename);
    const b = await events('b');
    const exec = b.findIndex((e) => e.kind === 'comm' && e.exec === true);
    for (const e of b.slice(0, exec + 1)) feed(e);
    expect(spaces.lookup(2, code.start)).toBeUndefined();
    expect(spaces.codeOf(2, code.filename, code.pgoff)).toBeUndefined();
    for (const e of b.slice(exec + 1)) feed(e);
    expect(spaces.lookup(2, code.start)?.dso).toBe(code.filename);
  });
});
