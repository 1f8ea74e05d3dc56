// The report's faulting instructions laid over the listings of their
// functions, in the manner of `perf annotate --stdio`: every instruction of a
// faulting function with its fault count per event, the faulting ones marked,
// and the mprotect calls marked as protection sites.
//
// Counts come from the report's sites, so they follow the join: for the
// software events (`page-faults`) the sample ip is the faulting instruction,
// which is what perf annotate counts too; for the `exceptions:page_fault_user`
// tracepoint, whose sample ip is in the kernel's fault handler, the faulting
// instruction is the first user frame of the callchain (the payload's `ip=`).
//
// A stripped library's listing labels long runs of code by the nearest
// exported symbol (memset's body lies inside `<__nss_database_lookup@GLIBC_2.2.5>`),
// while perf names the real function from its own symbol table. Then the
// function annotated is perf's: it starts at the faulting address minus perf's
// offset, and runs to the next function start known (the listing's or perf's)
// or, past its last fault, to the alignment padding that ends it:
//    16e0ba:	f3 aa                	rep stos %al,%es:(%rdi)      (__memset_avx512_unaligned_erms+0x7a)
//    16e0bf:	c3                   	ret
//    16e0c0:	66 66 2e 0f 1f 84 00 	data16 cs nopw 0x0(%rax,%rax,1)
//
// A protection site is the `call` instruction the report's protection section
// locates (Report.protection.sites[].address); a call of an mprotect wrapper
// is marked even when no trace record names it. The GNU and llvm forms:
//     12f5:	e8 a6 fd ff ff       	call   10a0 <mprotect@plt>
//     1253:	e8 d8 fe ff ff       	callq  0x1130 <mprotect@plt>
//    101a30:	b8 0a 00 00 00       	mov    $0xa,%eax        (inside <__mprotect>)
import type { DisasmIndex } from './disasm-index.js';
import { formatListingAddress, parseListingAddress } from './disasm-index.js';
import { cmp, stripVersion } from './dso.js';
import { ListingSet } from './listing-set.js';
import type { Instruction, Report } from './model.js';
import { callTarget } from './unwind.js';

export interface AnnotateOptions {
  /** Annotate only these functions (perf's name or the listing's), with or without faults. Default: every faulting function, and every function holding a protection site whose pages faulted. */
  symbols?: readonly string[];
  /** Events to count. Default: the report's selected events. */
  events?: readonly string[];
}

/** One instruction of an annotated function. */
export interface AnnotatedInstruction {
  /** Listing address, lower-case hex without `0x`. */
  readonly address: string;
  readonly text: string;
  /** `file:line` when the listing has it (`objdump -l`). */
  readonly source?: string;
  /** Faults per event at this instruction (events with none are absent). */
  readonly counts: Record<string, number>;
  /** Sum over `counts`. */
  readonly count: number;
  /** A call of an mprotect wrapper (`mprotect@plt`, `__mprotect`, `pkey_mprotect`). */
  readonly protectionCall: boolean;
  /** The report's protection site at this instruction, when the report has one. */
  readonly protection?: AnnotatedProtectionSite;
}

/** What the protection section says about a site. */
export interface AnnotatedProtectionSite {
  /** The site's name in the report (`seal+0x33 [inferred] (touch)`). */
  readonly site: string;
  /** Calls made from here (all protection syscalls, failed ones included). */
  readonly calls: number;
  /** Faults on pages these calls covered. */
  readonly faults: number;
  /** Faults these calls' protection forbids. */
  readonly denied: number;
  /** Protections set, most frequent first (`r--`). */
  readonly prot: string;
}

/** One function of a listing with its instructions annotated. */
export interface AnnotatedFunction {
  /** The dso as perf names it (the listing's binary path when no fault named it). */
  readonly dso: string;
  /** The listing it comes from (the binary path in its header). */
  readonly listing: string;
  /** perf's name of the function when the faults agree on one, else the listing's. */
  readonly symbol: string;
  /** Function start, listing address, hex without `0x`. */
  readonly address: string;
  /** Faults in this function per event. */
  readonly counts: Record<string, number>;
  /** Sum over `counts`. */
  readonly count: number;
  readonly instructions: AnnotatedInstruction[];
}

