// What a report says beside its answer, in words, in one place.
//
// A warning: the answer is weaker than the trace could make it, and the
// reader can do something about it (a perf option, a listing, a filter).
// A note: a repair the tool made (frames it inferred), or a limit that costs
// nothing the reader looks at (a garbage frame under program start-up).
// What the capture lacks, with the perf options to add, is neither: the
// capture-quality finding says it (src/findings/capture.ts).
//
// Each message is a function here; the pipeline passes the facts.
import { listingWarnings } from './listing-warnings.js';
import type { FrameResolver } from './join.js';
import type { Listing, ListingSet } from './listing-set.js';
import type { Frame, InputSummary, Notice, NoticeKind, ProtectionSection, SiteCount, TreeNode } from './model.js';
import type { TimelineNote } from './memory/summary.js';
import { isGoRuntimeSymbol } from './dso.js';

export type { Notice, NoticeKind };

/** What the pipeline knows, at the end, that a reader may need told. */
export interface NoticeFacts {
  readonly resolver: FrameResolver;
  readonly listingSet: ListingSet;
  /** The listings given, with the name their input summary shows. */
  readonly listings: readonly { readonly index: Listing; readonly name: string }[];
  /** The ranked faulting instructions. */
  readonly sites: readonly SiteCount[];
  /** The faults whose paths pass through any of `frames`, those that faulted at one, and those that are program start-up. */
  readonly faultsThrough: (frames: ReadonlySet<Frame>) => { through: number; at: number; startup: number };
  /** `(inlined)` groups with no real frame whose dso nothing told. */
  readonly inlinedWithoutDso: ReadonlySet<string>;
  /** `(inlined)` leaf groups with no real frame and no ip that MMAP records map, put in their caller's dso: name → that dso. */
  readonly inlinedDsoInferred: ReadonlyMap<string, string>;
  readonly inlinedDsoByLabel: ReadonlyMap<string, { readonly dso: string; readonly label: string }>;
  /** Faults of the chosen events that perf script printed with no frame and no ip (an empty callchain). */
  readonly frameless: number;
  /** Faults of the chosen events printed without the ip field (-F without ip): no ip, no callchain. */
  readonly noIp: number;
  /** Frames the unwinding repair inserted. */
  readonly inferred: number;
  /** The call-path tree. */
  readonly tree: TreeNode;
  /** False when the tree builder knows no name in the tree starts as a mangled one does (`_Z`): then the tree is not walked. */
  readonly mangledNames?: boolean;
  /** Faulting frames --symbol decided before the listing's anchors were all read. */
  readonly decidedEarly: readonly { readonly dso: string; readonly addr: string }[];
  /** Every record read, by event; the events --event chose (undefined: the fault events). */
  readonly events: Record<string, number>;
  readonly chosen: ReadonlySet<string> | undefined;
  readonly isFaultEvent: (event: string) => boolean;
  readonly protection: ProtectionSection | undefined;
  /** The shown family's timeline notes: what each is about. */
  readonly timelineNotes: readonly TimelineNote[];
  /** Protection sites whose chains stop inside the runtime. */
  readonly stopped: ReadonlySet<string>;
  /** ThreadOwners' notes, when who owns a thread matters (protection, --pid). */
  readonly threadNotes: readonly string[];
  readonly inputs: readonly InputSummary[];
}

