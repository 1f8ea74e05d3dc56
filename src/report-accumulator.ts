// The report's accumulator: every event of every trace, in trace order, goes
// through named steps; `finish` turns what they gathered into the report.
//   learn      every event: who owns which thread, the inlined frames' dsos,
//              mappings, the protection timelines and the address history
//   sideBand   mmap, task and lost records: dsos and build ids, forks, losses
//   select     a sample: count its event (and signals); keep the chosen
//              events that pass --comm/--pid/--tid/--time
//   join       the faulting frame (--dso/--symbol decided on it), then
//   attribute  its protection change, class and region, and
//   aggregate  its process, class, tree path, time bucket and time slice
//   finish     the tree, the protection and region sections, the warnings
import { AddressSpaces } from './addresses.js';
import { FaultAggregator, GROUP_LEVELS, siteDecision, type PathFrames } from './aggregate.js';
import { isKernelDso } from './dso.js';
import { InputError } from './errors.js';
import { defaultFaultEvents, faultFamily, faultIpHex, isFaultEvent, isSampleEvent, type FaultAccess, type SampleEvent, type TraceEvent } from './events.js';
import { classifyFault } from './fault-class.js';
import { FilterWitness, unmatchedFilters } from './filter-check.js';
import { isStartupFrames } from './findings/startup.js';
import { TimeHistogram } from './histogram.js';
import { InlineFrames } from './inlined.js';
import { FaultFrames } from './fault-frame.js';
import { FaultPairs } from './fault-pairs.js';
import { FrameResolver } from './join.js';
import { ListingSet } from './listing-set.js';
import { AddressHistory } from './memory/address-history.js';
import { ProtectionTimeline, ThreadOwners, type NotedFault } from './memory/index.js';
import { RegionFaults, type RegionFault } from './memory/region-faults.js';
import type { CallSite, DiagnosticSink, FaultClass, Frame, InputSummary, LostRecord, MmapRecord, Report, SampleRecord, TaskRecord } from './model.js';
import { formatDiagnostic, NO_IP_PRINTED } from './model.js';
import { combineFamilies } from './protection-families.js';
import { ProtectionSites } from './protection-sites.js';
import type { IndexedListings, SkippedLines } from './report-inputs.js';
import type { ReportFilterOptions, ReportTreeOptions } from './report-options.js';
import { forkSiteOf, processSummaries, regionSection, type ProcessFaults } from './report-sections.js';
import { lifeKey, pidLabel } from './process-life.js';
import { SignalCounter } from './signals.js';
import { SitePaths, splitLeaves } from './site-leaves.js';
import { numberLeaves, SliceBuilder, type NumberedLeaves } from './slices.js';
import { UnwindRepair } from './unwind.js';
import { collectNotices } from './warnings.js';

const NO_PROTECTION_SITE = '[no protection change]';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// What the reused fault objects hold between faults (not a frame of the trace).
const NO_FRAME: Frame = { addr: '', symbol: '', offset: -1, dso: '' };

/**
 * One event name's counts (a trace has a handful of names): every sample read;
 * for a chosen event, records read and records the comm/pid/tid/time filters
 * removed; its kept faults by class, with no data address, with neither frame
 * nor ip; its processes.
 */
interface EventTally {
  readonly name: string;
  samples: number;
  /** Chosen by --event, else a fault event. */
  readonly selected: boolean;
  readonly userTracepoint: boolean;
  readonly kernelTracepoint: boolean;
  read: number;
  filteredOut: number;
  noAddress: number;
  frameless: number;
  /** Faults printed without their ip (NO_IP_PRINTED), and without a payload ip. */
  noIp: number;
  readonly classes: Partial<Record<FaultClass, number>>;
  /** By process: its pid and life (lifeKey). */
  readonly processes: Map<number, ProcessFaults>;
  // the last process counted (its lifeKey): runs of one process are the rule
  lastPid: number;
  lastProcess: ProcessFaults | undefined;
}