/** Faults whose instruction no listing resolved, by dso and function. */
export interface UnannotatedFunction {
  readonly dso: string;
  readonly symbol: string;
  readonly counts: Record<string, number>;
  readonly count: number;
  /** Why (the first reason the join gave). */
  readonly reason: string;
}

/** `faultpath annotate`'s result. */
export interface Annotation {
  readonly events: string[];
  /** Faults of those events in the report (the percentages' base is each function's own count, as perf annotate's "local period"). */
  readonly total: number;
  /** By count, descending, then dso, then address. */
  readonly functions: AnnotatedFunction[];
  /** By count, descending, then dso, then symbol. */
  readonly unannotated: UnannotatedFunction[];
  /** `--symbol` names no listing has. */
  readonly missing: string[];
}

const PROTECTION_WRAPPER = /^_*(?:pkey_)?mprotect$/;

/** Whether an instruction calls (or tail-jumps to) an mprotect wrapper. */
export function isProtectionCall(insn: Pick<Instruction, 'text'>): boolean {
  let target = callTarget(insn as Instruction)?.name;
  if (target === undefined) {
    // a tail call: `jmp 101a30 <__mprotect>`
    const m = /^jmp[qlw]?\s+(?:0x)?[0-9a-f]+\s+<([^>+]+)>/.exec(insn.text);
    if (m === null) return false;
    target = m[1]!;
  }
  return PROTECTION_WRAPPER.test(stripVersion(target).replace(/@plt$/, ''));
}

interface Group {
  listing: DisasmIndex;
  dso: string;
  /** The listing function that holds the code. */
  functionAddress: number;
  /** Where perf's function starts, when the listing labels its code with another (earlier) symbol. */
  start?: number;
  functionName: string;
  names: Map<string, number>;
  counts: Record<string, number>;
  /** listing address → event → count */
  byAddress: Map<number, Record<string, number>>;
}

