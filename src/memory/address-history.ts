// Each process's address space over time: which mapping every address is in,
// and the call that created it. Fed every record in trace order.
//
// Sources, as perf 6.1 prints them (`perf record -d -g` with the syscall
// tracepoints, `perf script --show-mmap-events --show-task-events`):
//   regions 11151 [000] 287.863474:     syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00020000, prot: 0x00000001, flags: 0x00000001, fd: 0x00000003, off: 0x00000000
//   regions 11151 [000] 287.863488: PERF_RECORD_MMAP2 11151/11151: [0x7f09ea1dc000(0x20000) @ 0 fe:00 2147418 329560869]: r--s /tmp/regions.data
//   regions 11151 [000] 287.863489:      syscalls:sys_exit_mmap: 0x7f09ea1dc000
//   regions 11151 [000] 287.863548:      syscalls:sys_enter_brk: brk: 0x55c706938000
//   regions 11151 [000] 287.863553: PERF_RECORD_MMAP2 11151/11151: [0x55c706917000(0x21000) @ 0x55c706917000 00:00 0 0]: rw-p //anon
//   regions 11151 [000] 287.863553:       syscalls:sys_exit_brk: 0x55c706938000
//   regions 11151 [000] 287.864030:   syscalls:sys_enter_mremap: addr: 0x7f09ea3e3000, old_len: 0x00008000, new_len: 0x00020000, flags: 0x00000001, new_addr: 0x00000000
//   regions 11151 [000] 287.864045:    syscalls:sys_exit_mremap: 0x7f09ea1ac000
// What the kernel does and perf shows (mm/mmap.c, kernel/events/core.c):
// - MMAP2 is emitted inside the mmap call, before its exit; data mappings only
//   with `perf record -d`. mprotect emits one for the part it changed (a split,
//   not a new mapping); mremap and munmap emit none; brk emits `//anon` for the
//   heap (not `[heap]`: the heap's end is set after the record).
// - The main stack (`[stack]`) grows down on faults below it; no record says so.
// - exec replaces the address space; its own mappings (binary, ld.so, stack,
//   vdso) come before the process's first fault or syscall.
import { MAP_ANONYMOUS, MAP_SHARED, MREMAP_DONTUNMAP, type CallArgs, type CallEvent, type TraceEvent } from '../events.js';
import type { ThreadOwners } from './threads.js';
import type { MmapRecord, SampleRecord, TaskRecord } from '../../parsers/records.js';
import type { RegionCall, RegionKind } from './region-types.js';

/** One mapping of one process, as created; the faults placed in it are tallied by the caller. */
export interface Region {
  readonly id: number;
  readonly pid: number;
  name: string;
  kind: RegionKind;
  start: number;
  end: number;
  prot: string;
  readonly call: RegionCall;
  /** The creating call's site key (the protection sites' `siteOf`), or '' when no call is known. */
  readonly site: string;
  /** Seconds; NaN when it was there before the trace began. */
  readonly time: number;
  /** For a region with no site: the pid it was inherited from, or why none is known. */
  readonly from?: number;
  /** Which of the processes that had its pid (and `from`'s) it was mapped in (ThreadOwners.life when made). */
  readonly life: number;
  readonly fromLife?: number;
}

/** What a fault's address met: its region, or why it is in none (a word, not an object: one per fault). */
export type Placement = Region | 'no-mmap-records' | 'no-data-mmaps' | 'before-trace' | 'unmapped';

interface Piece {
  start: number;
  end: number;
  region: Region;
}

interface Space {
  pid: number;
  pieces: Piece[]; // sorted, disjoint
  heap?: Region;
  /** The heap's start, from the first brk's return, until a call grows it. */
  brkStart?: number;
  /** Between exec (or the trace's start for it) and its first fault or syscall: mappings are exec's own. */
  execPhase: boolean;
  /** The trace saw it begin (exec or fork). */
  seenStart: boolean;
  /** Mappings it got from MMAP records that are not executable. */
  dataMmaps: number;
}

interface OpenCall {
  call: 'mmap' | 'mremap' | 'brk' | 'munmap' | 'mprotect';
  record: SampleRecord;
  args: CallArgs | undefined;
  site: string;
  /** The MMAP2 record perf emitted inside the call: its vma, which may have merged with a neighbour. */
  vma?: { start: number; end: number; name: string; prot: string; time: number };
}

const CALLS: ReadonlySet<string> = new Set(['mmap', 'mremap', 'brk', 'munmap', 'mprotect', 'pkey_mprotect']);
/** RLIMIT_STACK's usual 8 MiB: how far below `[stack]` a fault still grows it. */
const STACK_LIMIT = 8 << 20;
const PAGE = 4096;

