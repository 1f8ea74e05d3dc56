// Frames → the listing's instruction (which frame faulted: src/fault-frame.ts).
//
// A frame resolves to a listing's instruction by symbol + offset, or by its
// address once the listing's distance from perf's addresses is anchored by a
// frame that resolved by name (perf prints map-relative addresses: for PIE and
// libraries they equal the listing's, for a non-PIE binary mapped at 0x400000
// `82b54 main.(*arena).touch+0x14` is the listing's 0x482b54). Nothing is
// guessed: what cannot be resolved says why.
//
// Which listing serves a dso: src/listing-set.ts. A listing is not used for a
// dso when the trace's own frames disagree with it: two frames perf named put
// the listing at different distances from perf's addresses, or a frame lands
// outside every function, or inside an instruction (other than one byte short
// of its end, where DWARF callchains put return addresses). Its faults then
// keep perf's sym+off and the report says so once per dso.
import { parseHex } from './addresses.js';
import { floorIndex } from './sorted.js';
import { formatListingAddress } from './disasm-index.js';
import type { FaultSite, Frame, Instruction, SiteCount } from './model.js';
import type { Listing, ListingSet } from './listing-set.js';
import { isKernelDso } from './dso.js';
import { perfName } from './demangle.js';
import { UnnamedFrames } from './unnamed-frames.js';

/** Map-relative addresses (what perf prints in callchains) stay below this; runtime addresses of relocated objects do not. */
const RELATIVE_LIMIT = 2 ** 32;

/** A listing whose code starts below this was linked at 0 (PIE or shared object); executables are linked at 0x400000 and up. */
const LINKED_AT_ZERO_BELOW = 0x400000;

/**
 * Resolves frames to instructions. Call `anchor` for every distinct frame
 * first, then `resolve`: the anchors (listing address − perf address, per
 * listing) are learned from frames that resolve by name, so the outcome does
 * not depend on the order frames were seen.
 */
export class FrameResolver {
  private readonly deltas = new Map<Listing, Map<number, number>>();
  private readonly chosen = new Map<Listing, number | undefined>();
  private readonly resolved = new Map<Frame, FaultSite>();
  /** dso → warning, one per dso. */
  readonly warnings = new Map<string, string>();
  /** Faults with no user frame named by the label before their ip that perf never confirmed (`name+0xoff (dso)`, by dso and address). */
  readonly labelNamed = new Map<string, string>();
  // Per dso, for the verdict on its listing: the frames anchoring saw, the
  // first frame at each listing − perf distance, and the verdict (null: the
  // frames agree with the listing).
  private readonly seen = new Map<string, Frame[]>();
  private readonly distances = new Map<string, Map<number, Frame>>();
  private readonly verdicts = new Map<string, string | null>();

  // Per dso, the functions perf named, by their start in perf's addresses; and the last address perf printed in each.
  private readonly perfStarts = new Map<string, Map<number, string>>();
  private readonly perfReach = new Map<string, Map<number, number>>();
  private readonly sortedStarts = new Map<string, number[]>();

  constructor(private readonly listings: ListingSet) {}

  /** Every dso a frame anchored was in. */
  readonly dsos = new Set<string>();

  /** Counts the anchors taken: what was worked out from the listings before the last one may change. */
  generation = 0;

  anchor(frame: Frame): void {
    this.generation++;
    this.dsos.add(frame.dso);
    const listing = this.listings.forDso(frame.dso);
    if (listing === undefined) return;
    let seen = this.seen.get(frame.dso);
    if (seen === undefined) {
      seen = [];
      this.seen.set(frame.dso, seen);
    }
    seen.push(frame);
    this.verdicts.delete(frame.dso);
    // what was resolved before every anchor was known (while streaming) is resolved again
    if (this.resolved.size > 0) this.resolved.clear();
    if (frame.addr === '') return;
    this.notePerfStart(frame);
    const byName = this.byName(listing, frame);
    if (byName === undefined || typeof byName === 'string') return;
    const perfAddress = parseHex(frame.addr);
    // `-F ip`/`-G` header frames print the absolute runtime address, which for a
    // relocated object (PIE, library) says nothing about the listing; callchain
    // frames are map-relative and small
    if (Number.isNaN(perfAddress) || perfAddress >= RELATIVE_LIMIT) return;
    let counts = this.deltas.get(listing);
    if (counts === undefined) {
      counts = new Map();
      this.deltas.set(listing, counts);
    }
    const delta = byName - perfAddress;
    counts.set(delta, (counts.get(delta) ?? 0) + 1);
    let firsts = this.distances.get(frame.dso);
    if (firsts === undefined) {
      firsts = new Map();
      this.distances.set(frame.dso, firsts);
    }
    if (!firsts.has(delta)) firsts.set(delta, frame);
    this.chosen.delete(listing);
    this.assumedLayout.delete(listing.path);
  }