/** Every warning and note of a report, in the order a reader meets their subjects: listings, frames, names, events, protection, threads, perf trace. */
export function collectNotices(f: NoticeFacts): Notices {
  const out = new Notices();
  for (const w of listingWarnings(f.resolver, f.sites)) out.warn('listing', w);
  for (const { listing, closest } of f.listingSet.unmatched(f.resolver.dsos)) {
    const file = f.listings.find((l) => l.index === listing)?.name ?? listing.path;
    out.warn('listing', unmatchedListing(file, listing.path, closest));
  }
  for (const u of f.resolver.unnamedFrames(f.faultsThrough)) out.add(unnamedFrame({ dso: u.dso, frame: u.frame, byData: u.byData, where: u.where, more: u.more, ...u.cost }));
  if (f.inlinedWithoutDso.size > 0) out.warn('inlined-without-dso', inlinedWithoutDso([...f.inlinedWithoutDso]));
  if (f.inlinedDsoInferred.size > 0) out.warn('inlined-dso-inferred', inlinedDsoInferred(f.inlinedDsoInferred));
  if (f.inlinedDsoByLabel.size > 0) out.warn('inlined-dso-inferred', inlinedDsoByLabel(f.inlinedDsoByLabel));
  if (f.resolver.labelNamed.size > 0) out.warn('listing', labelNamed([...f.resolver.labelNamed.values()]));
  for (const path of f.resolver.unconfirmedLayouts()) out.warn('assumed-layout', assumedLayout(path));
  if (f.frameless > 0) out.warn('frameless-faults', framelessFaults(f.frameless));
  if (f.noIp > 0) out.warn('ip-not-printed', ipNotPrinted(f.noIp, f.events));
  if (f.inferred > 0) out.note('inferred-frames', inferredFrames(f.inferred));
  const mangled = f.mangledNames === false ? [] : mangledIn(f.tree);
  if (mangled.length > 0) out.warn('mangled-names', mangledNames(mangled));
  if (f.decidedEarly.length > 0) out.warn('symbol-decided-early', symbolDecidedEarly(f.decidedEarly.length, f.decidedEarly[0]!));
  if (f.chosen === undefined && !Object.keys(f.events).some(f.isFaultEvent)) out.warn('events', noFaultEvents(f.events));
  for (const name of f.chosen ?? []) if (f.events[name] === undefined) out.warn('events', missingEvent(name));
  if (f.protection !== undefined) {
    // what the capture lacks the capture-quality finding says; threads come below
    const elsewhere = new Set(f.timelineNotes.filter((n) => n.about === 'capture' || n.about === 'threads').map((n) => n.text));
    for (const n of f.protection.notes) if (!elsewhere.has(n)) out.warn('protection', n);
    const stopped = f.protection.sites.filter((s) => f.stopped.has(s.site));
    const inGo = stopped.filter((s) => isGoRuntimeSymbol(s.symbol)).map((s) => s.site);
    const inLibc = stopped.filter((s) => !isGoRuntimeSymbol(s.symbol)).map((s) => s.site);
    if (inLibc.length > 0) out.warn('stopped-sites', stoppedSites(inLibc));
    if (inGo.length > 0) out.warn('stopped-sites', stoppedInGo(inGo));
  }
  for (const n of f.threadNotes) out.warn('threads', n);
  if (f.protection !== undefined) {
    if (f.inputs.some((i) => i.format === 'perf-trace')) out.warn('perf-trace', PERF_TRACE_FRAMES);
    const anyFault = Object.keys(f.events).some((e) => e.startsWith('exceptions:page_fault_'));
    if (!anyFault && f.inputs.some((i) => i.format === 'perf-trace')) out.warn('perf-trace', PERF_TRACE_SIGNALS);
  }
  const summaryOnly = f.inputs.filter((i) => i.traceSummary !== undefined && i.records === 0).map((i) => i.name);
  if (summaryOnly.length > 0) out.warn('perf-trace', traceSummaryOnly(summaryOnly));
  return out;
}

// Names still in their C++ mangling (the demangler could not read them), once each.
function mangledIn(root: TreeNode): string[] {
  const out = new Set<string>();
  const walk = (n: TreeNode): void => {
    if (n.name.startsWith('_Z') && n.kind !== 'instruction') out.add(n.name.replace(/ \[inferred\]$/, ''));
    for (const c of n.children) walk(c);
  };
  walk(root);
  return [...out].sort();
}

/** Collects notices in the order they are found; each text once. */
export class Notices {
  private readonly list: Notice[] = [];

