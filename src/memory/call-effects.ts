// What each protection syscall does to its process's page map: mprotect and
// pkey_mprotect set the pages' protection, munmap clears them, mmap maps and
// mremap moves pages with the changes that set them — once the address is
// known (the return value, or a fixed address). A failed call changes nothing
// and is recorded as failed.
import type { SampleRecord } from '../../parsers/records.js';
import { MAP_FIXED, MAP_FIXED_NOREPLACE, MREMAP_DONTUNMAP, MREMAP_FIXED, type CallArgs } from '../events.js';
import { failedRet } from './bits.js';
import type { Changes } from './changes.js';
import { pageCeil } from './page-map.js';
import type { ProtectionChange } from './protection-types.js';
import type { OpenCall, Placement, Process } from './state.js';

/** The calls that change a page map. */
export type MapCall = Exclude<CallArgs, { readonly call: 'brk' | 'clone' | 'clone3' }>;

export function isMapCall(a: CallArgs): a is MapCall {
  return a.call !== 'brk' && a.call !== 'clone' && a.call !== 'clone3';
}

export class CallEffects {
  /**
   * `unread`: a record whose arguments cannot be read (returns undefined, the call's result);
   * `onUnplaced`: an mmap/mremap whose address never became known.
   */
  constructor(
    private readonly changes: Changes,
    private readonly pageSize: number,
    private readonly unread: (r: SampleRecord, what: string) => undefined,
    private readonly onUnplaced: () => void,
  ) {}

  /**
   * Applies a call at its entry: at once when the record carries its return
   * value (perf trace) or the call's effect does not depend on it; an mmap or
   * mremap whose address only its exit will tell waits in `open.placement`.
   */
  enter(r: SampleRecord, a: MapCall, retValue: number | undefined, open: OpenCall, proc: Process): ProtectionChange | undefined {
    const call = a.call;
    const complete = retValue !== undefined;
    const ret = complete ? retValue : NaN;
    const failed = complete && failedRet(ret);
    switch (a.call) {
      case 'mprotect':
      case 'pkey_mprotect': {
        const { start, len, pkey } = a;
        // perf trace prints unknown prot bits as a bare `0x` (`prot: READ|0x`); such a call failed anyway
        const prot = failed ? 0 : a.prot;
        // (no array and callback per call: the records a trace holds most of after its faults)
        if (!(Number.isFinite(start) && Number.isFinite(len) && Number.isFinite(prot))) return this.unread(r, 'start, len and prot');
        const aligned = start % this.pageSize === 0;
        const change = this.changes.create(r, call, proc, start, this.pageCeil(start + len), prot, pkey);
        open.change = change;
        if (!aligned || failed) return this.changes.fail(change);
        this.changes.applySet(change, proc, prot);
        return change.view;
      }
      case 'munmap': {
        const { addr: start, len } = a;
        if (!(Number.isFinite(start) && Number.isFinite(len))) return this.unread(r, 'addr and len');
        const change = this.changes.create(r, call, proc, start, this.pageCeil(start + len), 0, -1);
        open.change = change;
        if (start % this.pageSize !== 0 || failed) return this.changes.fail(change);
        this.changes.applyClear(change, proc);
        return change.view;
      }
      case 'mmap': {
        const { addr, len, prot, flags } = a;
        if (![addr, len, prot, flags].every(Number.isFinite)) return this.unread(r, 'addr, len, prot and flags');
        const placement: Placement = { call: a.call, record: r, proc, len, prot, oldAddr: addr, oldLen: 0, flags };
        if (complete) return this.place(placement, open, ret);
        if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0) return this.place(placement, open, addr);
        open.placement = placement;
        return undefined;
      }
      case 'mremap': {
        const { addr, oldLen, newLen, flags, newAddr } = a;
        if (![addr, oldLen, newLen, flags, newAddr].every(Number.isFinite)) return this.unread(r, 'addr, old_len, new_len, flags and new_addr');
        const placement: Placement = { call: a.call, record: r, proc, len: newLen, prot: 0, oldAddr: addr, oldLen, flags };
        if (complete) return this.place(placement, open, ret);
        if ((flags & MREMAP_FIXED) !== 0) return this.place(placement, open, newAddr);
        if (newLen <= oldLen) return this.place(placement, open, addr);
        open.placement = placement;
        return undefined;
      }
    }
  }

  /** Places an mmap/mremap at `addr` (its exit's ret, or the fixed address); a failed ret records a failed call, NaN an unplaced one. */
  place(p: Placement, open: OpenCall, addr: number): ProtectionChange | undefined {
    if (Number.isNaN(addr)) {
      this.onUnplaced();
      return undefined;
    }
    const failed = failedRet(addr);
    const start = failed ? p.oldAddr : addr;
    const end = this.pageCeil(start + p.len);
    if (p.call === 'mmap') {
      const change = this.changes.create(p.record, 'mmap', p.proc, start, end, p.prot, -1);
      open.change = change;
      if (failed || start % this.pageSize !== 0) return this.changes.fail(change);
      this.changes.applySet(change, p.proc, p.prot);
      return change.view;
    }
    // mremap: the pages move with their protection and the changes that set
    // them; growth takes the protection of the last old page (the vma's).
    const oldEnd = this.pageCeil(p.oldAddr + p.oldLen);
    const grown = this.pageCeil(p.len) > this.pageCeil(p.oldLen);
    const last = p.proc.map.get(oldEnd - this.pageSize);
    const prot = grown ? (last?.prot ?? 0) : (p.proc.map.get(p.oldAddr)?.prot ?? 0);
    const change = this.changes.create(p.record, 'mremap', p.proc, start, end, prot, -1);
    open.change = change;
    if (failed || p.oldAddr % this.pageSize !== 0) return this.changes.fail(change);
    const map = p.proc.map;
    const keepLen = Math.min(this.pageCeil(p.oldLen), this.pageCeil(p.len));
    const moved = map.slice(p.oldAddr, p.oldAddr + keepLen).map((s) => ({ ...s, start: s.start - p.oldAddr + start, end: s.end - p.oldAddr + start }));
    change.undo.push({ start: p.oldAddr, end: oldEnd, prev: map.slice(p.oldAddr, oldEnd) });
    change.undo.push({ start, end, prev: map.slice(start, end) });
    if ((p.flags & MREMAP_DONTUNMAP) === 0 || start === p.oldAddr) map.clear(p.oldAddr, oldEnd);
    map.clear(start, end);
    map.insert(moved);
    if (grown && last !== undefined) map.set(start + keepLen, end, prot, change);
    this.changes.commit(change, (end - start) / this.pageSize, prot);
    return change.view;
  }

  private pageCeil(addr: number): number {
    return pageCeil(addr, this.pageSize);
  }
}