  /**
   * Reads now, while the trace is still read, the listing code that resolving
   * `frame` will read: the function it is in (a stripped library's are long:
   * 39k instructions under one label in libc). No answer changes: the listing
   * set is only peeked at, nothing is kept but the code read.
   */
  prefetch(frame: Frame): void {
    const listing = this.listings.peek(frame.dso);
    if (listing === undefined) return;
    const byName = frame.inlined === true ? undefined : this.byName(listing, frame);
    if (typeof byName === 'number') {
      listing.lookup(byName);
      return;
    }
    // a name the listing lacks (a stripped library): perf's address at the distance anchored so far, else as the listing's
    const perfAddress = frame.addr === '' ? NaN : parseHex(frame.addr);
    if (perfAddress < RELATIVE_LIMIT) listing.lookup(perfAddress + this.likelyDelta(listing));
  }

  // `delta`'s choice among the anchors so far, else 0, without keeping it.
  private likelyDelta(listing: Listing): number {
    let best = 0;
    let bestCount = 0;
    for (const [d, c] of this.deltas.get(listing) ?? []) {
      if (c > bestCount || (c === bestCount && d < best)) {
        best = d;
        bestCount = c;
      }
    }
    return best;
  }

  /** The instruction a frame stands for, or perf's own description of it with the reason it is unresolved. */
  resolve(frame: Frame): FaultSite {
    let site = this.resolved.get(frame);
    if (site === undefined) {
      site = this.resolveUncached(frame);
      this.resolved.set(frame, site);
    }
    return site;
  }

  /** The listing used for a dso: none when there is none, or when it does not match the trace (see `unusedBecause`). */
  listingFor(dso: string): Listing | undefined {
    const listing = this.listings.forDso(dso);
    return listing === undefined || this.mismatch(dso, listing) !== undefined ? undefined : listing;
  }

  /** Why the listing that claims a dso is not used for it (another build id, or frames of the trace that it does not fit); undefined when it is used or there is none. */
  unusedBecause(dso: string): string | undefined {
    const listing = this.listings.forDso(dso);
    if (listing === undefined) return this.listings.refused.get(dso);
    const why = this.mismatch(dso, listing);
    return why === undefined ? undefined : `listing ${listing.path} does not match the trace of ${dso}: ${why}`;
  }

  /** The dsos of the frames anchored. */
  anchoredDsos(): IterableIterator<string> {
    return this.seen.keys();
  }

  /**
   * Per dso, the frames perf could not name (`348a8 [unknown]`), or named by a
   * data symbol (`runtime.m0+0x148`), that its listing has no code for
   * (src/unnamed-frames.ts; src/warnings.ts words them).
   */
  unnamedFrames<C>(faults: (frames: ReadonlySet<Frame>) => C): { dso: string; frame: string; byData: boolean; where: string; more: number; cost: C }[] {
    return this.unnamed.report(faults);
  }

  /**
   * Listings whose addresses were taken as perf's without an anchor (see
   * `delta`), except those the trace confirms: the trace's build id is the
   * listing's, and every frame perf named in the dso falls on an instruction
   * (or one byte short of one's end, a DWARF return address) at that layout.
   */
  unconfirmedLayouts(): string[] {
    const out: string[] = [];
    for (const path of this.assumedLayout) {
      const dsos = [...this.seen.keys()].filter((d) => this.listings.forDso(d)?.path === path);
      const confirmed =
        dsos.length > 0 &&
        dsos.every((d) => {
          const listing = this.listings.forDso(d)!;
          const byAddress = new Map<string, Frame>();
          for (const f of this.seen.get(d) ?? []) if (named(f) && !byAddress.has(f.addr)) byAddress.set(f.addr, f);
          const named_ = [...byAddress.values()];
          return this.listings.sameBuild(d, listing) === true && named_.length > 0 && named_.every((f) => this.misfit(listing, f) === undefined);
        });
      if (!confirmed) out.push(path);
    }
    return out;
  }

  private readonly unnamed = new UnnamedFrames();

