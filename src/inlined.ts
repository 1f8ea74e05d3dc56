// perf's `(inlined)` frames → the dso of the code at their address.
//
// DWARF chains print the functions inlined at an address with `(inlined)`
// where the dso goes, innermost first, then the function perf found there
// (perf 6.1, util/srcline.c new_inline_sym and evsel_fprintf.c):
//            1b7c9 rtld_timer_start+0x59 (inlined)
//            1b7c9 _dl_start+0x59 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
// When the DWARF name of that function differs from its ELF symbol
// (`__GI_mprotect` for `__mprotect`), it is printed `(inlined)` too, and the
// group has no real frame:
//           101a37 __GI_mprotect+0x7 (inlined)
//             1281 protect_young+0x2c (/work/main/samples/unwind/guard)
// Every frame of a group belongs to the dso of the code at its address: the
// real frame's when the group has one. Otherwise, in this order: the fault
// tracepoint's `ip=` mapped through MMAP records (the leaf of a fault; a
// page-faults sample's is its tracepoint's, src/fault-pairs.ts); the
// one listing with a function of that name that starts at address − offset
// (perf counts an inlined frame's offset from the start of the function it is
// in); the listing of the caller whose call instruction calls that start; the
// caller's dso, for the leaf, when it is libc or ld.so, its code (MMAP
// records, else its listing) covers the address and its listing, if given,
// shows no indirect call there (that goes to any dso); the one listing with a function of another
// name starting there. Else the dso stays unknown ('') and the report says so
// once (`perf script --no-inline` prints it); a fault's leaf placed by its
// caller's code alone, or by a function of another name, is said, once, to be
// inferred.
import type { AddressSpaces } from './addresses.js';
import { parseHex } from './addresses.js';
import type { Listing, ListingSet } from './listing-set.js';
import type { Frame, SampleRecord } from './model.js';
import { Numbered } from './numbered.js';
import { isKernelDso, isRuntimeDso, stripVersion } from './dso.js';
import { callAddress, isCall } from './unwind.js';

/** The dso perf parsers give an `(inlined)` frame. */
export const INLINED_DSO = 'inlined';

const NO_FRAMES: Frame[] = [];

/** Stack numbers past this are read each time (the cache is an array indexed by them). */
const MAX_STACK_IDS = 1 << 22;

/** A listing whose code starts below this was linked at 0 (PIE, shared object): perf's map-relative addresses are its own. */
const LINKED_AT_ZERO_BELOW = 0x400000;

/** Gives the `(inlined)` frames of each record's stack their dso; records without any pass through as they are. */
export class InlineFrames {
  // original frame → dso → the frame with that dso (outermost or not)
  private readonly frames = new Map<Frame, Map<string, Frame>>();
  // `addr offset` of a group with no real frame → the dso the listings give it
  private readonly byListing = new Map<string, { listing: Listing; named: boolean } | null>();
  // the trace's dsos by listing: the path perf printed for the binary a listing is of
  private readonly traced = new Map<Listing, string>();
  /** Groups with no real frame whose dso nothing told, by name (`__GI_mprotect+0x7`). */
  readonly unknown = new Set<string>();
  /** Faults' leaf groups with no ip to place them, put in their caller's dso for its code covering the address: by name, that dso. */
  readonly inferred = new Map<string, string>();
  /** Faults' leaf groups with no ip to place them, put in the one listing with a function of another name starting there: by name, that dso and function. */
  readonly byLabel = new Map<string, { readonly dso: string; readonly label: string }>();
  /** How many groups with no real frame got their dso from the listings or MMAP records. */
  placed = 0;

  constructor(
    private readonly listings: ListingSet,
    private readonly addresses: AddressSpaces,
  ) {}

  // by the parser's stack number (r.stackId): the stack when it has no `(inlined)` frame, read once;
  // a stack whose every group has its real frame (its dsos owe nothing to the record), and its frames with their dsos
  private readonly plain = new Numbered<readonly Frame[] | undefined>(undefined);
  private readonly resolvedFrom = new Numbered<readonly Frame[] | undefined>(undefined);
  private readonly resolvedTo = new Numbered<Frame[]>(NO_FRAMES);