export interface HistoryOptions {
  /** The site key of a syscall record (ProtectionSites.siteOf). */
  siteOf: (r: SampleRecord) => string;
  /** Threads → processes, and the forks that copy an address space; fed every record before this. */
  owners: ThreadOwners;
}

/** Follows every process's mappings; `place` answers where an address is at the current point of the trace. */
export class AddressHistory {
  private readonly spaces = new Map<number, Space>();
  // a thread's call in flight; undefined once it returned (a deleted key's Map shrinks and grows back, call by call)
  private readonly open = new Map<number, OpenCall | undefined>();
  readonly regions: Region[] = [];
  /** Any PERF_RECORD_MMAP/MMAP2 of a process (not the kernel's) was read. */
  private mmapRecords = false;
  /** Any mapping syscall was read: a mapping without one was not made by a call. */
  syscalls = false;

  constructor(private readonly options: HistoryOptions) {
    options.owners.onFork((child, parent, reused) => {
      // the regions of the pid's process before stay as they were; this one starts from its parent's
      if (reused) {
        this.spaces.delete(child);
        if (this.lastSpace?.pid === child) this.lastSpace = undefined;
      }
      this.fork(child, parent);
    });
  }

  /** The processes that had `pid` over the trace so far (ThreadOwners.livesOf). */
  livesOf(pid: number): number {
    return this.options.owners.livesOf(pid);
  }

  add(e: TraceEvent): void {
    switch (e.kind) {
      case 'mmap':
        this.addMmap(e);
        return;
      case 'comm':
        this.addExec(e);
        return;
      case 'call':
      case 'return':
        if (CALLS.has(e.name)) this.addSyscall(e.record, e.kind === 'call' ? e : undefined, e.name === 'pkey_mprotect' ? 'mprotect' : (e.name as OpenCall['call']), e.ret);
        return;
      default:
        return;
    }
  }

  /**
   * Where `address` is in the process of (pid, tid) now. A fault in user mode
   * ends its process's exec phase (the kernel's own faults during exec, as it
   * clears the bss, do not).
   */
  place(pid: number, tid: number, address: number, userMode: boolean): Placement {
    const space = this.space(this.options.owners.processOf(pid, tid));
    if (userMode) space.execPhase = false;
    let at = after(space.pieces, address);
    let piece = pieceAt(space.pieces, at, address);
    // a call's vma comes from an MMAP record: without any, no Map lookup per fault
    if (piece === undefined && this.mmapRecords) {
      const open = this.open.get(tid);
      if (open?.vma !== undefined && address >= open.vma.start && address < open.vma.end) {
        // a mapping call with no exit record yet: its vma is all the trace has
        this.placeVma(space, open);
        at = after(space.pieces, address);
        piece = pieceAt(space.pieces, at, address);
      }
    }
    if (piece !== undefined) return piece.region;
    // below [stack]: the stack grows down to it
    const above = space.pieces[at];
    if (above !== undefined && above.region.kind === 'stack' && above.start - address <= STACK_LIMIT && above.start === above.region.start) {
      const below = space.pieces[at - 1];
      if (below === undefined || below.end <= address) {
        const start = address - (address % PAGE);
        above.start = start;
        above.region.start = start;
        return above.region;
      }
    }
    if (!this.mmapRecords) return 'no-mmap-records';
    if (!space.seenStart) return 'before-trace';
    if (space.dataMmaps === 0) return 'no-data-mmaps';
    return 'unmapped';
  }

  // ---------------------------------------------------------------- records

  private addMmap(r: MmapRecord): void {
    if (r.pid < 0) return;
    this.mmapRecords = true;
    const space = this.space(r.pid);
    if (!r.prot.includes('x')) space.dataMmaps++;
    const start = r.start;
    const end = r.start + r.len;
    const open = this.open.get(r.tid);
    if (open?.call === 'brk') {
      this.growHeap(space, start, end, open.site, r.time, open.call);
      return;
    }
    if (open?.call === 'mprotect') return; // a split of a mapping that exists
    if (open?.call === 'mmap' || open?.call === 'mremap') {
      // the call's own range is known at its exit (a vma merged with a neighbour is larger)
      open.vma = { start, end, name: r.filename, prot: r.prot, time: r.time };
      return;
    }
    // No call: exec's mappings, a split perf saw without the mprotect, or maps perf read when the trace began.
    const there = find(space.pieces, start).piece;
    if (there !== undefined && there.end >= end && there.region.name === r.filename) return;
    const call: RegionCall = r.time === 0 || !space.seenStart ? 'before-trace' : space.execPhase ? 'exec' : 'unknown';
    const region = this.map(space, start, end, r.filename, r.prot, call, call === 'exec' ? EXEC_SITE : '', call === 'before-trace' ? NaN : r.time);
    if (r.filename === '[heap]') space.heap = region;
  }