  /** The listing and the listing address a frame stands for, without asking that it start an instruction. */
  locate(frame: Frame): { listing: Listing; address: number } | undefined {
    const listing = this.listingFor(frame.dso);
    if (listing === undefined) return undefined;
    const address = this.addressIn(listing, frame);
    return address === undefined ? undefined : { listing, address };
  }

  // Listing address of a frame: by perf's symbol + offset, else perf's address at the anchored distance.
  private addressIn(listing: Listing, frame: Frame): number | undefined {
    // an `(inlined)` frame's offset is from the ELF function it is in, not from its own name
    const leafInlined = frame.inlined === true && named(frame);
    const byName = leafInlined ? undefined : this.byName(listing, frame);
    if (typeof byName === 'number') return byName;
    const delta = this.delta(listing);
    const perfAddress = frame.addr === '' ? NaN : parseHex(frame.addr);
    if (delta === undefined || !(perfAddress < RELATIVE_LIMIT)) return undefined;
    return perfAddress + delta;
  }

  // Why the frames of `dso` say that `listing` is not of the binary perf saw;
  // undefined when they agree with it. Decided on every frame anchored, so the
  // order frames came in does not matter.
  private mismatch(dso: string, listing: Listing): string | undefined {
    const known = this.verdicts.get(dso);
    if (known !== undefined) return known ?? undefined;
    // equal build ids: the listing is of the binary perf saw, whatever a frame says
    if (this.listings.sameBuild(dso, listing) === true) {
      this.verdicts.set(dso, null);
      return undefined;
    }
    let why: string | undefined;
    const firsts = this.distances.get(dso);
    if (firsts !== undefined && firsts.size > 1) {
      // two frames perf named put the listing at different distances from perf's addresses
      const chosen = this.delta(listing);
      const agree = (chosen !== undefined ? firsts.get(chosen) : undefined) ?? [...firsts.values()][0]!;
      const other = [...firsts.values()].find((f) => f !== agree)!;
      const at = (f: Frame): string => formatListingAddress(this.byName(listing, f) as number);
      why = `${frameName(other)} is at 0x${at(other)} in the listing but perf printed 0x${other.addr}, while ${frameName(agree)} is at 0x${at(agree)} for perf's 0x${agree.addr} (a different build?)`;
    }
    // only frames perf named: one it could not (`348a8 [unknown]`, a frame-pointer
    // chain read through code without frame pointers) says nothing about the listing
    for (const f of this.seen.get(dso) ?? []) {
      if (why !== undefined) break;
      if (named(f)) why = this.misfit(listing, f);
    }
    this.verdicts.set(dso, why ?? null);
    if (why !== undefined) this.assumedLayout.delete(listing.path);
    return why;
  }

  private readonly knownNames = new Map<string, { generation: number; known: boolean }>();

  /**
   * Whether perf named a frame by a data symbol: a name the listing lacks (the
   * caller looks only at frames outside every function), in a dso whose other
   * names the listing nearly all has (nine in ten). Go's `runtime.m0+0x148`
   * above `runtime.newm1` is one: a new thread's first frame pointer read as a
   * return address. Like `[unknown]`, it tells nothing of the listing; a listing
   * of another program lacks most of perf's names, and is refused as before.
   */
  private dataNamed(listing: Listing, frame: Frame): boolean {
    if (!named(frame) || listing.functionsNamed(frame.symbol).length > 0) return false;
    const cached = this.knownNames.get(frame.dso);
    if (cached !== undefined && cached.generation === this.generation) return cached.known;
    const names = new Set<string>();
    for (const f of this.seen.get(frame.dso) ?? []) if (named(f)) names.add(f.symbol);
    let lacking = 0;
    for (const n of names) if (listing.functionsNamed(n).length === 0) lacking++;
    const known = names.size - lacking >= 9 * lacking;
    this.knownNames.set(frame.dso, { generation: this.generation, known });
    return known;
  }

  // A frame the listing cannot hold: outside every function, or inside an
  // instruction. One byte short of an instruction's end is a DWARF return
  // address (perf prints return address - 1 for callers) and fits.
  private misfit(listing: Listing, frame: Frame): string | undefined {
    const at = this.addressIn(listing, frame);
    if (at === undefined) return undefined;
    const hit = listing.lookup(at);
    if (hit === undefined) return this.dataNamed(listing, frame) ? undefined : `${frameName(frame)} is at 0x${formatListingAddress(at)}, outside every function of the listing (a different build?)`;
    const insn = hit.instruction;
    if (insn === undefined || hit.boundary) return undefined;
    const returnAddressLessOne = insn.size > 0 ? insn.address + insn.size === at + 1 : listing.instructionAt(at + 1) !== undefined;
    if (returnAddressLessOne) return undefined;
    return `${frameName(frame)} is at 0x${formatListingAddress(at)}, not an instruction boundary: inside ${insn.text} at 0x${formatListingAddress(insn.address)} (a different build?)`;
  }

