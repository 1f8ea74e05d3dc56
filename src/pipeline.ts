// The whole flow, top to bottom:
//   listings  → indexObjdump                      (parsers/objdump → src/disasm-index)
//   traces    → readInput: sniff → the format's parser (parsers/index.ts) → TraceRecords
//   records   → src/events: fault, syscall and tlb_flush payloads decoded once
//             → count events, learn mappings, filter, pick the faulting frame
//   frames    → FrameResolver (listing instructions)  → FaultAggregator → tree + sites
//   Report    → viz/ renderers (the CLI picks one)
import type { Readable } from 'node:stream';
import { TRACE_FORMATS, buildIdListFormat, objdumpFormat } from '../parsers/index.js';
import { readInput } from '../parsers/input.js';
import { PerfTraceParser } from '../parsers/perf-trace.js';
import { looksLikeOther } from '../parsers/sniff.js';
import { AddressSpaces } from './addresses.js';
import { FaultAggregator, GROUP_LEVELS, siteDecision } from './aggregate.js';
import { DisasmIndexBuilder, type DisasmIndex } from './disasm-index.js';
import { InputError } from './errors.js';
import { FilterWitness, unmatchedFilters } from './filter-check.js';
import { TimeHistogram } from './histogram.js';
import { FrameResolver, faultFrameIndex } from './join.js';
import { ListingSet } from './listing-set.js';
import { FAULT_FAMILIES, baseEventName, defaultFaultEvents, faultFamily, faultIpHex, isFaultEvent, normalizeRecord, type FaultAccess, type TraceEvent } from './events.js';
import type { CallSite, Diagnostic, FaultClass, FaultSite, Frame, InputSummary, ProcessSummary, RegionsSection, Report, SampleRecord, SiteCount, TraceRecord } from './model.js';
import { disassemblyKey, formatDiagnostic } from './model.js';
import { isKernelDso } from './dso.js';
import { invertTree, pruneTree } from './tree.js';
import { findFindings, foldStartup } from './findings/index.js';
import { pageListings } from './page-listings.js';
import { isStartupFrames } from './findings/startup.js';
import { collectNotices } from './warnings.js';
import { ProtectionSites } from './protection-sites.js';
import { combineFamilies } from './protection-families.js';
import { ProtectionTimeline, ThreadOwners } from './memory/index.js';
import { classifyFault } from './fault-class.js';
import { UnwindRepair } from './unwind.js';
import { InlineFrames } from './inlined.js';
import { AddressHistory } from './memory/address-history.js';
import { RegionFaults } from './memory/region-faults.js';
import { SliceBuilder } from './slices.js';
import type { Progress } from './progress.js';
import { SignalCounter } from './signals.js';

export interface ReportOptions {
  /** perf script / perf trace outputs: paths, `-` for stdin, .gz allowed. */
  traces: readonly string[];
  /** objdump -d listings of the binaries in the traces. Default none. */
  objdump?: readonly string[];
  /** `perf buildid-list` outputs for the traces: a listing whose build id differs is not used for that dso. Default none (MMAP2 build ids still count). */
  buildIdLists?: readonly string[];
  /** Events to build the tree from. Default: every page-fault event in the trace. */
  events?: readonly string[];
  /** Keep only these commands / processes / threads. Default: all. */
  comms?: readonly string[];
  pids?: readonly number[];
  tids?: readonly number[];
  /** Keep only faults whose faulting frame is in these dsos / functions. Default: all. */
  dsos?: readonly string[];
  symbols?: readonly string[];
  /** Keep records with start ≤ time ≤ end (seconds, perf script's clock). Default: all. */
  timeStart?: number;
  timeEnd?: number;
  /** Leaf-first tree. Default false. */
  invert?: boolean;
  /** `site`: the protection site that made the page fault-prone is the outermost level of the tree; `region`: the memory region the faulting address is in. Default `path`. */
  groupBy?: 'path' | 'site' | 'region' | 'thread';
  /** Fold children below this percentage of the total into one node. Default 0 (keep all). */
  percentLimit?: number;
  /** Fold each command's program start-up (ld.so, libc initialisation) into one node. Default false. */
  foldStartup?: boolean;
  /** A bad line is fatal. Default false: bad lines are counted and reported. */
  strict?: boolean;
  /** How many bad lines to keep as examples. Default 5. */
  maxExamples?: number;
  /** Every bad line, as it is found (the CLI prints the first few). Default: none. */
  onDiagnostic?: (d: Diagnostic) => void;
  /** stdin for `-`. Default process.stdin. */
  stdin?: Readable;
  /** Receives the indexed listings, in `objdump` order (annotate lays the faults over them). Default: none. */
  onListings?: (listings: readonly DisasmIndex[]) => void;
  /** `error`: a filter value that matches nothing in the trace (an event it lacks, a command no record of the chosen events has, …) throws an InputError that lists what is there and the closest names. Default `ignore`: the report is built, empty where the filter left nothing. */
  unmatchedFilters?: 'error' | 'ignore';
  /** Shows how far each trace has been read (the CLI passes one when stderr is a terminal). Default: none. */
  progress?: Progress;
}