export class ReportAccumulator {
  // by event name, in the order first seen
  private readonly tallies = new Map<string, EventTally>();
  // the last record's: records come in runs of one event
  private lastEvent = '';
  private lastTally: EventTally | undefined;
  private readonly chosen: ReadonlySet<string> | undefined;
  private readonly keep: (r: SampleRecord) => boolean;
  private readonly witness: FilterWitness | undefined;
  // the witness's records are read only against --comm/--pid/--tid/--time
  private readonly witnessRecords: boolean;
  private lost = 0;
  // child → parent, from FORK records; both by pid and life (lifeKey): a pid is another process's after its EXIT
  private readonly parents = new Map<number, number>();
  private readonly histogram = new TimeHistogram();
  private readonly signals = new SignalCounter();
  private readonly slices: SliceBuilder | undefined;
  // the fork site: a thread's last clone/fork call (its stack's site key), then each new process's (by lifeKey)
  private readonly forkCalls = new Map<number, string>();
  private readonly forkSites = new Map<number, string>();

  private readonly owners = new ThreadOwners();
  private readonly addresses = new AddressSpaces(this.owners);
  private readonly listingSet: ListingSet;
  private readonly inlineFrames: InlineFrames;
  private readonly faultFrames: FaultFrames;
  // a page-faults sample's runtime ip: its tracepoint's, just before it in its thread
  private readonly faultPairs = new FaultPairs();
  // the event being added's runtime ip (learn), for its frame (join)
  private faultIp: number | undefined;
  private readonly resolver: FrameResolver;
  private readonly repair: UnwindRepair;
  // each new frame's listing code is read while the trace is, when this thread waits for records (idle)
  private readonly ahead: Frame[] = [];
  private readonly aggregator = new FaultAggregator(undefined, (f) => this.ahead.push(f));
  private readonly protectionSites: ProtectionSites;
  // Faults per family of fault events: they count the same faults, and
  // which family is shown is known only at the end.
  private readonly timeline: ProtectionTimeline;
  private protectionRecords = 0;
  private get siteTree(): boolean {
    return this.options.siteTree === true && (this.options.groupBy ?? 'path') === 'path';
  }
  // with a tree by site beside the call paths: the paths split by site (the aggregator's are not), and the
  // reference tree by site when asked (siteTreeNodes), from an aggregator given the site as each path's group
  private readonly sitePaths: SitePaths | undefined;
  private readonly siteAggregator: FaultAggregator | undefined;
  private readonly history: AddressHistory;
  private readonly regionFaults: RegionFaults;
  // --dso/--symbol, decided before any section counts the fault
  private readonly sites: ReturnType<typeof siteDecision>;
  // whether either is given: without them every fault is kept, with no lookup per fault
  private readonly siteFilters: boolean;
  // the tree's options, once the selected events are known (finish)
  private treeOptions: Parameters<FaultAggregator['finish']>[1] | undefined;

  constructor(
    private readonly listings: IndexedListings,
    private readonly options: ReportFilterOptions & Pick<ReportTreeOptions, 'groupBy' | 'siteTree' | 'siteTreeNodes' | 'slices'>,
    onDiagnostic: DiagnosticSink,
  ) {
    // cells cost memory by the distinct (path, time, thread, region), and only the HTML page reads them
    this.slices = options.slices === false ? undefined : new SliceBuilder();
    this.chosen = options.events && options.events.length > 0 ? new Set(options.events) : undefined;
    this.keep = recordFilter(options, this.owners);
    this.witness = options.unmatchedFilters === 'error' ? new FilterWitness() : undefined;
    this.witnessRecords = [options.comms, options.pids, options.tids].some((v) => v !== undefined && v.length > 0) || options.timeStart !== undefined || options.timeEnd !== undefined;
    this.listingSet = new ListingSet(listings.listings.map((l) => l.index), listings.buildIds);
    this.inlineFrames = new InlineFrames(this.listingSet, this.addresses);
    this.faultFrames = new FaultFrames(this.addresses);
    this.resolver = new FrameResolver(this.listingSet);
    this.repair = new UnwindRepair(this.resolver);
    this.protectionSites = new ProtectionSites(this.resolver, this.repair, (r, address) => this.addresses.lookup(this.addresses.processFor(r.pid, r.tid), address)?.executable);
    const { siteOf, instructionKey } = this.protectionSites;
    this.timeline = new ProtectionTimeline({ siteOf, instructionKey, owners: this.owners, onDiagnostic });
    this.history = new AddressHistory({ siteOf, owners: this.owners });
    this.regionFaults = new RegionFaults(this.history);
    this.sites = siteDecision(this.resolver, options);
    this.siteFilters = (options.dsos ?? []).length > 0 || (options.symbols ?? []).length > 0;
    this.sitePaths = this.siteTree ? new SitePaths() : undefined;
    this.siteAggregator = this.siteTree && options.siteTreeNodes === true ? new FaultAggregator() : undefined;
  }