/** Lays the report's faulting instructions over the listings of their functions. */
export function annotateReport(report: Report, listings: readonly DisasmIndex[], options: AnnotateOptions = {}): Annotation {
  const events = new Set(options.events && options.events.length > 0 ? options.events : report.selectedEvents);
  const wanted = options.symbols && options.symbols.length > 0 ? new Set(options.symbols) : undefined;
  const set = new ListingSet(listings);
  const indexOf = new Map<unknown, DisasmIndex>(listings.map((l) => [l, l]));
  const forDso = (dso: string): DisasmIndex | undefined => {
    const l = set.forDso(dso);
    return l === undefined ? undefined : indexOf.get(l);
  };

  const groups = new Map<string, Group>();
  const unannotated = new Map<string, { dso: string; symbol: string; counts: Record<string, number>; count: number; reason: string }>();
  let total = 0;
  for (const s of report.sites) {
    if (!events.has(s.event)) continue;
    total += s.count;
    const listing = s.resolved ? forDso(s.dso) : undefined;
    const address = s.resolved ? parseListingAddress(s.address) : undefined;
    const hit = listing !== undefined && address !== undefined ? listing.lookup(address) : undefined;
    if (listing === undefined || address === undefined || hit === undefined) {
      if (wanted !== undefined && !wanted.has(s.symbol)) continue;
      const key = s.dso + '\0' + s.symbol;
      let u = unannotated.get(key);
      if (u === undefined) {
        u = { dso: s.dso, symbol: s.symbol || '[unknown]', counts: {}, count: 0, reason: s.unresolvedReason ?? 'no listing for the dso' };
        unannotated.set(key, u);
      }
      add(u.counts, s.event, s.count);
      u.count += s.count;
      continue;
    }
    const functionName = stripVersion(hit.function);
    if (wanted !== undefined && !wanted.has(s.symbol) && !wanted.has(functionName) && !wanted.has(hit.function)) continue;
    const perfStart = s.offset >= 0 && s.symbol !== '' && s.symbol !== '[unknown]' ? address - s.offset : hit.functionAddress;
    const inner = perfStart > hit.functionAddress && perfStart <= address && s.symbol !== functionName ? perfStart : undefined;
    const g = groupFor(groups, listing, s.dso, hit.functionAddress, inner !== undefined ? s.symbol : functionName, inner);
    g.names.set(s.symbol, (g.names.get(s.symbol) ?? 0) + s.count);
    add(g.counts, s.event, s.count);
    let at = g.byAddress.get(address);
    if (at === undefined) {
      at = {};
      g.byAddress.set(address, at);
    }
    add(at, s.event, s.count);
  }

  // protection sites by listing and call address
  const sites = new Map<DisasmIndex, Map<number, AnnotatedProtectionSite>>();
  for (const p of report.protection?.sites ?? []) {
    if (p.address === null) continue;
    const listing = forDso(p.dso);
    const address = parseListingAddress(p.address);
    if (listing === undefined || address === undefined) continue;
    let m = sites.get(listing);
    if (m === undefined) {
      m = new Map();
      sites.set(listing, m);
    }
    const calls = Object.values(p.calls).reduce((a, b) => a + b, 0);
    const prev = m.get(address);
    m.set(address, {
      site: prev?.site ?? p.site,
      calls: (prev?.calls ?? 0) + calls,
      faults: (prev?.faults ?? 0) + p.faults,
      denied: (prev?.denied ?? 0) + p.denied,
      prot: prev?.prot ?? p.prot,
    });
    const hit = listing.lookup(address);
    if (hit === undefined) continue;
    const name = stripVersion(hit.function);
    const chosen = wanted !== undefined ? wanted.has(name) || wanted.has(p.symbol) || wanted.has(hit.function) : p.faults > 0;
    if (chosen) groupFor(groups, listing, p.dso, hit.functionAddress, name);
  }

  // functions asked for by name, with or without faults
  const missing: string[] = [];
  for (const name of wanted ?? []) {
    let found = false;
    for (const listing of listings) {
      for (const fn of listing.functionsNamed(name)) {
        if (listing.functionInstructions(fn.address).length === 0) continue;
        found = true;
        groupFor(groups, listing, dsoOf(groups, listing), fn.address, stripVersion(fn.name));
      }
    }
    if (!found && ![...unannotated.values()].some((u) => u.symbol === name) && ![...groups.values()].some((g) => g.names.has(name))) missing.push(name);
  }

  const functions: AnnotatedFunction[] = [];
  // a stripped library's label covers many of perf's functions (39k instructions under one in libc): read once
  const code = new Map<DisasmIndex, Map<number, Instruction[]>>();
  const instructionsOf = (g: Group): Instruction[] => {
    let byAddress = code.get(g.listing);
    if (byAddress === undefined) code.set(g.listing, (byAddress = new Map()));
    let all = byAddress.get(g.functionAddress);
    if (all === undefined) byAddress.set(g.functionAddress, (all = g.listing.functionInstructions(g.functionAddress)));
    return all;
  };
  for (const g of groups.values()) {
    const protections = sites.get(g.listing);
    const instructions = (innerExtent(g, groups) ?? extent(g, groups, instructionsOf(g))).map((insn): AnnotatedInstruction => {
      const counts = g.byAddress.get(insn.address) ?? {};
      const site = protections?.get(insn.address);
      return {
        address: formatListingAddress(insn.address),
        text: insn.text,
        ...(insn.source !== undefined ? { source: insn.source } : {}),
        counts,
        count: sum(counts),
        protectionCall: isProtectionCall(insn),
        ...(site !== undefined ? { protection: site } : {}),
      };
    });
    functions.push({
      dso: g.dso,
      listing: g.listing.path,
      symbol: perfName(g),
      address: formatListingAddress(g.start ?? g.functionAddress),
      counts: g.counts,
      count: sum(g.counts),
      instructions,
    });
  }
  functions.sort((a, b) => b.count - a.count || cmp(a.dso, b.dso) || cmp(a.address.padStart(16, '0'), b.address.padStart(16, '0')));
  const rest = [...unannotated.values()].sort((a, b) => b.count - a.count || cmp(a.dso, b.dso) || cmp(a.symbol, b.symbol));
  return { events: [...events], total, functions, unannotated: rest, missing };
}