/** Builds the report: the join of every fault event with its instruction, aggregated into the fault-path tree. */
export async function buildReport(options: ReportOptions): Promise<Report> {
  const diagnostics = new DiagnosticCounter(options);
  const listings = await Promise.all((options.objdump ?? []).map((path) => indexListing(path, diagnostics, options.stdin)));
  const listingSet = new ListingSet(listings.map((l) => l.index), await readBuildIdLists(options.buildIdLists ?? [], diagnostics, options.stdin));
  options.onListings?.(listings.map((l) => l.index));
  const inputs: InputSummary[] = listings.map((l) => l.summary);

  const events: Record<string, number> = {};
  const owners = new ThreadOwners();
  const addresses = new AddressSpaces(owners);
  const aggregator = new FaultAggregator();
  const chosen = options.events && options.events.length > 0 ? new Set(options.events) : undefined;
  const keep = recordFilter(options, owners);
  const witness = options.unmatchedFilters === 'error' ? new FilterWitness() : undefined;
  let lost = 0;
  // per candidate event: records read, and records the comm/pid/tid/time filters removed
  const read: Record<string, number> = {};
  const filteredOut: Record<string, number> = {};
  const classes: Record<string, Partial<Record<FaultClass, number>>> = {};
  // per event, faults with no data address: no page to attribute, so uncovered
  const noAddress: Record<string, number> = {};
  const timeline = new TimeHistogram();
  // per event: process → its faults and their classes; child → parent from FORK records
  const processes: Record<string, Map<number, { comm: string; faults: number; classes: Partial<Record<FaultClass, number>> }>> = {};
  const parents = new Map<number, number>();
  const payloadFrames = new Map<string, Frame>();
  const signals = new SignalCounter();
  // the fork site: a thread's last clone/fork call (its stack's site key), then each new process's
  const forkCalls = new Map<number, string>();
  const forkSites = new Map<number, string>();

  const resolver = new FrameResolver(listingSet);
  const repair = new UnwindRepair(resolver);
  const protectionSites = new ProtectionSites(resolver, repair, (r, address) => addresses.lookup(addresses.processFor(r.pid, r.tid), address)?.executable);
  // One timeline per family of fault events: they count the same faults, and
  // which family is shown is known only at the end.
  // Each sees the same protection records: only the first reports their bad lines.
  const timelines = FAULT_FAMILIES.map((_, i) => new ProtectionTimeline({ siteOf: protectionSites.siteOf, owners, faultFamily: i, ...(i === 0 ? { onDiagnostic: diagnostics.sink } : {}) }));
  let protectionRecords = 0;
  const groupBySite = options.groupBy === 'site';
  const history = new AddressHistory({ siteOf: protectionSites.siteOf, owners });
  const regionFaults = new RegionFaults(history);
  const slices = new SliceBuilder();

  const inlineFrames = new InlineFrames(listingSet, addresses);
  // --dso/--symbol, decided before any section counts the fault
  const sites = siteDecision(resolver, options);

  const onEvent = (event: TraceEvent): void => {
    owners.note(event);
    let e = event;
    if ('record' in e) {
      const r = inlineFrames.record(e.record, e.kind === 'fault' ? e.access.ip : undefined);
      if (r !== e.record) e = { ...e, record: r };
    }
    if (e.kind === 'mmap') addresses.addMmap(e);
    const call = e.kind === 'call' || e.kind === 'return';
    if (call || !('record' in e)) history.add(e);
    if (call || e.kind === 'tlb-flush' || !('record' in e)) {
      if ('record' in e) protectionRecords++;
      // every family's timeline applies the same changes: the first one's are the markers
      timelines.forEach((t, i) => {
        const change = t.add(e);
        if (i === 0 && change !== undefined) slices.change(change);
      });
    } else if (e.kind === 'fault') {
      // every fault, filtered or not, ends its thread's call and owns the flushes in its path
      for (const t of timelines) t.add(e);
    }
    if (e.kind === 'call' && FORK_CALLS.has(e.name)) forkCalls.set(e.record.tid, protectionSites.siteOf(e.record));
    switch (e.kind) {
      case 'fault':
      case 'call':
      case 'return':
      case 'tlb-flush':
      case 'signal':
      case 'other': {
        const r = e.record;
        events[r.event] = (events[r.event] ?? 0) + 1;
        if (e.kind === 'signal') {
          signals.note();
          if (keep(r)) signals.add(e);
        }
        if (chosen !== undefined ? !chosen.has(r.event) : !isFaultEvent(r.event)) return;
        read[r.event] = (read[r.event] ?? 0) + 1;
        witness?.note(r.comm, owners.processOf(r.pid, r.tid), r.tid, r.time);
        if (!keep(r)) {
          filteredOut[r.event] = (filteredOut[r.event] ?? 0) + 1;
          return;
        }
        const fault = e.kind === 'fault' ? e.access : undefined;
        let at = faultFrameIndex(r, fault);
        // functions inlined at the faulting ip: the frame that ends their group (the real one, or the last inlined one when perf printed none) faulted
        const inlinedFrom = at;
        while (at >= 0 && at + 1 < r.stack.length && r.stack[at]!.inlined === true && r.stack[at]!.outermost !== true) at++;
        const site = at >= 0 ? r.stack[at]! : payloadFrame(r, fault, addresses, payloadFrames);
        const inlined = at > inlinedFrom ? r.stack.slice(inlinedFrom, at) : undefined;
        const callers = at >= 0 ? r.stack.slice(at + 1) : r.stack;
        if (!sites.keeps(site)) {
          // the tree's pass counts it among what the filters removed, and what they could match
          aggregator.add(r.event, r.comm, site, callers, r.period, '', inlined);
          return;
        }
        let cls: FaultClass = 'unknown';
        let group = '';
        const access = fault;
        if (e.kind === 'fault' && !Number.isNaN(e.access.address)) {
          const attribution = timelines[e.family]!.noteFault({
            pid: r.pid,
            tid: r.tid,
            cpu: r.cpu,
            time: r.time,
            address: e.access.address,
            ...(e.access.errorCode !== undefined ? { errorCode: e.access.errorCode } : {}),
            instructionKey: protectionSites.instructionKey(site),
            value: r.period,
          });
          cls = attribution.class;
          // the change's site is its call's stack for now: named when the tree is built (groupName)
          if (groupBySite) group = attribution.change?.site ?? NO_PROTECTION_SITE;
        } else {
          if (access !== undefined) noAddress[r.event] = (noAddress[r.event] ?? 0) + r.period;
          if (access !== undefined) cls = classifyFault(access.errorCode, undefined);
          if (groupBySite) group = NO_PROTECTION_SITE;
        }
        const inRegion = regionFaults.add({
          event: r.event,
          pid: r.pid,
          tid: r.tid,
          time: r.time,
          address: fault?.address ?? NaN,
          frame: site,
          class: cls,
          value: r.period,
          userMode: r.event === 'exceptions:page_fault_user' || (r.stack[0] !== undefined && !isKernelDso(r.stack[0].dso)),
        });
        if (options.groupBy === 'region') group = inRegion;
        else if (options.groupBy === 'thread') group = threadGroup(owners.processOf(r.pid, r.tid), r.tid);
        const byClass = (classes[r.event] ??= {});
        byClass[cls] = (byClass[cls] ?? 0) + r.period;
        const pid = addresses.processFor(r.pid, r.tid);
        const byProcess = (processes[r.event] ??= new Map());
        let proc = byProcess.get(pid);
        if (proc === undefined) byProcess.set(pid, (proc = { comm: r.comm, faults: 0, classes: {} }));
        proc.faults += r.period;
        proc.classes[cls] = (proc.classes[cls] ?? 0) + r.period;
        const path = aggregator.add(r.event, r.comm, site, callers, r.period, group, inlined, cls);
        slices.add(path, r.time, pid, r.tid, r.comm, inRegion, r.period);
        timeline.add(r.time, cls, r.period, r.event);
        return;
      }
      case 'mmap':
        inlineFrames.noteDso(e.filename);
        if (e.buildId !== undefined) listingSet.noteBuildId(e.filename, e.buildId);
        return;
      case 'comm':
      case 'fork':
      case 'exit':
        // a new process, not a new thread of its parent
        if (e.kind === 'fork' && e.ppid !== undefined && e.ppid !== e.pid && e.pid === e.tid) {
          parents.set(e.pid, e.ppid);
          const call = forkCalls.get(e.ptid ?? e.ppid);
          if (call !== undefined) forkSites.set(e.pid, call);
        }
        return;
      case 'lost':
        lost += e.count;
        return;
    }
  };

  for (const trace of options.traces) inputs.push(await readTrace(trace, onEvent, diagnostics, options.stdin, options.progress));

  const selected = chosen ?? defaultFaultEvents(Object.keys(events));
  // the protection calls' frames count in the verdict on each listing too;
  // their sites are named from here on, once it is known
  for (const f of protectionSites.frames()) resolver.anchor(f);
  const treeOptions = {
    invert: false, // findings read the call-path tree; inverted below
    dsos: options.dsos ?? [],
    symbols: options.symbols ?? [],
    keeps: sites.keeps,
    events: selected,
    repair: (frames: readonly Frame[]) => repair.repair(frames),
    groupName: options.groupBy === 'region' ? regionFaults.groupName : options.groupBy === 'thread' ? (g: string) => g : protectionSites.siteName,
    ...(options.groupBy === 'region' ? { groupKind: 'region' as const } : options.groupBy === 'thread' ? { groupKind: 'comm' as const } : {}),
  };
  const result = aggregator.finish(resolver, treeOptions);
  const sliceIndex = slices.finish(result.leaves, { processOf: (pid, tid) => owners.processOf(pid, tid), regionName: regionFaults.groupName, siteName: protectionSites.siteName });
  if (witness !== undefined) {
    const unmatched = unmatchedFilters(options, events, witness, result.present, chosen !== undefined ? [...selected].join(', ') : 'page-fault');
    if (unmatched.length > 0) throw new InputError(unmatched.join('\n'));
  }
  // each selected family's faults, as the tree counts them: once per event
  const families = [...new Set([...selected].map(faultFamily).filter((f) => f >= 0))].sort();
  const missing = Object.fromEntries([...selected].map((e) => [e, noAddress[e] ?? 0]));
  const reports = (families.length > 0 ? families : [0]).map((f) => timelines[f]!.report());
  // before the warnings: naming repairs the protection stacks (frames marked [inferred])
  const protection = protectionRecords > 0 ? protectionSites.finish(combineFamilies(reports, missing)) : undefined;

  const regions = regionFaults.placed ? regionSection(regionFaults, selected, sites.keeps, protectionSites, resolver, result.sites) : undefined;

  const sum = (m: Record<string, number>): number => [...selected].reduce((s, e) => s + (m[e] ?? 0), 0);
  const selectedClasses: Partial<Record<FaultClass, number>> = {};
  for (const e of selected) for (const [c, v] of Object.entries(classes[e] ?? {})) selectedClasses[c as FaultClass] = (selectedClasses[c as FaultClass] ?? 0) + v;
  // warnings and notes (src/warnings.ts); what the capture lacks, the capture-quality finding says
  const notices = collectNotices({
    resolver,
    listingSet,
    listings: listings.map((l) => ({ index: l.index, name: l.summary.name })),
    sites: result.sites,
    faultsThrough: (frames) => aggregator.valueThrough(frames, selected, isStartupFrames),
    inlinedWithoutDso: inlineFrames.unknown,
    inferred: repair.inserted,
    tree: result.tree,
    decidedEarly: sites.changed(),
    events,
    chosen,
    isFaultEvent,
    protection,
    timelineNotes: timelines[families[0] ?? 0]!.notes(),
    stopped: protectionSites.stopped,
    // who owns which thread matters to the protection timeline and to --pid
    threadNotes: protection !== undefined || (options.pids ?? []).length > 0 ? owners.notes() : [],
    inputs,
  });
  const readCount = sum(read);
  const filteredCount = sum(filteredOut) + result.filtered.records;

  const report: Report = {
    inputs,
    events,
    lost,
    skipped: { lines: diagnostics.count, examples: diagnostics.examples.map(formatDiagnostic) },
    selectedEvents: [...selected],
    sites: result.sites,
    tree: result.tree,
    warnings: notices.warnings(),
    notes: notices.notes(),
    processes: processSummaries(processes, selected, parents, forkSiteOf(forkSites, protectionSites)),
    ...(signals.result() !== undefined ? { signals: signals.result()! } : {}),
    timeline: timeline.result(selected),
    classes: selectedClasses,
    slices: sliceIndex,
    ...(protection !== undefined ? { protection } : {}),
    ...(regions !== undefined ? { regions } : {}),
    selection: { read: readCount, kept: readCount - filteredCount, filteredOut: filteredCount },
  };
  // Two selected fault families count the same faults twice: the findings read one of them
  // (the first: the tracepoints, whose error codes class the faults).
  const primary = oneFamily(selected);
  let basis = report;
  if (primary !== undefined) {
    const only = aggregator.finish(resolver, { ...treeOptions, events: primary });
    const onlyClasses: Partial<Record<FaultClass, number>> = {};
    for (const e of primary) for (const [c, v] of Object.entries(classes[e] ?? {})) onlyClasses[c as FaultClass] = (onlyClasses[c as FaultClass] ?? 0) + v;
    const onlyRegions = regionFaults.placed ? regionSection(regionFaults, primary, sites.keeps, protectionSites, resolver, only.sites) : undefined;
    basis = {
      ...report,
      tree: only.tree,
      sites: only.sites,
      classes: onlyClasses,
      processes: processSummaries(processes, primary, parents, forkSiteOf(forkSites, protectionSites)),
      ...(onlyRegions !== undefined ? { regions: onlyRegions } : {}),
    };
  }
  const findings = findFindings(basis);
  // the HTML view's listings: the faulting functions, annotated
  const disassembly = pageListings(report, listings.map((l) => l.index));
  // the tree as shown: start-up in one node, inverted, small children folded
  let tree = report.tree;
  let startup = 0;
  if (options.foldStartup === true) ({ tree, folded: startup } = foldStartup(tree));
  if (options.invert === true) tree = invertTree(tree);
  const percentLimit = options.percentLimit ?? 0;
  tree = pruneTree(tree, percentLimit / 100);
  return { ...report, tree, findings, disassembly, ...(percentLimit > 0 || startup > 0 ? { folded: { percentLimit, startup } } : {}) };
}

