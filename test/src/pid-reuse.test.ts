// One pid, several processes (samples/reuse): reuse.c gives three pids to two
// or three short-lived processes each, in turn (fork without exec, the pid
// asked for again once its holder exited). perf's task records tell the
// processes apart: a FORK of a pid after its EXIT is another process.
//   reuse 24060 [000]  1280.373798: PERF_RECORD_FORK(24062:24062):(24060:24060)
//   reuse 24062 [000]  1280.373983: PERF_RECORD_EXIT(24062:24062):(24060:24060)
//   reuse 24063 [000]  1280.374545: PERF_RECORD_FORK(24062:24062):(24063:24063)
// The report counted them as one process per pid, with the last fork's parent.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { mergeReports } from '../../src/merge.js';
import { regionGroupName, type ProcessSummary, type TaskRecord } from '../../src/model.js';
import type { MmapRecord } from '../../parsers/records.js';
import { reportFromJson } from '../../src/report-json.js';
import { ThreadOwners } from '../../src/memory/index.js';
import { AddressHistory } from '../../src/memory/address-history.js';
import { renderJson } from '../../viz/json.js';

const S = 'samples/reuse';
const EVENT = 'exceptions:page_fault_user';

interface Life {
  pid: number;
  life: number;
  parent?: [number, number];
  faults: number;
}

// The processes as perf's own records tell them, read line by line: the pid of a record is its
// header's pid (the -F list with pid) or its tid (default fields: reuse.c starts no thread).
function livesOf(file: string): Life[] {
  const current = new Map<number, Life>();
  const exited = new Set<number>();
  const all: Life[] = [];
  const start = (pid: number, parent?: [number, number]): Life => {
    const l: Life = { pid, life: all.filter((x) => x.pid === pid).length, ...(parent !== undefined ? { parent } : {}), faults: 0 };
    all.push(l);
    current.set(pid, l);
    return l;
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fork = /PERF_RECORD_FORK\((\d+):(\d+)\):\((\d+):(\d+)\)/.exec(line);
    const exit = /PERF_RECORD_EXIT\((\d+):(\d+)\)/.exec(line);
    const sample = new RegExp(`^\\s*\\S+\\s+(?:(\\d+)/)?(\\d+)\\s.*\\s${EVENT}:`).exec(line);
    if (fork !== null) {
      const [pid, tid, ppid] = fork.slice(1, 4).map(Number) as [number, number, number];
      if (pid === tid && pid !== ppid && (exited.delete(pid) || !current.has(pid))) start(pid, [ppid, current.get(ppid)?.life ?? 0]);
    } else if (exit !== null && exit[1] === exit[2]) {
      exited.add(Number(exit[1]));
    } else if (sample !== null) {
      const pid = Number(sample[1] ?? sample[2]);
      (current.get(pid) ?? start(pid)).faults++;
    }
  }
  return all.filter((l) => l.faults > 0);
}

// perf report --sort pid: each pid's samples of the event (perf adds up a pid's processes too)
function perfReportByPid(): Map<number, number> {
  const text = readFileSync(`${S}/reuse.report.txt`, 'utf8');
  const table = text.slice(text.indexOf(`of event '${EVENT}'`)).split('# Samples:')[0]!;
  const out = new Map<number, number>();
  for (const m of table.matchAll(/^\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+(\d+):reuse/gm)) out.set(Number(m[2]), Number(m[1]));
  return out;
}

const shape = (p: ProcessSummary) => ({ pid: p.pid, life: p.life, parent: p.parent, parentLife: p.parentLife, faults: p.faults });