  warn(kind: NoticeKind, text: string): void {
    this.add({ level: 'warning', kind, text });
  }

  note(kind: NoticeKind, text: string): void {
    this.add({ level: 'note', kind, text });
  }

  add(n: Notice): void {
    if (!this.list.some((m) => m.text === n.text)) this.list.push(n);
  }

  /** What the reader must see: the texts of the warnings. */
  warnings(): string[] {
    return this.list.filter((n) => n.level === 'warning').map((n) => n.text);
  }

  /** What the tool did or knows that changes no answer: the texts of the notes. */
  notes(): string[] {
    return this.list.filter((n) => n.level === 'note').map((n) => n.text);
  }
}

const s = (n: number, one = '', many = 's'): string => (n === 1 ? one : many);

/** The first three of a list, then `…`. */
function firstThree(names: readonly string[]): string {
  return `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;
}

export function unmatchedListing(file: string, path: string, closest: readonly string[]): string {
  return `listing ${file} (of ${path}) matches no dso in the trace, so it lends no instruction (listings match by build id, path, file name, then soname)${closest.length > 0 ? `; the closest dsos in the trace: ${closest.join(', ')}` : '; the trace has no user dso'}`;
}

/** A frame perf could not name, in a dso whose listing has no code there (`348a8 [unknown]`). */
export interface UnnamedFrame {
  readonly dso: string;
  /** `0x348a8`, or `runtime.m0+0x148` when perf named it by a data symbol (`byData`) */
  readonly frame: string;
  readonly byData?: boolean;
  /** Where it fell in the listing, in words. */
  readonly where: string;
  /** Other such frames in the dso. */
  readonly more: number;
  /** Faults whose paths pass through any of them, those that faulted at one, and those of the former that are program start-up. */
  readonly through: number;
  readonly at: number;
  readonly startup: number;
}

/**
 * A warning when the faults it cuts off from their callers matter; a note when
 * every one of them is program start-up (the tree shows start-up as one node,
 * and its callers are the loader's own).
 */
export function unnamedFrame(u: UnnamedFrame): Notice {
  const lost = u.at > 0 ? `; ${u.at} of them faulted there and keep perf's address` : '';
  const what = u.byData === true ? `perf named a frame ${u.frame} in ${u.dso}, by a symbol that is no function of the listing` : `perf could not name ${u.frame} [unknown] in ${u.dso}`;
  const head = `${what}${u.more > 0 ? ` (and ${u.more} more frame${s(u.more)} like it)` : ''}: ${u.where}.`;
  const why = 'Frame-pointer unwinding through code built without frame pointers reads such frames';
  if (u.at === 0 && u.through > 0 && u.startup === u.through) {
    return {
      level: 'note',
      kind: 'unnamed-frame',
      text: `${head} ${why}; the ${u.through} fault${s(u.through)} that pass through it are program start-up, whose callers above it are not real (--call-graph dwarf unwinds them). The listing is used for the frames perf named`,
    };
  }
  return {
    level: 'warning',
    kind: 'unnamed-frame',
    text: `${head} ${why}, so the callers perf printed above it are not real (--call-graph dwarf unwinds them); ${u.through} fault${s(u.through)} pass through it${lost}. The listing is used for the frames perf named`,
  };
}

export function inlinedWithoutDso(names: readonly string[]): string {
  const n = names.length;
  return `${n} function${s(n)} printed \`(inlined)\` with no real frame at ${n === 1 ? 'its' : 'their'} address (${firstThree(names)}) belong to no known dso: not resolved, and never taken for a protection site; perf script --no-inline prints the dso, or give the listing of the library they are in`;
}