/** The selected events of the first fault family, when the selection spans more than one; else undefined. */
function oneFamily(selected: ReadonlySet<string>): Set<string> | undefined {
  const families = [...new Set([...selected].map(faultFamily).filter((f) => f >= 0))].sort();
  if (families.length < 2) return undefined;
  return new Set([...selected].filter((e) => faultFamily(e) === families[0]));
}

// The syscalls that make a new process (or thread: its FORK record tells which).
const FORK_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** A process's fork site, named once every frame is anchored. */
function forkSiteOf(forkSites: ReadonlyMap<number, string>, sites: ProtectionSites): (pid: number) => CallSite | undefined {
  return (pid) => {
    const key = forkSites.get(pid);
    const info = key === undefined ? undefined : sites.info(key);
    if (key === undefined) return undefined;
    return {
      site: sites.siteName(key),
      dso: info?.dso ?? '',
      symbol: info?.symbol ?? '',
      offset: info !== undefined && info.offset >= 0 ? info.offset : null,
      source: info?.source ?? null,
      inferred: info?.inferred ?? false,
    };
  };
}

function processSummaries(
  byEvent: Record<string, Map<number, { comm: string; faults: number; classes: Partial<Record<FaultClass, number>> }>>,
  selected: ReadonlySet<string>,
  parents: ReadonlyMap<number, number>,
  forkSite: (pid: number) => CallSite | undefined,
): ProcessSummary[] {
  const out = new Map<number, { pid: number; comm: string; parent?: number; forkSite?: CallSite; faults: number; classes: Partial<Record<FaultClass, number>> }>();
  for (const e of selected) {
    for (const [pid, p] of byEvent[e] ?? []) {
      let o = out.get(pid);
      if (o === undefined) {
        const parent = parents.get(pid);
        const site = parent !== undefined ? forkSite(pid) : undefined;
        out.set(pid, (o = { pid, comm: p.comm, ...(parent !== undefined ? { parent } : {}), ...(site !== undefined ? { forkSite: site } : {}), faults: 0, classes: {} }));
      }
      o.faults += p.faults;
      for (const [c, v] of Object.entries(p.classes)) o.classes[c as FaultClass] = (o.classes[c as FaultClass] ?? 0) + v;
    }
  }
  return [...out.values()].sort((a, b) => b.faults - a.faults || a.pid - b.pid);
}