  /**
   * Takes one event, in trace order (readTrace's callback). Keeps no event, record or fault access
   * object past the call (the worker's decoder fills them in again for the next fault): only their
   * numbers, strings, frames and stacks.
   */
  readonly add = (event: TraceEvent): void => {
    if (!isSampleEvent(event)) {
      this.learnSideBand(event);
      this.sideBand(event);
      return;
    }
    const e = this.learn(event);
    const t = this.tally(e.record.event);
    if (this.select(e, t)) this.join(e, t);
  };

  /** Another trace's records follow: none pairs with a record of the trace before (src/fault-pairs.ts). */
  readonly traceStart = (): void => {
    this.faultPairs.forget();
  };

  /**
   * Reads ahead the listing code that naming the frames met since the last call will read: for when
   * this thread has caught up with the records and waits for more. Most distinct frames come in the
   * first records, where this thread is what the trace's worker waits for; read then, their code was
   * on the way. No answer changes (FrameResolver.prefetch); what is not read ahead is read when named.
   */
  readonly idle = (): void => {
    const ahead = this.ahead;
    for (let i = 0; i < ahead.length; i++) this.resolver.prefetch(ahead[i]!);
    ahead.length = 0;
  };

  private learnSideBand(e: MmapRecord | TaskRecord | LostRecord): void {
    this.owners.note(e);
    if (e.kind === 'mmap') this.addresses.addMmap(e);
    else if (e.kind !== 'lost') this.addresses.addTask(e);
    this.history.add(e);
    const change = this.timeline.add(e);
    if (change !== undefined) this.slices?.change(change);
  }

  private learn(event: SampleEvent): SampleEvent {
    this.owners.note(event);
    let e = event;
    const ip = this.faultPairs.ip(e);
    this.faultIp = ip;
    const r = this.inlineFrames.record(e.record, e.kind === 'fault', ip);
    if (r !== e.record) e = { ...e, record: r };
    const kind = e.kind;
    if (kind === 'fault') {
      // every fault, filtered or not, ends its thread's call and owns the flushes in its path
      this.timeline.add(e);
      return e;
    }
    const call = kind === 'call' || kind === 'return';
    if (call) this.history.add(e);
    if (call || kind === 'tlb-flush') {
      this.protectionRecords++;
      const change = this.timeline.add(e);
      if (change !== undefined) this.slices?.change(change);
    }
    if (kind === 'call' && FORK_CALLS.has(e.name)) this.forkCalls.set(e.record.tid, this.protectionSites.siteOf(e.record));
    return e;
  }

  private sideBand(e: MmapRecord | TaskRecord | LostRecord): void {
    switch (e.kind) {
      case 'mmap':
        this.inlineFrames.noteDso(e.filename);
        if (e.buildId !== undefined) this.listingSet.noteBuildId(e.filename, e.buildId);
        return;
      case 'fork':
        // a new process, not a new thread of its parent
        if (e.ppid !== undefined && e.ppid !== e.pid && e.pid === e.tid) {
          const child = lifeKey(e.pid, this.owners.life(e.pid));
          this.parents.set(child, lifeKey(e.ppid, this.owners.life(e.ppid)));
          const call = this.forkCalls.get(e.ptid ?? e.ppid);
          if (call !== undefined) this.forkSites.set(child, call);
        }
        return;
      case 'lost':
        this.lost += e.count;
        this.faultPairs.forget();
        return;
      default:
        return;
    }
  }