  private resolveUncached(frame: Frame): FaultSite {
    const listing = this.listingFor(frame.dso);
    if (listing === undefined) {
      const why = this.unusedBecause(frame.dso);
      if (why !== undefined) return unresolved(frame, why);
      return unresolved(frame, frame.dso === '' || frame.dso === '[unknown]' ? 'perf did not know the dso' : `no objdump listing for ${frame.dso}`);
    }
    const delta = this.delta(listing);
    const perfAddress = frame.addr === '' ? NaN : parseHex(frame.addr);
    // an `(inlined)` frame's offset is from the ELF function it is in, not from its own name
    const leafInlined = frame.inlined === true && named(frame);
    const byName = leafInlined ? undefined : this.byName(listing, frame);
    let address: number;
    if (typeof byName === 'number') {
      address = byName;
      if (delta !== undefined && perfAddress < RELATIVE_LIMIT && perfAddress + delta !== address) {
        const why = `listing ${listing.path} does not match the trace: ${frame.symbol}+0x${frame.offset.toString(16)} is at 0x${formatListingAddress(address)} in the listing but perf printed 0x${frame.addr} (a different build?)`;
        if (!this.warnings.has(frame.dso)) this.warnings.set(frame.dso, why);
        return unresolved(frame, why);
      }
    } else if (delta !== undefined && perfAddress < RELATIVE_LIMIT) {
      address = perfAddress + delta;
    } else {
      return unresolved(frame, byName ?? `${frame.symbol || '[unknown]'} not found in ${listing.path} and no frame anchors its addresses`);
    }
    const hit = listing.lookup(address);
    if (hit === undefined) {
      const why = `0x${formatListingAddress(address)} is outside every function of ${listing.path}`;
      // a frame perf could not name, or named by data, is told about once per dso (unnamedFrames)
      if (!named(frame) || this.dataNamed(listing, frame)) this.unnamed.note(frame, frameName(frame), named(frame), listing, address, undefined);
      else if (!this.warnings.has(frame.dso)) this.warnings.set(frame.dso, why);
      return unresolved(frame, why);
    }
    if (!hit.boundary || hit.instruction === undefined) {
      const why = `0x${formatListingAddress(address)} is not an instruction boundary in ${listing.path} (${hit.function}+0x${(address - hit.functionAddress).toString(16)})`;
      const insn = hit.instruction;
      const returnAddressLessOne = insn !== undefined && insn.size > 0 && insn.address + insn.size === address + 1;
      if (!named(frame)) {
        if (!returnAddressLessOne) this.unnamed.note(frame, frameName(frame), named(frame), listing, address, insn);
      } else if (!this.warnings.has(frame.dso)) this.warnings.set(frame.dso, why);
      return unresolved(frame, why);
    }
    const insn = hit.instruction;
    if (leafInlined) return this.inlinedSite(frame, listing, address, hit.functionAddress, hit.function, insn, delta);
    // perf's name wins: a stripped library's listing labels code by the nearest
    // exported symbol (memset's body under `__nss_database_lookup@GLIBC_2.2.5`).
    // A frame perf did not name (a fault's ip with no callchain) takes the
    // function perf named elsewhere in the trace when that one begins after
    // the listing's label and perf printed an address in it at or past this one
    // (`1098eb clone3+0x2b` in a chain: 0x1098ea is clone3, not
    // `__xmknodat@@GLIBC_2.4+0x23a`). When it reaches no further, a function
    // perf never printed may begin between (ld.so's `_dl_init` printed up to
    // +0x73; 0x4fda, +0x54a, is in the local `open_verify`): neither is the name.
    const byPerf = named(frame);
    const known = byPerf || delta === undefined ? undefined : this.perfFunctionAt(frame.dso, address - delta);
    const start = known !== undefined ? known.start + delta! : NaN;
    const after = known !== undefined && start > hit.functionAddress && start <= address;
    const fromTrace = after && known.reach + delta! >= address;
    if (after && !fromTrace) {
      const why = `no function is known at 0x${formatListingAddress(address)} in ${listing.path}: its label there (${perfName(hit.function)}) ends where ${known.symbol} begins (0x${formatListingAddress(start)}), and perf printed no address of ${known.symbol} past 0x${formatListingAddress(known.reach + delta!)} (a stripped file labels only its exported symbols; perf report names it from the debug symbols, and perf script --hide-call-graph prints a page-faults sample's function)`;
      if (!this.warnings.has(frame.dso)) this.warnings.set(frame.dso, why);
      return unresolved(frame, why);
    }
    // With no debug information (no source line), the label past its start may be the exported function before
    // a local one perf names from the debug symbols: a guess, but where perf printed the function that far.
    const confirmed = known !== undefined && start === hit.functionAddress && known.reach + delta! >= address;
    if (!byPerf && !fromTrace && insn.source === undefined && address !== hit.functionAddress && !confirmed) {
      this.labelNamed.set(`${frame.dso}\0${address}`, `${perfName(hit.function)}+0x${(address - hit.functionAddress).toString(16)} (${frame.dso.slice(frame.dso.lastIndexOf('/') + 1)})`);
    }
    const site: { -readonly [K in keyof FaultSite]: FaultSite[K] } = {
      dso: frame.dso,
      symbol: byPerf ? frame.symbol : fromTrace ? known.symbol : perfName(hit.function),
      offset: byPerf ? frame.offset : fromTrace ? address - start : address - hit.functionAddress,
      address: formatListingAddress(address),
      instruction: insn.text,
      resolved: true,
    };
    const source = insn.source ?? frame.srcline;
    if (source !== undefined) site.source = source;
    return site;
  }