for (const file of ['reuse.perf-script-task.txt', 'reuse.perf-script-pid.txt']) {
  describe(`a pid given to several processes (${S}/${file})`, async () => {
    const report = await buildReport({ traces: [`${S}/${file}`], objdump: [`${S}/reuse.objdump-dl.txt`] });
    const lives = livesOf(`${S}/${file}`);
    const many = (pid: number): boolean => lives.filter((l) => l.pid === pid).length > 1;

    it('the capture has pids that lived more than once, with different parents', () => {
      const reused = [...new Set(lives.map((l) => l.pid))].filter(many);
      expect(reused.length).toBeGreaterThanOrEqual(3);
      for (const pid of reused) expect(new Set(lives.filter((l) => l.pid === pid).map((l) => String(l.parent))).size).toBeGreaterThan(1);
    });

    it('counts each process apart, with its own parent: a life index where the pid had several', () => {
      const expected = lives.map((l) => ({
        pid: l.pid,
        life: many(l.pid) ? l.life + 1 : undefined,
        parent: l.parent?.[0],
        parentLife: l.parent !== undefined && many(l.parent[0]) ? l.parent[1] + 1 : undefined,
        faults: l.faults,
      }));
      const key = (p: { pid: number; life?: number }): string => `${p.pid}/${p.life ?? 0}`;
      expect(report.processes!.map(shape).sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(expected.sort((a, b) => (key(a) < key(b) ? -1 : 1)));
    });

    it('says which of a pid’s processes the copy-on-write finding’s writers are', () => {
      const text = report.findings!.find((f) => f.kind === 'copy-on-write')!.text;
      const writers = [...text.matchAll(/child reuse \(pid (\d+)(?:, its (\d+)(?:st|nd|rd|th) process)?, forked by pid (\d+)/g)];
      expect(writers.length).toBeGreaterThan(0);
      for (const [, pid, life] of writers) expect(life !== undefined).toBe(many(Number(pid)));
    });

    it('adds up to the events read, and per pid to perf report’s samples', () => {
      expect(report.processes!.reduce((n, p) => n + p.faults, 0)).toBe(report.tree.value);
      expect(report.tree.value).toBe(report.events[EVENT]);
      const byPid = new Map<number, number>();
      for (const p of report.processes!) byPid.set(p.pid, (byPid.get(p.pid) ?? 0) + p.faults);
      expect(byPid).toEqual(perfReportByPid());
    });

    it('gives each later process the memory of its own parent, not its pid’s last holder’s', () => {
      // regions copied at fork say from which pid: a reused pid's come from each of its lives' parents
      for (const pid of new Set(lives.filter((l) => many(l.pid)).map((l) => l.pid))) {
        const from = new Set(report.regions!.regions.filter((r) => r.pid === pid && r.call === 'fork').map((r) => Number(/from pid (\d+)/.exec(r.siteNote ?? '')?.[1])));
        const parents = new Set(lives.filter((l) => l.pid === pid && l.parent !== undefined).map((l) => l.parent![0]));
        expect(from).toEqual(parents);
      }
    });

    it('tells the regions of a pid’s processes apart: each one’s life, its parent’s, its own name', () => {
      const regions = report.regions!.regions;
      for (const r of regions) expect(r.life !== undefined).toBe(many(r.pid));
      const ord = (n: number): string => ['1st', '2nd', '3rd'][n - 1]!;
      let checked = 0;
      for (const l of lives.filter((x) => many(x.pid) && x.parent !== undefined)) {
        const [ppid, plife] = l.parent!;
        const notes = new Set(regions.filter((r) => r.pid === l.pid && r.life === l.life + 1 && r.call === 'fork').map((r) => /from pid \d+(?: \(\w+ process\))?/.exec(r.siteNote ?? '')?.[0]));
        if (notes.size > 0) checked++;
        if (notes.size > 0) expect([...notes]).toEqual([`from pid ${ppid}${many(ppid) ? ` (${ord(plife + 1)} process)` : ''}`]);
      }
      expect(checked).toBeGreaterThanOrEqual(3);
      // the --group-by region and slice name of each region is its own
      expect(new Set(regions.map(regionGroupName)).size).toBe(regions.length);
      const json = reportFromJson(renderJson(report), file);
      expect(mergeReports([json, json]).regions!.regions.map((r) => [r.pid, r.life, r.start, r.faults])).toEqual(regions.map((r) => [r.pid, r.life, r.start, 2 * r.faults]));
    });

    it('keeps the processes apart through JSON and faultpath merge', () => {
      const json = reportFromJson(renderJson(report), file);
      expect(json.processes).toEqual(report.processes);
      const twice = mergeReports([json, json]);
      expect(twice.processes!.map(shape)).toEqual(report.processes!.map((p) => ({ ...shape(p), faults: 2 * p.faults })));
    });
  });
}

describe('a thread’s exec is its process going on, not another process', () => {
  // perf 6.1, a thread of 28011 calling execve: the leader's EXIT comes before the exec's COMM
  //   texec 28011   647.613990: PERF_RECORD_EXIT(28011:28011):(27999:27999)
  //    true 28011   647.614126: PERF_RECORD_COMM exec: true:28011/28011
  const task = (kind: TaskRecord['kind'], pid: number, extra: Partial<TaskRecord> = {}): TaskRecord => ({ kind, comm: 'true', pid, tid: pid, time: 0, source: 't', line: 1, ...extra });
  it('keeps its life; a FORK of the pid after its EXIT starts the next', () => {
    const owners = new ThreadOwners();
    const forks: [number, number, boolean][] = [];
    owners.onFork((child, parent, reused) => forks.push([child, parent, reused]));
    owners.note(task('fork', 28011, { ppid: 27999, ptid: 27999 }));
    owners.note(task('exit', 28011, { ppid: 27999, ptid: 27999 }));
    owners.note(task('comm', 28011, { exec: true }));
    expect(owners.life(28011)).toBe(0);
    owners.note(task('exit', 28011, { ppid: 27999, ptid: 27999 }));
    owners.note(task('fork', 28011, { ppid: 30000, ptid: 30000 }));
    expect(owners.life(28011)).toBe(1);
    expect(forks).toEqual([
      [28011, 27999, false],
      [28011, 30000, true],
    ]);
  });
});

describe(`--group-by thread names each process of a reused pid apart (${S})`, () => {
  for (const file of ['reuse.perf-script-task.txt', 'reuse.perf-script-pid.txt']) {
    it(`gives each process its own group, with its faults (${file})`, async () => {
      const report = await buildReport({ traces: [`${S}/${file}`], objdump: [`${S}/reuse.objdump-dl.txt`], groupBy: 'thread' });
      const lives = livesOf(`${S}/${file}`);
      const many = (pid: number): boolean => lives.filter((l) => l.pid === pid).length > 1;
      // reuse.c starts no thread: one tid per process, its pid
      const expected = lives.map((l) => [many(l.pid) ? `pid ${l.pid} (${['1st', '2nd', '3rd'][l.life]} process)` : `pid ${l.pid}`, `tid ${l.pid}`, l.faults]);
      const groups = report.tree.children.flatMap((p) => p.children.map((t) => [p.name, t.name, t.value]));
      expect(groups.sort()).toEqual(expected.sort());
    });
  }
});

describe('a pid given again right after its process’s last record', () => {
  // no record of the parent between the old process's last mapping and the FORK of the new one
  // (a capture of faults and task events only): the new process starts from its parent's memory
  const at = { comm: 'p', source: 't', line: 1 };
  const mmap = (pid: number, start: number, filename: string): MmapRecord => ({ ...at, kind: 'mmap', pid, tid: pid, time: 1, start, len: 0x1000, pgoff: 0, prot: 'rw-p', filename });
  const task = (kind: TaskRecord['kind'], pid: number, ppid: number): TaskRecord => ({ ...at, kind, pid, tid: pid, time: 1, ppid, ptid: ppid });
  it('has its parent’s regions, not the old process’s', () => {
    const owners = new ThreadOwners();
    const history = new AddressHistory({ siteOf: () => '', owners });
    for (const e of [mmap(1, 0x1000, 'shared'), task('fork', 100, 1), mmap(100, 0x5000, 'old'), task('exit', 100, 1), task('fork', 100, 1)]) {
      owners.note(e);
      history.add(e);
    }
    expect(owners.life(100)).toBe(1);
    const region = (address: number): string => {
      const r = history.place(100, 100, address, true);
      return typeof r === 'string' ? r : `${r.name} ${r.call} ${r.life}`;
    };
    expect(region(0x1000)).toBe('shared fork 1');
    expect(region(0x5000)).toBe('unmapped');
  });
});