// arena 27088 …: page-faults:   (no exceptions:page_fault_user of the same fault before it, or no MMAP records)
//            26770 __ieee754_acos_ifunc+0x0 (inlined)        ← libm's, run by ld.so's `call *%rax`
//             e011 _dl_relocate_object+0x3f1 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
export function inlinedDsoInferred(byName: ReadonlyMap<string, string>): string {
  const names = [...byName.keys()];
  const n = names.length;
  return `${n} function${s(n)} printed \`(inlined)\` with no real frame at the faulting address (${firstThree(names)}) ${s(n, 'was', 'were')} put in ${s(n, 'its', 'their')} caller's dso (${fileNames(byName.values())}) because its code covers that address: ${inferredBecause("the code there may be another library's (ld.so's `call *%rax` runs libm's ifunc resolvers)")}`;
}

// threads  2177 11895.857240: 1 page-faults:   (no exceptions:page_fault_user of the same fault before it, or no MMAP records)
//            89d6c allocate_stack+0x9ec (inlined)
//            89d6c __pthread_create_2_1+0x9ec (inlined)        ← the libc listing's pthread_create@GLIBC_2.2.5 starts at 0x89380
export function inlinedDsoByLabel(byName: ReadonlyMap<string, { readonly dso: string; readonly label: string }>): string {
  const names = [...byName].map(([name, { label }]) => `${name} at ${label}`);
  const n = names.length;
  return `${n} function${s(n)} printed \`(inlined)\` with no real frame at the faulting address (${firstThree(names)}) ${s(n, 'was', 'were')} put in the dso of the one listing with a function starting there, under another name (${fileNames([...byName.values()].map((v) => v.dso))}): ${inferredBecause('the code may be a library\'s whose listing was not given')}`;
}

// threads 5752 [000] 73960.045034:  exceptions:page_fault_user: address=0x7ffff65edfa8 ip=0x7ff4c1640931 error_code=0x6   (no user frame)
// objdump -d of ld.so labels 0xa931 `_dl_rtld_di_serinfo@@GLIBC_PRIVATE` (+0x1f31); perf report: _dl_sysdep_read_whole_file (local)
export function labelNamed(names: readonly string[]): string {
  const n = names.length;
  return `${n} fault site${s(n)} with no user frame ${s(n, 'was', 'were')} named by the listing's label before ${s(n, 'its', 'their')} ip (${firstThree(names)}), in code perf printed no frame of: a listing without debug information labels only the exported functions, so a local one may lie between, and be the one perf report names from the debug symbols; perf script --hide-call-graph prints a page-faults sample's function`;
}

// Why an (inlined) leaf's dso is a guess, and what tells it.
function inferredBecause(doubt: string): string {
  return `inferred, the fault's record has no ip that MMAP records place (a page-faults sample has none of its own), and ${doubt}; record exceptions:page_fault_user beside page-faults and run perf script with --show-mmap-events (the tracepoint's ip= places the leaf), or perf script --no-inline prints the dso`;
}

// Dso paths' distinct file names, listed.
function fileNames(dsos: Iterable<string>): string {
  return [...new Set([...dsos].map((d) => d.slice(d.lastIndexOf('/') + 1)))].join(', ');
}

export function assumedLayout(path: string): string {
  return `no frame perf named anchors ${path}'s addresses, so perf's map-relative addresses were taken as the listing's (true for the standard layout of PIE and shared objects); a callchain (-g) gives anchors, and perf buildid-list (--buildid-list, or a faultpath record folder) ties the listing to the binary`;
}

// threads 2182 11895.892210:          1                 page-faults:     (and no frame line after it)
export function framelessFaults(n: number): string {
  return `${n} fault${s(n)} came with no frame and no ip (perf script prints an empty callchain when DWARF unwinding finds no user frame, e.g. at a new thread's first instruction): shown as [unknown]; perf script --hide-call-graph prints ${n === 1 ? 'its' : 'their'} ip and function`;
}

