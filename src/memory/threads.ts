// Which process each thread belongs to, from every record that tells.
//
// perf script prints only the tid unless its fields include pid (and
// `-F +pid` alone drops the tracepoints' callchains in perf 6.1). What ties a
// thread to its process, strongest first:
//   guard  4975/4975  [000]  7790.127574: …                   pid/tid header (-F …,pid,tid,…)
//   threads 15413 [000]  8385.169061: PERF_RECORD_FORK(15413:15415):(15413:15413)   --show-task-events
//   threads 15416 [001]  8385.174342: PERF_RECORD_EXIT(15413:15416):(15412:15412)
//   tasks 25754 … PERF_RECORD_MMAP2 25740/25754: [0x7f…(0x…) @ 0 …]: rw-p //anon   --show-mmap-events
//   tasks 25740 [001]   531.573197:    syscalls:sys_enter_clone: clone_flags: 0x01200011, newsp: 0x00000000, …
//   tasks 25740 [001]   531.573739:     syscalls:sys_exit_clone: 0x649c
//   tasks 25756 [001]   531.573837:     syscalls:sys_exit_clone: 0x0
// A clone's return value in the parent is the child's tid; the child's first
// record is its own return (0) from the call. clone's flags say thread
// (CLONE_THREAD) or process; clone3's are behind a pointer, so a clone3 child
// is taken as sharing its parent's address space, as both glibc callers
// (pthread_create, posix_spawn's vfork) make it.
import type { CallEvent, ReturnEvent, TraceEvent } from '../events.js';

const CLONE_VM = 0x100;
const CLONE_THREAD = 0x10000;

/** How a process came to be: a fork copies its parent's memory. `reused`: the pid was another process's, which exited: what was kept for it is that one's. */
export type ForkListener = (child: number, parent: number, reused: boolean) => void;

interface OpenClone {
  readonly call: 'clone' | 'clone3';
  /** clone's flags; NaN for clone3. */
  readonly flags: number;
}

/** Ties threads to processes; every consumer of process identity asks it. */
export class ThreadOwners {
  // tid → the tid or pid it belongs to (a chain ends at a key mapped to itself or absent)
  private readonly owner = new Map<number, number>();
  // keys known to be real pids (from a header, a task or mmap record, or a fork child)
  private readonly pids = new Set<number>();
  private readonly seen = new Set<number>();
  // tids followed as their own process before anything tied them
  private readonly alone = new Set<number>();
  private readonly open = new Map<number, OpenClone>();
  private readonly forkedFrom = new Map<number, number>();
  private readonly listeners: ForkListener[] = [];
  // pids whose process exited (the EXIT of its main thread): a FORK of one is another process
  private readonly exited = new Set<number>();
  // pid → processes that had it before its current one; absent: none
  private readonly lives = new Map<number, number>();
  /** clone3 children taken as sharing their parent's address space. */
  assumedClone3 = 0;
  // Runs of one thread are the rule: the last tie made, and the last tid
  // resolved with its process key (until a tie or pid changes the chains).
  private tiedTid = NaN;
  private tiedPid = NaN;
  private seenTid = NaN;
  private resolvedTid = NaN;
  private resolvedKey = NaN;

  /** Calls `fn(child, parent)` when a new process forks from another (FORK record, clone without CLONE_THREAD/CLONE_VM). */
  onFork(fn: ForkListener): void {
    this.listeners.push(fn);
  }

  /** Learns from one event, in trace order. */
  note(e: TraceEvent): void {
    switch (e.kind) {
      case 'lost':
        return;
      case 'mmap':
        this.tie(e.tid, e.pid);
        return;
      case 'comm':
        // a thread's exec: the leader's EXIT comes first (de_thread), and the process goes on, not another
        if (e.exec === true) this.exited.delete(e.pid);
        this.tie(e.tid, e.pid);
        return;
      case 'exit':
        if (e.pid === e.tid && e.pid >= 0) this.exited.add(e.pid);
        this.tie(e.tid, e.pid);
        return;
      case 'fork': {
        const child = e.ppid !== undefined && e.ppid >= 0 && e.ppid !== e.pid;
        // the pid of a process that exited, given again (pid wrap-around): another process, another life
        const reused = child && this.exited.delete(e.pid);
        if (reused) this.lives.set(e.pid, this.life(e.pid) + 1);
        const newProcess = child && (reused || !this.pids.has(e.pid));
        this.tie(e.tid, e.pid);
        if (newProcess) this.fork(e.pid, this.processOf(e.ppid!, e.ptid ?? e.ppid!), reused);
        return;
      }
      default: {
        const r = e.record;
        if (r.pid >= 0 && (r.tid !== this.tiedTid || r.pid !== this.tiedPid)) this.tie(r.tid, r.pid);
        if (r.tid !== this.seenTid) {
          this.seen.add(r.tid);
          this.seenTid = r.tid;
        }
        if ((e.kind === 'call' || e.kind === 'return') && (e.name === 'clone' || e.name === 'clone3')) this.clone(e);
      }
    }
  }

  /** The process key of (pid, tid): the pid when known, else what ties told, else the tid itself. */
  processOf(pid: number, tid: number): number {
    if (pid >= 0) return pid;
    if (tid === this.resolvedTid) return this.resolvedKey;
    const key = this.resolve(tid);
    if (key === tid && !this.pids.has(tid)) this.alone.add(tid);
    this.resolvedTid = tid;
    this.resolvedKey = key;
    return key;
  }