  private tally(event: string): EventTally {
    if (event === this.lastEvent && this.lastTally !== undefined) return this.lastTally;
    let t = this.tallies.get(event);
    if (t === undefined) {
      t = {
        name: event,
        samples: 0,
        selected: this.chosen !== undefined ? this.chosen.has(event) : isFaultEvent(event),
        userTracepoint: event === 'exceptions:page_fault_user',
        kernelTracepoint: event === 'exceptions:page_fault_kernel',
        read: 0,
        filteredOut: 0,
        noAddress: 0,
        frameless: 0,
        noIp: 0,
        classes: {},
        processes: new Map(),
        lastPid: NaN,
        lastProcess: undefined,
      };
      this.tallies.set(event, t);
    }
    this.lastEvent = event;
    this.lastTally = t;
    return t;
  }

  private select(e: SampleEvent, t: EventTally): boolean {
    const r = e.record;
    t.samples++;
    if (e.kind === 'signal') {
      this.signals.note();
      if (this.keep(r)) this.signals.add(e);
    }
    if (!t.selected) return false;
    t.read++;
    if (this.witnessRecords) this.witness?.note(r.comm, this.owners.processOf(r.pid, r.tid), r.tid, r.time);
    if (this.keep(r)) return true;
    t.filteredOut++;
    return false;
  }

  private join(e: SampleEvent, t: EventTally): void {
    const r = e.record;
    const fault = e.kind === 'fault' ? e.access : undefined;
    const frames = this.faultFrames.of(r, fault, this.faultIp);
    const site = frames.site;
    if (this.siteFilters && !this.sites.keeps(site)) {
      // the tree's pass counts it among what the filters removed, and what they could match
      this.aggregator.addPath(r.event, r.comm, frames, r.period);
      return;
    }
    // perf script printed no frame and the record has no ip: the fault is [unknown]; an empty DWARF
    // chain, or a -F list without ip (no callchain printed either)
    if (r.stack.length === 0 && site.addr === '') {
      if (r.stack === NO_IP_PRINTED) t.noIp += r.period;
      else t.frameless += r.period;
    }
    this.attribute(e, site, t);
    const { cls, group } = this;
    const pid = this.aggregate(r, cls, t);
    const sitePaths = this.sitePaths;
    let path: number;
    if (sitePaths === undefined) path = this.aggregator.addPath(r.event, r.comm, frames, r.period, group, cls);
    else {
      // the call paths' cells are split by site too: the numbers of the paths by site
      path = sitePaths.add(this.aggregator.addPath(r.event, r.comm, frames, r.period, '', cls), group, cls, r.period);
      this.siteAggregator?.addPath(r.event, r.comm, frames, r.period, group, cls);
    }
    this.slices?.add(path, r.time, pid, r.tid, r.comm, this.inRegion, r.period);
  }

  // attribute's answer for the fault being joined: its class, its group in the tree, its region key
  private cls: FaultClass = 'unknown';
  private group = '';
  private inRegion = '';
  // The fault as the timeline and the regions take it, filled in per fault:
  // neither keeps the object (a literal each per fault was most of what the
  // join allocated).
  private readonly noted: Mutable<NotedFault> = { pid: 0, tid: 0, cpu: 0, time: 0, address: 0, errorCode: undefined, site: NO_FRAME, value: 0, family: 0, kernel: false };
  // the last leaf frame's dso, and whether it is no kernel's (faults come in runs of one dso)
  private leafDso = '';
  private leafUser = true;
  private readonly placed: Mutable<RegionFault> = { event: '', pid: 0, tid: 0, time: 0, address: 0, frame: NO_FRAME, class: 'unknown', value: 0, userMode: false };