/** --group-by thread: the process, then the thread. */
function threadGroup(pid: number, tid: number): string {
  return `pid ${pid}${GROUP_LEVELS}tid ${tid}`;
}

/** Report.regions, and each ranked site's major faults. */
function regionSection(faults: RegionFaults, selected: ReadonlySet<string>, keeps: (f: Frame) => boolean, sites: ProtectionSites, resolver: FrameResolver, ranked: SiteCount[]): RegionsSection {
  const major = new Map<string, number>();
  const key = (event: string, s: FaultSite): string => `${event}\0${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}`;
  const section = faults.section(selected, keeps, { name: sites.siteName, dso: (k) => sites.info(k)?.dso, stopped: (k) => sites.stopped.has(sites.info(k)?.key ?? '') }, (event, frame, n) => {
    const k = key(event, resolver.resolve(frame));
    major.set(k, (major.get(k) ?? 0) + n);
  });
  if (section.majorJoin !== undefined || [...selected].some((e) => baseEventName(e) === 'major-faults')) {
    for (const s of ranked) s.major = major.get(key(s.event, s)) ?? 0;
  }
  return section;
}

const NO_PROTECTION_SITE = '[no protection change]';

/** Counts bad lines, keeps the first few, and makes them fatal under --strict. */
class DiagnosticCounter {
  count = 0;
  readonly examples: Diagnostic[] = [];
  constructor(private readonly options: Pick<ReportOptions, 'strict' | 'maxExamples' | 'onDiagnostic'>) {}
  readonly sink = (d: Diagnostic): void => {
    if (this.options.strict === true) throw new InputError(`${formatDiagnostic(d)} (--strict)`);
    this.count++;
    if (this.examples.length < (this.options.maxExamples ?? 5)) this.examples.push(d);
    this.options.onDiagnostic?.(d);
  };
}