function groupFor(groups: Map<string, Group>, listing: DisasmIndex, dso: string, functionAddress: number, functionName: string, start?: number): Group {
  const key = listing.path + '\0' + String(functionAddress) + '\0' + String(start ?? '');
  let g = groups.get(key);
  if (g === undefined) {
    g = { listing, dso, functionAddress, functionName, names: new Map(), counts: {}, byAddress: new Map() };
    if (start !== undefined) g.start = start;
    groups.set(key, g);
  }
  return g;
}

const PADDING = /^(?:(?:data16 )*(?:cs )?nop[wl]?\b|xchg %ax,%ax$|int3$)/;

// The instructions to show: the listing function's, or for perf's function
// inside it, from its start to the next known start or the padding after its last fault.
function extent(g: Group, groups: Map<string, Group>, all: readonly Instruction[]): Instruction[] {
  if (g.start === undefined) {
    // perf's functions inside this one end it
    const inner = [...groups.values()].filter((o) => o.listing === g.listing && o.functionAddress === g.functionAddress && o.start !== undefined).map((o) => o.start!);
    const end = inner.length > 0 ? Math.min(...inner) : Infinity;
    return all.filter((i) => i.address < end);
  }
  const start = g.start;
  const { next, lastFault } = innerBounds(g, groups, start);
  const out: Instruction[] = [];
  // the first instruction at or past the start (all is in address order)
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (all[mid]!.address < start) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < all.length; k++) {
    const i = all[k]!;
    if (i.address >= next) break;
    if (i.address > lastFault && PADDING.test(i.text)) break;
    out.push(i);
  }
  return out;
}

// instructions read at a time by innerExtent
const WINDOW = 256;

// extent's instructions of perf's function inside a listing function (g.start),
// read a window at a time from its start, not the whole listing function (a
// stripped libc label holds 39k instructions, its perf functions tens); undefined
// when the first window has none of the listing function's instructions past
// the start (extent reads it whole).
function innerExtent(g: Group, groups: Map<string, Group>): Instruction[] | undefined {
  if (g.start === undefined) return undefined;
  const start = g.start;
  const { next, lastFault } = innerBounds(g, groups, start);
  const out: Instruction[] = [];
  let last = -Infinity;
  for (;;) {
    const window = g.listing.around(Math.max(start, last + 1), 0, WINDOW);
    // a window opens at the instruction holding its address: one before the start, or read already
    let k = 0;
    while (k < window.length && (window[k]!.address < start || window[k]!.address <= last)) k++;
    if (k === window.length) return out.length === 0 ? undefined : out;
    if (out.length === 0 && window[k]!.functionAddress !== g.functionAddress) return undefined;
    for (; k < window.length; k++) {
      const i = window[k]!;
      // past the function's instructions (one run of the listing's, in address order)
      if (i.functionAddress !== g.functionAddress || i.address <= last) return out;
      if (i.address >= next) return out;
      if (i.address > lastFault && PADDING.test(i.text)) return out;
      out.push(i);
      last = i.address;
    }
  }
}

// Where perf's function at `start` ends at the latest: the next perf function's start in the same listing function; and its last fault.
function innerBounds(g: Group, groups: Map<string, Group>, start: number): { next: number; lastFault: number } {
  let next = Infinity;
  for (const o of groups.values()) if (o.listing === g.listing && o.functionAddress === g.functionAddress && o.start !== undefined && o.start > start) next = Math.min(next, o.start);
  return { next, lastFault: Math.max(start, ...g.byAddress.keys()) };
}

// The dso perf gave this listing's faults, else the listing's own binary path.
function dsoOf(groups: Map<string, Group>, listing: DisasmIndex): string {
  for (const g of groups.values()) if (g.listing === listing) return g.dso;
  return listing.path;
}

// perf's name when every fault in the function used the same one; else the listing's.
function perfName(g: Group): string {
  const names = [...g.names.keys()].filter((n) => n !== '' && n !== '[unknown]');
  return names.length === 1 ? names[0]! : g.functionName;
}

function add(m: Record<string, number>, key: string, v: number): void {
  m[key] = (m[key] ?? 0) + v;
}

function sum(m: Record<string, number>): number {
  let s = 0;
  for (const v of Object.values(m)) s += v;
  return s;
}