  // exec: a new address space; its mappings follow
  private addExec(r: TaskRecord): void {
    if (r.pid < 0 || r.exec !== true) return;
    const space = this.space(r.pid);
    space.pieces = [];
    space.heap = undefined;
    space.brkStart = undefined;
    space.execPhase = true;
    space.seenStart = true;
  }

  // A new process (FORK record, or a clone that shares no memory) starts with a copy of its parent's mappings.
  private fork(pid: number, ppid: number): void {
    if (this.spaces.has(pid)) return;
    const parent = this.spaces.get(ppid);
    const child = this.space(pid);
    child.seenStart = true;
    if (parent === undefined) return;
    child.dataMmaps = parent.dataMmaps;
    const copies = new Map<Region, Region>();
    for (const p of parent.pieces) {
      let copy = copies.get(p.region);
      if (copy === undefined) {
        const o = p.region;
        copy = this.newRegion({ pid, name: o.name, kind: o.kind, start: o.start, end: o.end, prot: o.prot, call: 'fork', site: o.site, time: o.time, from: ppid, fromLife: this.options.owners.life(ppid) });
        copies.set(o, copy);
      }
      child.pieces.push({ start: p.start, end: p.end, region: copy });
    }
    if (parent.heap !== undefined) child.heap = copies.get(parent.heap);
    if (parent.brkStart !== undefined) child.brkStart = parent.brkStart;
  }

  // `enter`: the call's entry (its arguments); `ret`: its return value, on the entry when perf trace joined them.
  private addSyscall(r: SampleRecord, enter: CallEvent | undefined, call: OpenCall['call'], ret: number | undefined): void {
    this.syscalls = true;
    const space = this.space(this.options.owners.processOf(r.pid, r.tid));
    space.execPhase = false;
    if (enter !== undefined) {
      const before = this.open.get(r.tid);
      if (before?.vma !== undefined) this.placeVma(space, before); // its exit was not recorded
      const open: OpenCall = { call, record: r, args: enter.args, site: call === 'mprotect' ? '' : this.options.siteOf(r) };
      this.open.set(r.tid, open);
      if (enter.args?.call === 'munmap') this.unmap(space, enter.args.addr, enter.args.len);
      // perf trace prints a call once, with its return value
      if (ret !== undefined) this.exit(space, open, ret);
      return;
    }
    const open = this.open.get(r.tid);
    if (open === undefined || open.call !== call) return;
    this.exit(space, open, ret ?? NaN);
  }

  private placeVma(space: Space, open: OpenCall): void {
    const v = open.vma!;
    open.vma = undefined;
    this.map(space, v.start, v.end, v.name, v.prot, open.call === 'mremap' ? 'mremap' : 'mmap', open.site, v.time);
  }

  private exit(space: Space, open: OpenCall, ret: number): void {
    this.open.set(open.record.tid, undefined);
    if (!Number.isFinite(ret) || ret < 0) return; // failed, or an error code past 2^52
    const a = open.args;
    const time = open.record.time;
    if (open.call === 'brk') {
      // before the first growth brk returns the heap's start (brk(0) asks just that)
      if (space.heap === undefined) {
        space.brkStart ??= ret;
        if (ret > space.brkStart) this.growHeap(space, space.brkStart, ret, open.site, time, 'brk');
      } else if (ret !== space.heap.end) {
        this.growHeap(space, space.heap.start, ret, open.site, time, 'brk');
      }
      return;
    }
    if (a?.call === 'mmap') {
      const { flags, len } = a;
      if (!Number.isFinite(len)) return;
      const v = open.vma;
      if (v !== undefined) {
        this.map(space, ret, ret + pageCeil(len), v.name, v.prot, 'mmap', open.site, v.time);
        return;
      }
      const anon = (flags & MAP_ANONYMOUS) !== 0;
      const name = anon ? '//anon' : `[fd ${a.fd}]`;
      this.map(space, ret, ret + pageCeil(len), name, '', 'mmap', open.site, time, anon && (flags & MAP_SHARED) !== 0 ? 'shared' : anon ? 'anon' : 'file');
      return;
    }
    if (a?.call === 'mremap') {
      const oldAddr = a.addr;
      const oldLen = pageCeil(a.oldLen);
      const newLen = pageCeil(a.newLen);
      if (![oldAddr, oldLen, newLen].every(Number.isFinite)) return;
      const old = find(space.pieces, oldAddr).piece?.region;
      if (ret === oldAddr && old !== undefined) {
        // in place: the region shrinks or grows where it is
        clear(space.pieces, oldAddr + Math.min(oldLen, newLen), oldAddr + oldLen);
        if (newLen > oldLen) insert(space.pieces, { start: oldAddr + oldLen, end: oldAddr + newLen, region: old });
        if (old.start === oldAddr && old.end === oldAddr + oldLen) old.end = oldAddr + newLen;
        return;
      }
      if ((a.flags & MREMAP_DONTUNMAP) === 0) clear(space.pieces, oldAddr, oldAddr + oldLen);
      this.map(space, ret, ret + newLen, old?.name ?? '//anon', old?.prot ?? '', 'mremap', open.site, time, old?.kind ?? 'anon');
    }
  }