  /** The record with its stack's `(inlined)` frames given their dso (the same record when it has none); `fault`: it is a fault's, with the runtime ip `faultIp` when known. */
  record(r: SampleRecord, fault = false, faultIp?: number): SampleRecord {
    const stack = r.stack;
    const id = r.stackId;
    if (id !== undefined) {
      if (this.plain.get(id) === stack) return r;
      // the same array each time: the caches after this one (the fault's frames, the tree's paths) find it
      if (this.resolvedFrom.get(id) === stack) return { ...r, stack: this.resolvedTo.get(id) };
    }
    let i = 0;
    while (i < stack.length && stack[i]!.dso !== INLINED_DSO) i++;
    if (i === stack.length) {
      if (id !== undefined && id < MAX_STACK_IDS) {
        this.plain.set(id, stack);
      }
      return r;
    }
    this.everyGroupReal = true;
    const out = this.stack(r, stack, fault, faultIp);
    if (this.everyGroupReal && id !== undefined && id < MAX_STACK_IDS) {
      this.resolvedFrom.set(id, stack);
      this.resolvedTo.set(id, out);
    }
    return { ...r, stack: out };
  }

  // whether the stack being read had its real frame in every group
  private everyGroupReal = true;

  private stack(r: SampleRecord, stack: readonly Frame[], fault: boolean, faultIp: number | undefined): Frame[] {
    const out = stack.slice();
    for (const f of stack) if (f.dso !== INLINED_DSO && !isKernelDso(f.dso)) this.noteDso(f.dso);
    // groups of inlined frames at one address, with the real frame after them if there is one
    const groups: [number, number][] = [];
    for (let i = 0; i < stack.length; i++) {
      const f = stack[i]!;
      if (f.dso !== INLINED_DSO) continue;
      let end = i;
      while (end + 1 < stack.length && stack[end + 1]!.dso === INLINED_DSO && stack[end + 1]!.addr === f.addr) end++;
      groups.push([i, end]);
      i = end;
    }
    let firstUser = 0;
    while (firstUser < stack.length && isKernelDso(stack[firstUser]!.dso)) firstUser++;
    // the first user frame faulted (not when the kernel did, on user memory: a syscall's frames follow)
    const faulted = fault && (firstUser === 0 || r.event === 'exceptions:page_fault_user');
    // outermost first, so a group's caller has its dso when the group needs it
    for (let g = groups.length - 1; g >= 0; g--) {
      const [i, end] = groups[g]!;
      const next = stack[end + 1];
      const real = next !== undefined && next.addr === stack[i]!.addr && !isKernelDso(next.dso) ? next : undefined;
      if (real === undefined) this.everyGroupReal = false;
      const dso = real !== undefined ? real.dso : this.dsoOf(r, stack, out, end, i === firstUser, faulted, faultIp);
      for (let k = i; k <= end; k++) out[k] = this.frame(stack[k]!, dso, real === undefined && k === end);
    }
    return out;
  }

  private frame(f: Frame, dso: string, outermost: boolean): Frame {
    let byDso = this.frames.get(f);
    if (byDso === undefined) {
      byDso = new Map();
      this.frames.set(f, byDso);
    }
    const key = outermost ? dso + '\0' : dso;
    let g = byDso.get(key);
    if (g === undefined) {
      g = { ...f, dso, inlined: true, ...(outermost ? { outermost: true } : {}) };
      byDso.set(key, g);
    }
    return g;
  }

  // The dso of a group with no real frame, which ends at stack[end].
  // `leaf`: the group is the leaf user one; `fault`: the one that faulted, at the runtime ip `ip` when known.
  private dsoOf(r: SampleRecord, stack: readonly Frame[], out: readonly Frame[], end: number, leaf: boolean, fault: boolean, ip: number | undefined): string {
    const last = stack[end]!;
    const pid = this.addresses.processFor(r.pid, r.tid);
    if (leaf && ip !== undefined) {
      const m = this.addresses.lookup(pid, ip);
      if (m !== undefined && m.dsoAddress === parseHex(last.addr)) {
        this.placed++;
        return m.dso;
      }
    }
    this.otherLabel = undefined;
    const found = this.listingFor(pid, stack, out, end, leaf);
    if (found !== undefined) {
      this.placed++;
      if (typeof found !== 'string') {
        const dso = this.traced.get(found) ?? found.path;
        if (fault && leaf && this.otherLabel !== undefined) this.byLabel.set(groupName(last), { dso, label: this.otherLabel });
        return dso;
      }
      // (a syscall's leaf, its wrapper in the runtime that calls it, is that runtime's as a rule)
      if (fault) this.inferred.set(groupName(last), found);
      return found;
    }
    this.unknown.add(groupName(last));
    return '';
  }