// fields 13329  2038.792523:                page-faults:     559f7158e020 __TMC_END__   (-F comm,tid,time,event,addr,sym)
// fields 13329  2038.792825: exceptions:page_fault_user:                0               (the next line is the next header)
export function ipNotPrinted(n: number, events: Record<string, number>): string {
  const tracepoint = Object.keys(events).some((e) => e.startsWith('exceptions:page_fault_'));
  return `${n} fault${s(n)} ${n === 1 ? 'was' : 'were'} printed without ip (perf script's -F list leaves it out), so perf script printed neither the faulting instruction nor the callchain: shown as [unknown]; add ip,sym,dso to the -F list (with ip, perf prints the callchain too when the capture has one)${tracepoint ? "; for exceptions:page_fault_user, trace also names the instruction (its payload's ip=)" : ''}`;
}

export function inferredFrames(n: number): string {
  return `${n} frame${s(n)} marked [inferred]: the chain skipped ${n === 1 ? 'a function' : 'functions'} (frame-pointer unwinding skips the caller of a function that keeps no frame pointer; a tail call leaves no frame), and the call instruction before the return address names the function that was there`;
}

export function mangledNames(names: readonly string[]): string {
  const n = names.length;
  return `${n} function name${s(n)} from a listing could not be demangled and ${n === 1 ? 'is' : 'are'} shown mangled (${names[0]}); a listing made with objdump -dC names ${n === 1 ? 'it' : 'them'} as perf does`;
}

export function symbolDecidedEarly(n: number, first: { dso: string; addr: string }): string {
  return `--symbol was decided for ${n} faulting frame${s(n)} perf could not name (${first.dso} 0x${first.addr}) by the listing before all of its anchors were read, and the listing names ${n === 1 ? 'it' : 'them'} otherwise now: ${n === 1 ? 'its faults are' : 'their faults are'} kept or left out by the first reading in every section; name the function by its dso (--dso) instead`;
}

export function noFaultEvents(events: Record<string, number>): string {
  const others = Object.entries(events).map(([e, n]) => `${e}: ${n}`).join(', ');
  return `no page-fault events in the trace${others ? ` (it has ${others}); use --event to view those` : ''}`;
}

export function missingEvent(name: string): string {
  return `no ${name} events in the trace`;
}

/** Protection sites named where the runtime enters the kernel: no caller outside libc and ld.so is known. */
export function stoppedSites(sites: readonly string[]): string {
  const n = sites.length;
  return `${n} protection site${s(n)} (${firstThree(sites)}) ${n === 1 ? 'has' : 'have'} no caller outside libc and ld.so: the callchains stop inside the runtime (frame-pointer unwinding cannot walk through libc, built without frame pointers), so the site is where the runtime enters the kernel; record with --call-graph dwarf to see who called`;
}

/** The same in a Go program: its runtime is linked in, and its chains stop there only when perf's DWARF unwinding read them. */
export function stoppedInGo(sites: readonly string[]): string {
  const n = sites.length;
  return `${n} protection site${s(n)} (${firstThree(sites)}) ${n === 1 ? 'has' : 'have'} no caller outside Go's runtime and syscall packages: the callchains stop there (perf's DWARF unwinding stops at Go code, which has no .eh_frame), so the site is where the runtime enters the kernel; record with -g: Go keeps frame pointers, and they name the caller (faultpath record uses them for a Go program)`;
}

export const PERF_TRACE_FRAMES =
  'perf trace prints callchain frames without addresses: protection sites from it are named by function, and a caller that frame-pointer unwinding skipped cannot be recovered (perf script keeps the addresses)';

export const PERF_TRACE_SIGNALS =
  'perf trace does not show faults that end in a signal (the guard-page faults a SIGSEGV handler resolves), so no fault here can be tied to a protection change it forbids; record them with: perf record -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect -g -- PROG';

export function traceSummaryOnly(names: readonly string[]): string {
  return `${names.join(', ')}: a perf trace summary (-s) holds per-thread counts and syscall times only, no fault addresses, call paths, protection sites or faulting instructions; record the events themselves with: perf trace -F all --call-graph dwarf -e mprotect,mmap,munmap -- PROG (add -S to keep the summary)`;
}