  // An `(inlined)` frame with no real frame under it names the DWARF function
  // (`__GI___sysconf+0x0`), its offset counted from the ELF function it is in;
  // perf report and annotate count that ELF function (`__sysconf`). Its name is
  // perf's for the function starting at address − offset, else the listing's
  // when a label starts there; else nothing better is known than perf's.
  private inlinedSite(frame: Frame, listing: Listing, address: number, labelAt: number, label: string, insn: { text: string; source?: string }, delta: number | undefined): FaultSite {
    const start = address - frame.offset;
    const fromTrace = delta === undefined ? undefined : this.perfStarts.get(frame.dso)?.get(start - delta);
    const symbol = fromTrace ?? (labelAt === start ? elfName(label, listing) : frame.symbol);
    const site: { -readonly [K in keyof FaultSite]: FaultSite[K] } = { dso: frame.dso, symbol, offset: frame.offset, address: formatListingAddress(address), instruction: insn.text, resolved: true };
    const source = insn.source ?? frame.srcline;
    if (source !== undefined) site.source = source;
    return site;
  }

  // Where perf says a function of the frame's dso begins, in perf's addresses
  // (not from an inlined frame: its offset is from the function it is inlined in).
  private notePerfStart(frame: Frame): void {
    if (!named(frame) || frame.inlined === true) return;
    const perfAddress = parseHex(frame.addr);
    if (Number.isNaN(perfAddress) || perfAddress >= RELATIVE_LIMIT) return;
    let starts = this.perfStarts.get(frame.dso);
    if (starts === undefined) this.perfStarts.set(frame.dso, (starts = new Map()));
    let reach = this.perfReach.get(frame.dso);
    if (reach === undefined) this.perfReach.set(frame.dso, (reach = new Map()));
    const start = perfAddress - frame.offset;
    if ((reach.get(start) ?? -1) < perfAddress) reach.set(start, perfAddress);
    if (starts.get(start) === frame.symbol) return;
    starts.set(perfAddress - frame.offset, frame.symbol);
    this.sortedStarts.delete(frame.dso);
  }

  // The function perf named that begins last at or before a perf address of a dso, and the last address perf printed in it.
  private perfFunctionAt(dso: string, perfAddress: number): { start: number; symbol: string; reach: number } | undefined {
    const starts = this.perfStarts.get(dso);
    if (starts === undefined) return undefined;
    let sorted = this.sortedStarts.get(dso);
    if (sorted === undefined) this.sortedStarts.set(dso, (sorted = [...starts.keys()].sort((a, b) => a - b)));
    const found = floorIndex(sorted, perfAddress);
    if (found < 0) return undefined;
    const start = sorted[found]!;
    return { start, symbol: starts.get(start)!, reach: this.perfReach.get(dso)?.get(start) ?? start };
  }