  // Where the code of the group ending at stack[end] is, in this order: the
  // one listing with a function of that name starting at address − offset;
  // the caller's listing when its call instruction calls that start; the
  // caller's dso, for the leaf, when it is libc or ld.so and maps code at that
  // address and its listing shows no indirect call (a syscall wrapper's DWARF name: ld.so's own
  // `__mmap64`, `__GI_mprotect`, called from ld.so at start-up; not libm's ifunc resolver that
  // ld.so's `call *%rax` runs while relocating); the one listing with a function (of
  // another name) starting there.
  private listingFor(pid: number, stack: readonly Frame[], out: readonly Frame[], end: number, leaf: boolean): Listing | string | undefined {
    const f = stack[end]!;
    const address = parseHex(f.addr);
    if (Number.isNaN(address) || f.offset < 0) return undefined;
    const start = address - f.offset;
    const key = `${f.addr} ${f.offset} ${f.symbol}`;
    let found = this.byListing.get(key);
    if (found === undefined) {
      const hits = this.listings.listings.filter((l) => linkedAtZero(l) && startsFunction(l, start, address));
      const named = hits.filter((l) => sameFunction(l.lookup(address)!.function, f.symbol));
      found = named.length === 1 ? { listing: named[0]!, named: true } : hits.length === 1 ? { listing: hits[0]!, named: false } : null;
      this.byListing.set(key, found);
    }
    if (found?.named === true) return found.listing;
    // the caller: the first frame after the group (DWARF prints return address − 1, inside the call)
    const caller = out[end + 1];
    let indirect = false;
    if (caller !== undefined && caller.dso !== INLINED_DSO && caller.dso !== '' && !caller.dso.startsWith('[')) {
      const listing = this.listings.forDso(caller.dso);
      const usable = listing !== undefined && linkedAtZero(listing);
      if (usable) {
        const at = parseHex(caller.addr);
        const hit = Number.isNaN(at) ? undefined : listing.lookup(at);
        const call = hit === undefined ? undefined : hit.boundary ? listing.instructionBefore(at) : hit.instruction;
        if (call !== undefined && callAddress(call) === start) return listing;
        // an indirect call (ld.so's `call *%rax` of libm's ifunc resolver while relocating it): the
        // callee is in any dso, the caller's code covering its address is chance. A call to a plt
        // stub (libc's `*ABS*+0x9c6a0@plt`, its own memcpy) leaves the rule below to decide
        indirect = call !== undefined && isCall(call) && callAddress(call) === undefined;
      }
      if (leaf && !indirect && isRuntimeDso(caller.dso)) {
        const code = this.addresses.codeOf(pid, caller.dso, address);
        const fits = code ?? (usable && listing.lookup(address) !== undefined);
        if (fits) return caller.dso;
      }
    }
    // a guess: the code may be a library's with no listing given, where this one's function starts by chance
    if (found != null) this.otherLabel = found.listing.lookup(address)!.function;
    return found?.listing;
  }

  // listingFor's answer came from a function of another name, this one (the last rule)
  private otherLabel: string | undefined;

  /** A dso path the trace printed (a frame's, an MMAP record's): the name a listing's binary goes by in this trace. */
  noteDso(dso: string): void {
    const listing = this.listings.forDso(dso);
    if (listing !== undefined && !this.traced.has(listing)) this.traced.set(listing, dso);
  }
}

function linkedAtZero(l: Listing): boolean {
  const first = l.functions()[0];
  return first !== undefined && first.address >= 0 && first.address < LINKED_AT_ZERO_BELOW;
}

function startsFunction(l: Listing, start: number, address: number): boolean {
  const hit = l.lookup(address);
  return hit !== undefined && hit.functionAddress === start;
}

// One function by two names: perf's DWARF name and the listing's ELF symbol
// (`__GI___mmap64` / `__mmap64`, `__GI_mprotect` / `__mprotect`, `mmap64@@GLIBC_2.2.5`).
function sameFunction(a: string, b: string): boolean {
  const bare = (n: string): string => stripVersion(n).replace(/^__GI_/, '').replace(/^_+/, '');
  return bare(a) === bare(b);
}

// A group's name in the notices: its last frame as perf printed it (`__GI_mprotect+0x7`).
function groupName(last: Frame): string {
  return `${last.symbol}+0x${last.offset.toString(16)}`;
}