  // The fault's class, from the protection change covering its page; its region; its group in the tree (this.cls, group, inRegion).
  private attribute(e: SampleEvent, site: Frame, t: EventTally): void {
    const r = e.record;
    const groupBy = this.options.groupBy;
    // with a tree by site wanted beside the call paths, the records keep their site (the paths by site)
    const bySite = groupBy === 'site' || this.siteTree;
    let cls: FaultClass = 'unknown';
    let group = '';
    if (e.kind === 'fault' && !Number.isNaN(e.access.address)) {
      const f = this.noted;
      f.pid = r.pid;
      f.tid = r.tid;
      f.cpu = r.cpu;
      f.time = r.time;
      f.address = e.access.address;
      f.errorCode = e.access.errorCode;
      f.site = site;
      f.value = r.period;
      f.family = e.family;
      f.kernel = t.kernelTracepoint;
      cls = this.timeline.noteFaultClass(f);
      f.site = NO_FRAME;
      // the change's site is its call's stack for now: named when the tree is built (groupName)
      if (bySite) group = this.timeline.notedChange?.site ?? NO_PROTECTION_SITE;
    } else {
      if (e.kind === 'fault') {
        t.noAddress += r.period;
        cls = classifyFault(e.access.errorCode, undefined);
      }
      if (bySite) group = NO_PROTECTION_SITE;
    }
    const p = this.placed;
    p.event = r.event;
    p.pid = r.pid;
    p.tid = r.tid;
    p.time = r.time;
    p.address = e.kind === 'fault' ? e.access.address : NaN;
    p.frame = site;
    p.class = cls;
    p.value = r.period;
    const leaf = r.stack[0];
    if (leaf !== undefined && leaf.dso !== this.leafDso) {
      this.leafDso = leaf.dso;
      this.leafUser = !isKernelDso(leaf.dso);
    }
    p.userMode = t.userTracepoint || (leaf !== undefined && this.leafUser);
    const inRegion = this.regionFaults.add(p);
    p.frame = NO_FRAME;
    if (groupBy === 'region') group = inRegion;
    else if (groupBy === 'thread') group = this.threadGroup(r.pid, r.tid);
    this.cls = cls;
    this.group = group;
    this.inRegion = inRegion;
  }

  // A fault's thread group: `pid 4242`, `pid 4242 (2nd process)` for a later process that had the pid
  // (its life is the one now), then its tid. The first's is named at the end (threadGroupName), once
  // it is known whether the pid was given again.
  private threadGroup(recordPid: number, tid: number): string {
    const pid = this.owners.processOf(recordPid, tid);
    const life = this.owners.life(pid);
    return `${pidLabel(pid, life === 0 ? undefined : life + 1)}${GROUP_LEVELS}tid ${tid}`;
  }

  // `pid 4242` → `pid 4242 (1st process)` where the pid had more than one process
  private readonly threadGroupName = (group: string): string => {
    const at = group.indexOf(GROUP_LEVELS);
    const pid = /^pid (\d+)$/.exec(group.slice(0, at))?.[1];
    return pid !== undefined && this.owners.livesOf(Number(pid)) > 1 ? `${pidLabel(Number(pid), 1)}${group.slice(at)}` : group;
  };

  // The fault in its event's class counts, its process's counts and the time histogram; returns its process (a lifeKey).
  private aggregate(r: SampleRecord, cls: FaultClass, t: EventTally): number {
    const byClass = t.classes;
    byClass[cls] = (byClass[cls] ?? 0) + r.period;
    const pid = this.addresses.processFor(r.pid, r.tid);
    const key = lifeKey(pid, this.owners.life(pid));
    let proc = t.lastProcess;
    if (key !== t.lastPid || proc === undefined) {
      proc = t.processes.get(key);
      if (proc === undefined) t.processes.set(key, (proc = { comm: r.comm, faults: 0, classes: {} }));
      t.lastPid = key;
      t.lastProcess = proc;
    }
    proc.faults += r.period;
    proc.classes[cls] = (proc.classes[cls] ?? 0) + r.period;
    this.histogram.add(r.time, cls, r.period, r.event);
    return key;
  }