  // Listing address of symbol+offset; a string when the symbol exists but is ambiguous; undefined when absent.
  private byName(listing: Listing, frame: Frame): number | string | undefined {
    if (frame.symbol === '' || frame.symbol === '[unknown]' || frame.offset < 0) return undefined;
    const fns = listing.functionsNamed(frame.symbol);
    if (fns.length === 0) return undefined;
    const starts = new Set(fns.map((f) => f.address));
    if (starts.size > 1) return `${frame.symbol} names ${starts.size} functions in ${listing.path}`;
    return fns[0]!.address + frame.offset;
  }

  /** Listings whose addresses were taken as perf's without an anchor (see `delta`). */
  readonly assumedLayout = new Set<string>();

  // The most common anchor wins; ties go to the smaller delta so the choice is
  // deterministic. With no anchor (no frame perf named), an object linked at 0
  // (PIE, shared library) is taken to have the standard layout whose segments'
  // file offsets equal their addresses, so perf's map-relative address is the
  // listing's; the report says so.
  private delta(listing: Listing): number | undefined {
    if (this.chosen.has(listing)) return this.chosen.get(listing);
    const counts = this.deltas.get(listing);
    if (counts === undefined || counts.size === 0) {
      const first = listing.functions()[0];
      const linkedAtZero = first !== undefined && first.address >= 0 && first.address < LINKED_AT_ZERO_BELOW;
      if (linkedAtZero) this.assumedLayout.add(listing.path);
      this.chosen.set(listing, linkedAtZero ? 0 : undefined);
      return linkedAtZero ? 0 : undefined;
    }
    let best: number | undefined;
    let bestCount = 0;
    if (counts !== undefined) {
      for (const [d, c] of counts) {
        if (c > bestCount || (c === bestCount && best !== undefined && d < best)) {
          best = d;
          bestCount = c;
        }
      }
    }
    this.chosen.set(listing, best);
    return best;
  }
}

// A stripped library's label (objdump names it from .dynsym, with the version)
// as perf names the symbol from the full symbol table (.symtab of the debug
// file; perf script and perf report alike): a compat version stays
// (`pthread_create@GLIBC_2.2.5`, the name its .symver alias has there); a
// default version stays when the library also exports a compat version of the
// name (`memcpy@@GLIBC_2.14` beside `memcpy@GLIBC_2.2.5`: glibc's .symver alias,
// global, wins over the local plain `memcpy`), else it goes
// (`__sysconf@@GLIBC_2.2.5`: .symtab has plain `__sysconf`). Of libc's 1389
// default-versioned labels whose .symtab name is the label with or without its
// version, this names 1265 as perf does (stripping every version: 1242), none
// that stripping named right wrongly; the rest need .symtab (objdump prints one
// label per address, hiding a compat version at the same address).
function elfName(label: string, listing: Listing): string {
  const at = label.indexOf('@');
  if (at < 0 || !/@@?[A-Za-z_][\w.]*$/.test(label)) return perfName(label);
  if (!label.includes('@@')) return label;
  return compatVersioned(listing).has(label.slice(0, at)) ? label : perfName(label);
}

const compatNames = new WeakMap<Listing, Set<string>>();

/** The names a listing labels with a compat version (`memcpy` for `memcpy@GLIBC_2.2.5`). */
function compatVersioned(listing: Listing): Set<string> {
  let out = compatNames.get(listing);
  if (out === undefined) {
    out = new Set();
    for (const f of listing.functions()) {
      const m = /^([^@]+)@(?!plt$)[A-Za-z_][\w.]*$/.exec(f.name);
      if (m !== null) out.add(m[1]!);
    }
    compatNames.set(listing, out);
  }
  return out;
}

/** Whether perf named the frame (`write_field+0x0`), rather than printing `[unknown]` or no symbol. */
export function named(frame: Frame): boolean {
  return frame.symbol !== '' && frame.symbol !== '[unknown]' && frame.offset >= 0;
}

/** `write_field+0x0` as perf named the frame, else its address. */
function frameName(frame: Frame): string {
  if (named(frame)) return `${frame.symbol}+0x${frame.offset.toString(16)}`;
  return frame.addr !== '' ? `0x${frame.addr}` : frame.symbol || '[unknown]';
}

function unresolved(frame: Frame, reason: string): FaultSite {
  const site: { -readonly [K in keyof FaultSite]: FaultSite[K] } = {
    dso: frame.dso,
    symbol: frame.symbol,
    offset: frame.offset,
    address: frame.addr,
    resolved: false,
    unresolvedReason: reason,
  };
  if (frame.srcline !== undefined) site.source = frame.srcline;
  return site;
}