async function indexListing(path: string, diagnostics: DiagnosticCounter, stdin?: Readable) {
  const builder = new DisasmIndexBuilder({ source: path, onDiagnostic: diagnostics.sink });
  const { parser, head } = await readInput(path, { formats: [objdumpFormat], onRecord: (r) => builder.add(r), onDiagnostic: diagnostics.sink, ...(stdin !== undefined ? { stdin } : {}) });
  const index = builder.finish();
  if (index.instructionCount === 0) throw new InputError(`${path}: no instructions found; expected an objdump -d listing${looksLikeOther(head, objdumpFormat)}`);
  const summary: InputSummary = {
    name: path,
    format: 'objdump',
    lines: parser.lines,
    records: index.instructionCount,
    ...(parser.sourceLines > 0 ? { sourceLines: parser.sourceLines } : {}),
  };
  return { index, summary };
}

// perf buildid-list outputs → the trace's build id of each dso (the last list wins).
async function readBuildIdLists(paths: readonly string[], diagnostics: DiagnosticCounter, stdin?: Readable): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const path of paths) {
    await readInput(path, { formats: [buildIdListFormat], onRecord: (r) => ids.set(r.path, r.buildId), onDiagnostic: diagnostics.sink, ...(stdin !== undefined ? { stdin } : {}) });
  }
  return ids;
}

