// Threads and the processes (address spaces) they belong to.
// perf script prints only the tid unless `-F +pid`; threads are tied to
// their process by FORK/COMM records (`--show-task-events`). Without either,
// a thread is its own process and sees none of its siblings' changes.
import type { TaskRecord } from '../model.js';
import { PageMap } from './page-map.js';
import type { Change, Process, Thread } from './state.js';

export class Tasks {
  readonly processes = new Map<number, Process>();
  readonly threads = new Map<number, Thread>();
  private readonly tidToPid = new Map<number, number>();
  private readonly mainTids = new Set<number>();
  private readonly unmappedTids = new Set<number>();

  add(r: TaskRecord): void {
    if (r.pid < 0) return;
    this.tidToPid.set(r.tid, r.pid);
    if (r.pid === r.tid) this.mainTids.add(r.tid);
    // PERF_RECORD_FORK(9211:9211):(9209:9209) is a new process; FORK(9231:9233):(9231:9231) a new thread.
    if (r.kind === 'fork' && r.ppid !== undefined && r.ppid !== r.pid) {
      const parent = this.processes.get(r.ppid);
      this.processes.set(r.pid, { key: r.pid, map: parent === undefined ? new PageMap<Change>() : parent.map.copy() });
    }
  }

  /** The process key of (pid, tid): the pid when known, else the tid (counted as unresolved). */
  processKey(pid: number, tid: number): number {
    if (pid >= 0) {
      if (!this.tidToPid.has(tid)) this.tidToPid.set(tid, pid);
      return pid;
    }
    const known = this.tidToPid.get(tid);
    if (known !== undefined) return known;
    this.unmappedTids.add(tid);
    return tid;
  }

  /** The process a tid is known to belong to, without recording anything. */
  pidOf(tid: number): number {
    return this.tidToPid.get(tid) ?? tid;
  }

  process(pid: number, tid: number): Process {
    const key = this.processKey(pid, tid);
    let p = this.processes.get(key);
    if (p === undefined) {
      p = { key, map: new PageMap<Change>() };
      this.processes.set(key, p);
    }
    return p;
  }

  thread(tid: number): Thread {
    let t = this.threads.get(tid);
    if (t === undefined) {
      t = { tid, held: [] };
      this.threads.set(tid, t);
    }
    return t;
  }

  // Threads followed as their own process that were not (a later EXIT record
  // may name the process; a main thread's tid is its pid and does no harm).
  unresolved(): number {
    let n = 0;
    for (const tid of this.unmappedTids) {
      const pid = this.tidToPid.get(tid);
      if (pid === undefined ? !this.mainTids.has(tid) : pid !== tid) n++;
    }
    return n;
  }
}
