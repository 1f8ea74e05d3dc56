// The timeline's threads and processes (address spaces): which thread belongs
// to which process is ThreadOwners' answer; a forked process starts with a
// copy of its parent's page map; exec starts a new one.
import { FAULT_FAMILIES, type TraceEvent } from '../events.js';
import { PageMap } from './page-map.js';
import type { Change, Process, Thread } from './state.js';
import { ThreadOwners } from './threads.js';

export class Tasks {
  readonly processes = new Map<number, Process>();
  readonly threads = new Map<number, Thread>();
  readonly owners: ThreadOwners;
  private readonly ownOwners: boolean;

  /** `owners`: shared with the caller, who feeds it every record first. Default: its own, fed by `note`. */
  constructor(owners?: ThreadOwners) {
    this.ownOwners = owners === undefined;
    this.owners = owners ?? new ThreadOwners();
    this.owners.onFork((child, parent) => {
      const from = this.processes.get(parent);
      this.processes.set(child, { key: child, map: from === undefined ? new PageMap<Change>() : from.map.copy() });
    });
  }

  /** Takes every event, in trace order. */
  note(e: TraceEvent): void {
    if (this.ownOwners) this.owners.note(e);
  }

  /** exec (`PERF_RECORD_COMM exec`): the process's pages are the new program's, set by no change yet. */
  exec(pid: number): void {
    const key = this.owners.processOf(pid, pid);
    if (this.processes.has(key)) this.processes.set(key, { key, map: new PageMap<Change>() });
  }

  /** The process key of (pid, tid). */
  processKey(pid: number, tid: number): number {
    return this.owners.processOf(pid, tid);
  }

  /** The process a tid is known to belong to, without recording anything. */
  pidOf(tid: number): number {
    return this.owners.peek(tid);
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
    // asked several times per record: runs of one thread are the rule
    const last = this.lastThread;
    if (last !== undefined && last.tid === tid) return last;
    let t = this.threads.get(tid);
    if (t === undefined) {
      t = { tid, fam: FAULT_FAMILIES.map(() => ({ held: [] })) };
      this.threads.set(tid, t);
    }
    this.lastThread = t;
    return t;
  }

  private lastThread: Thread | undefined;

  unresolved(): number {
    return this.owners.unresolved();
  }
}