/** Reads one trace, choosing the parser from its first lines; its records become events (src/events.ts). */
export async function readTrace(
  path: string,
  onEvent: (e: TraceEvent) => void,
  diagnostics: { sink: (d: Diagnostic) => void },
  stdin?: Readable,
  progress?: Progress,
): Promise<InputSummary> {
  const read = await readInput(path, {
    formats: TRACE_FORMATS,
    onRecord: (r: TraceRecord) => onEvent(normalizeRecord(r)),
    onDiagnostic: diagnostics.sink,
    ...(stdin !== undefined ? { stdin } : {}),
    ...(progress !== undefined ? { progress } : {}),
  });
  const summary = read.parser instanceof PerfTraceParser ? read.parser.summary : [];
  return {
    name: path,
    format: read.format === 'perf-trace' ? 'perf-trace' : 'perf-script',
    lines: read.lines,
    records: read.records,
    ...(summary.length > 0 ? { traceSummary: summary } : {}),
  };
}

function recordFilter(o: ReportOptions, owners: ThreadOwners): (r: SampleRecord) => boolean {
  const comms = o.comms && o.comms.length > 0 ? new Set(o.comms) : undefined;
  const pids = o.pids && o.pids.length > 0 ? new Set(o.pids) : undefined;
  const tids = o.tids && o.tids.length > 0 ? new Set(o.tids) : undefined;
  const start = o.timeStart ?? -Infinity;
  const end = o.timeEnd ?? Infinity;
  const timed = o.timeStart !== undefined || o.timeEnd !== undefined;
  return (r) => {
    if (comms !== undefined && !comms.has(r.comm)) return false;
    if (pids !== undefined && !pids.has(owners.processOf(r.pid, r.tid))) return false;
    if (tids !== undefined && !tids.has(r.tid)) return false;
    if (timed && !(r.time >= start && r.time <= end)) return false;
    return true;
  };
}

// A tracepoint with no user frame: the payload's ip, mapped through MMAP records when present.
function payloadFrame(r: SampleRecord, fault: FaultAccess | undefined, addresses: AddressSpaces, cache: Map<string, Frame>): Frame {
  const ipText = fault?.ipText;
  const ip = fault?.ip ?? NaN;
  let dso = '[unknown]';
  let addr = faultIpHex(fault) ?? '';
  if (!Number.isNaN(ip)) {
    const m = addresses.lookup(addresses.processFor(r.pid, r.tid), ip);
    if (m !== undefined) {
      dso = m.dso;
      addr = m.dsoAddress.toString(16);
    }
  } else if (ipText !== undefined && r.event === 'exceptions:page_fault_kernel') {
    dso = '[kernel.kallsyms]';
  }
  const key = dso + '\0' + addr;
  let f = cache.get(key);
  if (f === undefined) {
    f = { addr, symbol: '[unknown]', offset: -1, dso };
    cache.set(key, f);
  }
  return f;
}