  // per event name, one of its counts (for the sections that take them by event)
  private byEvent(count: (t: EventTally) => number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of this.tallies.values()) out[t.name] = count(t);
    return out;
  }

  private get processes(): Record<string, Map<number, ProcessFaults>> {
    const out: Record<string, Map<number, ProcessFaults>> = {};
    for (const t of this.tallies.values()) out[t.name] = t.processes;
    return out;
  }

  private classesOf(events: Iterable<string>): Partial<Record<FaultClass, number>> {
    const out: Partial<Record<FaultClass, number>> = {};
    for (const e of events) for (const [c, v] of Object.entries(this.tallies.get(e)?.classes ?? {})) out[c as FaultClass] = (out[c as FaultClass] ?? 0) + v;
    return out;
  }

  /**
   * The report as the findings read it. Two selected fault families count the
   * same faults twice: the findings read one of them (the first: the
   * tracepoints, whose error codes class the faults). Call after `finish`.
   */
  findingsBasis(report: Report): Report {
    const primary = oneFamily(new Set(report.selectedEvents));
    if (primary === undefined || this.treeOptions === undefined) return report;
    const only = this.aggregator.finish(this.resolver, { ...this.treeOptions, events: primary });
    this.sitePaths?.settleClasses(numberLeaves(only.leaves));
    const onlyClasses = this.classesOf(primary);
    const onlyRegions = this.regionFaults.placed ? regionSection(this.regionFaults, primary, this.sites.keeps, this.protectionSites, this.resolver, only.sites) : undefined;
    return {
      ...report,
      tree: only.tree,
      sites: only.sites,
      classes: onlyClasses,
      processes: processSummaries(this.processes, primary, this.parents, this.forkSite, this.livesOf),
      ...(onlyRegions !== undefined ? { regions: onlyRegions } : {}),
    };
  }

  // A process's fork site (by lifeKey), named once every frame is anchored.
  private readonly forkSite = (key: number): CallSite | undefined => forkSiteOf(this.forkSites.get(key), this.protectionSites);
  private readonly livesOf = (pid: number): number => this.owners.livesOf(pid);

  /** After the last event: the call-path tree, the sections and the warnings, assembled (the tree not yet shaped for display, no findings). */
  finish(inputs: InputSummary[], skipped: SkippedLines): Report {
    const { options, chosen, resolver, aggregator, protectionSites, regionFaults } = this;
    const events = this.byEvent((t) => t.samples);
    const selected = chosen ?? defaultFaultEvents(Object.keys(events));
    // the protection calls' frames count in the verdict on each listing too;
    // their sites are named from here on, once it is known
    for (const f of protectionSites.frames()) resolver.anchor(f);
    const groupBy = options.groupBy;
    this.treeOptions = {
      invert: false, // findings read the call-path tree; inverted when shaped
      dsos: options.dsos ?? [],
      symbols: options.symbols ?? [],
      keeps: this.sites.keeps,
      events: selected,
      inferred: (caller: Frame, callee: Frame) => this.repair.between(caller, callee),
      groupName: groupBy === 'region' ? regionFaults.groupName : groupBy === 'thread' ? this.threadGroupName : protectionSites.siteName,
      ...(groupBy === 'region' ? { groupKind: 'region' as const } : groupBy === 'thread' ? { groupKind: 'comm' as const } : {}),
    };
    const sitePaths = this.sitePaths;
    const result = aggregator.finish(resolver, { ...this.treeOptions, classesSettled: sitePaths !== undefined });
    // the leaves numbered, for the slices and the paths by site (the page's): a report without them needs none
    let numbered: NumberedLeaves | undefined;
    const leaves = (): NumberedLeaves => (numbered ??= numberLeaves(result.leaves));
    // the leaves' classes in the order the paths by site bring them, as they were when those were the aggregator's paths
    sitePaths?.settleClasses(leaves());
    const withSites = sitePaths !== undefined && this.protectionRecords > 0;
    // the reference's frames are the aggregator's, anchored by its finish: anchored again, they would count twice in the verdicts
    const anchored = Object.create(resolver, { anchor: { value: () => undefined } }) as FrameResolver;
    const bySite = withSites ? this.siteAggregator?.finish(anchored, this.treeOptions) : undefined;
    const siteTree = bySite?.tree;
    const split = withSites ? splitLeaves(result.tree, sitePaths, aggregator.allPaths(), leaves(), protectionSites.siteName, (f) => resolver.resolve(f)) : undefined;
    // the tree by site gets the cells too: the page recounts its protection sites for a time window
    const naming = { processOf: (pid: number, tid: number) => this.owners.processOf(pid, tid), livesOf: this.livesOf, regionName: regionFaults.groupName, siteName: protectionSites.siteName };
    const slices = this.slices?.finish(sitePaths !== undefined ? sitePaths.leavesOf(leaves()) : leaves(), naming, bySite !== undefined ? numberLeaves(bySite.leaves) : undefined, split?.placed);
    if (this.witness !== undefined) {
      const unmatched = unmatchedFilters(options, events, this.witness, result.present, chosen !== undefined ? [...selected].join(', ') : 'page-fault');
      if (unmatched.length > 0) throw new InputError(unmatched.join('\n'));
    }
    // each selected family's faults, as the tree counts them: once per event
    const families = [...new Set([...selected].map(faultFamily).filter((f) => f >= 0))].sort();
    const missing = Object.fromEntries([...selected].map((e) => [e, this.tallies.get(e)?.noAddress ?? 0]));
    const reports = (families.length > 0 ? families : [0]).map((f) => this.timeline.report(f));
    // before the warnings: naming repairs the protection stacks (frames marked [inferred])
    const protection = this.protectionRecords > 0 ? protectionSites.finish(combineFamilies(reports, missing)) : undefined;
    const regions = regionFaults.placed ? regionSection(regionFaults, selected, this.sites.keeps, protectionSites, resolver, result.sites) : undefined;

    const sum = (count: (t: EventTally) => number): number => [...selected].reduce((s, e) => { const t = this.tallies.get(e); return s + (t === undefined ? 0 : count(t)); }, 0);
    const selectedClasses = this.classesOf(selected);
    // warnings and notes (src/warnings.ts); what the capture lacks, the capture-quality finding says
    const notices = collectNotices({
      resolver,
      listingSet: this.listingSet,
      listings: this.listings.listings.map((l) => ({ index: l.index, name: l.summary.name })),
      sites: result.sites,
      faultsThrough: (frames) => aggregator.valueThrough(frames, selected, isStartupFrames),
      inlinedWithoutDso: this.inlineFrames.unknown,
      inlinedDsoInferred: this.inlineFrames.inferred,
      inlinedDsoByLabel: this.inlineFrames.byLabel,
      inferred: this.repair.inserted,
      frameless: sum((t) => t.frameless),
      noIp: sum((t) => t.noIp),
      tree: result.tree,
      mangledNames: result.mangledNames,
      decidedEarly: this.sites.changed(),
      events,
      chosen,
      isFaultEvent,
      protection,
      timelineNotes: this.timeline.notes(),
      stopped: protectionSites.stopped,
      // who owns which thread matters to the protection timeline and to --pid
      threadNotes: protection !== undefined || (options.pids ?? []).length > 0 ? this.owners.notes() : [],
      inputs,
    });
    const readCount = sum((t) => t.read);
    const noIp = sum((t) => t.noIp);
    const signals = this.signals.result();
    const filteredCount = sum((t) => t.filteredOut) + result.filtered.records;
    return {
      inputs,
      events,
      lost: this.lost,
      skipped: { lines: skipped.count, examples: skipped.examples.map(formatDiagnostic) },
      selectedEvents: [...selected],
      sites: result.sites,
      tree: result.tree,
      ...(siteTree !== undefined ? { siteTree } : {}),
      ...(split !== undefined ? { siteLeaves: split.siteLeaves } : {}),
      warnings: notices.warnings(),
      notes: notices.notes(),
      processes: processSummaries(this.processes, selected, this.parents, this.forkSite, this.livesOf),
      ...(signals !== undefined ? { signals } : {}),
      timeline: this.histogram.result(selected),
      classes: selectedClasses,
      ...(slices !== undefined ? { slices } : {}),
      ...(protection !== undefined ? { protection } : {}),
      ...(regions !== undefined ? { regions } : {}),
      selection: { read: readCount, kept: readCount - filteredCount, filteredOut: filteredCount },
      ...(noIp > 0 ? { ipNotPrinted: noIp } : {}),
    };
  }
}

/** The selected events of the first fault family, when the selection spans more than one; else undefined. */
function oneFamily(selected: ReadonlySet<string>): Set<string> | undefined {
  const families = [...new Set([...selected].map(faultFamily).filter((f) => f >= 0))].sort();
  if (families.length < 2) return undefined;
  return new Set([...selected].filter((e) => faultFamily(e) === families[0]));
}

// The syscalls that make a new process (or thread: its FORK record tells which).
const FORK_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);

function recordFilter(o: ReportFilterOptions, owners: ThreadOwners): (r: SampleRecord) => boolean {
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