  private unmap(space: Space, addr: number, len: number): void {
    if (Number.isFinite(addr) && Number.isFinite(len) && addr % PAGE === 0) clear(space.pieces, addr, addr + pageCeil(len));
  }

  // The brk heap now spans [start, end): created by the first call that grew it.
  private growHeap(space: Space, start: number, end: number, site: string, time: number, call: RegionCall): void {
    const heap = space.heap;
    if (heap === undefined || heap.end < start || heap.start > end) {
      space.heap = this.map(space, start, end, '[heap]', 'rw-p', call, site, time);
      return;
    }
    const from = Math.min(heap.start, start);
    clear(space.pieces, from, Math.max(heap.end, end));
    heap.start = from;
    heap.end = end;
    if (end > from) insert(space.pieces, { start: from, end, region: heap });
  }

  private map(space: Space, start: number, end: number, name: string, prot: string, call: RegionCall, site: string, time: number, kind = kindOf(name, prot)): Region {
    const region = this.newRegion({ pid: space.pid, name, kind, start, end, prot, call, site, time });
    clear(space.pieces, start, end);
    if (end > start) insert(space.pieces, { start, end, region });
    return region;
  }

  private newRegion(r: Omit<Region, 'id' | 'life'>): Region {
    const region: Region = { id: this.regions.length, ...r, life: this.options.owners.life(r.pid) };
    this.regions.push(region);
    return region;
  }

  private space(pid: number): Space {
    // runs of one process are the rule (a space, once made, is never replaced)
    const last = this.lastSpace;
    if (last !== undefined && last.pid === pid) return last;
    let s = this.spaces.get(pid);
    if (s === undefined) {
      s = { pid, pieces: [], execPhase: false, seenStart: false, dataMmaps: 0 };
      this.spaces.set(pid, s);
    }
    this.lastSpace = s;
    return s;
  }

  private lastSpace: Space | undefined;
}

/** The site key of execve's own mappings. */
export const EXEC_SITE = '[execve]';

/** What backs a mapping, from perf's name for it and its `rw-p`/`r--s` protection. */
export function kindOf(name: string, prot: string): RegionKind {
  if (name === '[heap]') return 'heap';
  if (name === '[stack]' || name.startsWith('[stack:')) return 'stack';
  if (name === '[vdso]' || name === '[vvar]' || name === '[vvar_vclock]' || name === '[vsyscall]' || name === '[uprobes]') return 'vdso';
  const shared = prot.endsWith('s');
  if (name === '//anon' || name === '' || name.startsWith('[anon')) return shared ? 'shared' : 'anon';
  if (name.startsWith('/dev/zero') || name.startsWith('/SYSV') || name.startsWith('/memfd:') || name.startsWith('/anon_hugepage')) return shared ? 'shared' : 'anon';
  return 'file';
}

// ---------------------------------------------------------------- pieces

// The piece holding `addr`, or the index of the first piece after it.
function find(pieces: readonly Piece[], addr: number): { piece?: Piece; index: number } {
  const index = after(pieces, addr);
  const piece = pieceAt(pieces, index, addr);
  return piece !== undefined ? { piece, index } : { index };
}

// Index of the first piece that ends after `addr`.
function after(pieces: readonly Piece[], addr: number): number {
  let lo = 0;
  let hi = pieces.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pieces[mid]!.end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The piece at `index` (after's answer) when it holds `addr`.
function pieceAt(pieces: readonly Piece[], index: number, addr: number): Piece | undefined {
  const p = pieces[index];
  return p !== undefined && p.start <= addr ? p : undefined;
}

function clear(pieces: Piece[], start: number, end: number): void {
  if (end <= start) return;
  const i = find(pieces, start).index;
  let j = i;
  const keep: Piece[] = [];
  for (; j < pieces.length && pieces[j]!.start < end; j++) {
    const p = pieces[j]!;
    if (p.start < start) keep.push({ start: p.start, end: start, region: p.region });
    if (p.end > end) keep.push({ start: end, end: p.end, region: p.region });
  }
  if (j > i) pieces.splice(i, j - i, ...keep);
}

function insert(pieces: Piece[], p: Piece): void {
  pieces.splice(find(pieces, p.start).index, 0, p);
}

function pageCeil(n: number): number {
  const r = n % PAGE;
  return r === 0 ? n : n + PAGE - r;
}