  /**
   * Which of the processes that had `pid` holds it now: 0 for the first the trace saw, 1 for the one
   * forked with it after that one exited (PERF_RECORD_EXIT, then PERF_RECORD_FORK of the same pid), …
   */
  life(pid: number): number {
    return this.lives.size === 0 ? 0 : (this.lives.get(pid) ?? 0);
  }

  /** The processes that had `pid` over the trace so far (1 when it was never given again). */
  livesOf(pid: number): number {
    return this.life(pid) + 1;
  }

  /** The process a tid is known to belong to, without recording anything. */
  peek(tid: number): number {
    return this.resolve(tid);
  }

  /**
   * Threads whose process the trace did not tell: followed as their own
   * process until something tied them elsewhere, or never tied while another
   * process in the trace may be theirs. A trace of one process, or whose
   * processes all descend by fork from the one untied, loses nothing.
   */
  unresolved(): number {
    const roots = new Set<number>();
    for (const tid of this.seen) roots.add(this.resolve(tid));
    const untied = [...roots].filter((k) => !this.pids.has(k));
    const risky = untied.length >= 2 || (untied.length === 1 && [...roots].some((k) => this.pids.has(k) && !this.descends(k, untied[0]!)));
    let n = 0;
    for (const tid of this.seen) {
      const key = this.resolve(tid);
      if ((this.alone.has(tid) && key !== tid) || (risky && !this.pids.has(key))) n++;
    }
    return n;
  }

  /** What a reader must know about the answer: threads not tied, ties assumed. */
  notes(): string[] {
    const out: string[] = [];
    const n = this.unresolved();
    if (n > 0) {
      out.push(
        `${n} thread${n === 1 ? '' : 's'} could not be tied to ${n === 1 ? 'its' : 'their'} process (perf script printed no pid and no task records), so each was followed as its own process and sees none of its siblings' mappings and protection changes; print the task records with perf script --show-task-events (-F +pid would drop the tracepoints' callchains)`,
      );
    }
    if (this.assumedClone3 > 0) {
      const k = this.assumedClone3;
      out.push(
        `${k} thread${k === 1 ? '' : 's'} made by clone3 ${k === 1 ? 'was' : 'were'} taken to share ${k === 1 ? 'its' : 'their'} parent's address space (clone3's flags are not in the trace; glibc's pthread_create and posix_spawn share it); perf script --show-task-events tells threads from processes`,
      );
    }
    return out;
  }

  // Whether process `key` was forked, directly or not, from `ancestor`.
  private descends(key: number, ancestor: number): boolean {
    for (let k: number | undefined = key, i = 0; k !== undefined && i < 64; k = this.forkedFrom.get(k), i++) {
      if (this.resolve(k) === ancestor) return true;
    }
    return false;
  }

  private resolve(tid: number): number {
    let key = tid;
    for (let i = 0; i < 64; i++) {
      const next = this.owner.get(key);
      if (next === undefined || next === key) return key;
      key = next;
    }
    return key;
  }

  private tie(tid: number, pid: number): void {
    if (pid < 0 || tid < 0) return;
    this.pids.add(pid);
    this.owner.set(pid, pid);
    if (tid !== pid) this.owner.set(tid, pid);
    this.tiedTid = tid;
    this.tiedPid = pid;
    this.changed();
  }

  // The chains changed: what was resolved may not hold.
  private changed(): void {
    this.resolvedTid = NaN;
  }

  private fork(child: number, parent: number, reused = false): void {
    this.forkedFrom.set(child, parent);
    for (const fn of this.listeners) fn(child, parent, reused);
  }

  private clone(e: CallEvent | ReturnEvent): void {
    const r = e.record;
    const call = e.name as 'clone' | 'clone3';
    if (e.kind === 'call') {
      const flags = e.args?.call === 'clone' ? e.args.flags : NaN;
      if (e.ret !== undefined) this.cloned(r.tid, r.pid, { call, flags }, e.ret); // perf trace: one record
      else this.open.set(r.tid, { call, flags });
      return;
    }
    const ret = e.ret;
    const open = this.open.get(r.tid);
    if (ret === 0 && !this.owner.has(r.tid)) {
      // the child's own return: its parent is the one thread inside a clone
      const parents = [...this.open.keys()].filter((t) => t !== r.tid);
      if (parents.length === 1) this.cloned(parents[0]!, -1, this.open.get(parents[0]!)!, r.tid);
      return;
    }
    this.open.delete(r.tid);
    if (open !== undefined && ret > 0) this.cloned(r.tid, r.pid, open, ret);
  }

  private cloned(parentTid: number, parentPid: number, c: OpenClone, child: number): void {
    if (!(child > 0) || this.pids.has(child) || this.owner.has(child)) return;
    this.changed();
    const parent = parentPid >= 0 ? parentPid : this.resolve(parentTid);
    if (Number.isNaN(c.flags)) {
      this.assumedClone3++;
      this.owner.set(child, parent);
    } else if ((c.flags & CLONE_THREAD) !== 0 || (c.flags & CLONE_VM) !== 0) {
      this.owner.set(child, parent);
    } else {
      this.pids.add(child);
      this.owner.set(child, child);
      this.fork(child, parent);
    }
  }
}
