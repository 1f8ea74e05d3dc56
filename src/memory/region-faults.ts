// The faults placed in their memory regions: per region, faults by class,
// distinct and repeating pages, major faults; the faults in no region, and
// why. Tallied per (event, faulting frame) so the report's event choice and
// its --dso/--symbol filters, known only at the end, apply to the regions
// exactly as to the tree: the table adds up to the tree's total.
//
// major-faults/minor-faults samples count the faults the tracepoints show:
// the kernel counts a fault (mm_account_fault) after handling it, so the
// sample follows the same thread's tracepoint record, at the same instruction
// and (with perf record -d) the same page:
//   regions 11151 [000] 287.863594:  exceptions:page_fault_user: address=0x7f09ea1dc000 ip=0x55c6ec5b62ea error_code=0x4
//   regions 11151       287.863838:          1                major-faults:
//   	            12ea read_pages+0x11 (/work/wt/regions/samples/regions/regions)
import { type OutsideReason, regionGroupName, type RegionsSection, type RegionView } from './region-types.js';
import type { FaultClass } from '../fault-class.js';
import type { Frame } from '../../parsers/records.js';
import { isRuntimeDso } from '../dso.js';
import { faultFamily } from '../events.js';
import { fromMap } from './summary.js';
import { type AddressHistory, EXEC_SITE, type Placement, type Region } from './address-history.js';
import { PAGE, PageCounts } from './page-counts.js';
import { ordinal } from '../process-life.js';

// per event, by faulting frame (interned by the parser): a wide capture has a bucket per instruction, so no key each
type Tally = Map<string, Map<Frame, Bucket>>;

/** A fault as the pipeline knows it. */
export interface RegionFault {
  readonly event: string;
  readonly pid: number;
  readonly tid: number;
  readonly time: number;
  /** The data address; NaN when the event has none. */
  readonly address: number;
  /** The faulting frame (the tree's leaf), interned by the parser. */
  readonly frame: Frame;
  readonly class: FaultClass;
  readonly value: number;
  /** The fault came from user mode (a page_fault_user tracepoint, or a sample whose leaf frame is not the kernel's). */
  readonly userMode: boolean;
}

/** How a region's creating site is named once the listings' verdict is known. */
export interface SiteNaming {
  /** Provisional site key → its name. */
  name(key: string): string;
  /** The dso of a named site, when known. */
  dso(key: string): string | undefined;
  /** Whether the site's chains stop inside the runtime (no caller outside libc and ld.so, no entry point). Default: every runtime site. */
  stopped?(key: string): boolean;
}

// Declared here, not in region-types.ts: the page's script bundles that file, and its minifier names
// by the characters of every module it reaches, types included (a field there renames the page's script).
declare module './region-types.js' {
  interface RegionsSection {
    /** Of `unaddressed`, tracepoint faults printed without their payload (perf script -F without trace), which holds the address; absent when none. */
    readonly unaddressedTracepoint?: number;
  }
}

type OutsideKind = OutsideReason['reason'];

const OUTSIDE_TEXT: Record<OutsideKind, string> = {
  'no-mmap-records': 'the trace has no PERF_RECORD_MMAP2 records: print them with perf script --show-mmap-events (perf record -d records the data mappings too)',
  'no-data-mmaps': 'the trace has MMAP2 records of executable mappings only: perf record -d (or --data) records the data mappings as well',
  'before-trace': 'the process was running before the trace began and its mappings were not recorded: record the program from its start (perf record -- PROG), or with -d so perf reads its maps',
  unmapped: 'in no mapping the trace knows: an address never mapped (a wild or freed pointer), or mapped by a call the trace missed',
};

const HOT_PAGES = 8;
const NO_ADDRESS = '\0noaddr';
const OUTSIDE = '\0outside ';
const REGION = '\0region ';

/** Collects faults per region; `section` builds Report.regions at the end. */
export class RegionFaults {
  private readonly byRegion = new Map<Region, Tally>();
  private readonly outside = new Map<OutsideKind, Tally>();
  private readonly unaddressed: Tally = new Map();
  private readonly regionKeys = new Map<Region, string>();
  private readonly outsideKeys = new Map<OutsideKind, string>();
  private readonly eventBases = new Map<string, string>();
  // per thread: its last tracepoint fault not yet counted by a minor/major sample
  private readonly pending = new Map<number, { bucket: Bucket; ip: string; page: number }>();
  private lastTally: Tally | undefined;
  private lastEvent = '';
  private lastByFrame: Map<Frame, Bucket> | undefined;
  // the last placement, its tally and its key
  private lastAt: Placement | undefined;
  private lastAtTally: Tally | undefined;
  private lastAtGroup = '';
  // the last event joined, and what it is: a tracepoint, major-faults, minor-faults or another
  private joinEvent = '';
  private joinKind: 'tracepoint' | 'major' | 'minor' | 'other' = 'other';
  private matched = 0;
  private unmatched = 0;
  private tracepoints = false;
  private counted = false;

  constructor(private readonly history: AddressHistory) {}

  /** Places one fault; returns its --group-by region key. */
  add(f: RegionFault): string {
    let tally: Tally;
    let group: string;
    let inRegion = false;
    let page = NaN;
    if (Number.isNaN(f.address)) {
      tally = this.unaddressed;
      group = NO_ADDRESS;
    } else {
      page = f.address - (f.address % PAGE);
      const at = this.history.place(f.pid, f.tid, f.address, f.userMode);
      // runs of one placement are the rule: its tally and key without a lookup
      if (at === this.lastAt) {
        tally = this.lastAtTally!;
        group = this.lastAtGroup;
        inRegion = typeof at !== 'string';
      } else if (typeof at !== 'string') {
        // one key string per region (the slices hash it per fault)
        let t = this.byRegion.get(at);
        if (t === undefined) this.byRegion.set(at, (t = new Map()));
        tally = t;
        inRegion = true;
        let key = this.regionKeys.get(at);
        if (key === undefined) this.regionKeys.set(at, (key = REGION + at.id));
        group = key;
      } else {
        let t = this.outside.get(at);
        if (t === undefined) this.outside.set(at, (t = new Map()));
        tally = t;
        let key = this.outsideKeys.get(at);
        if (key === undefined) this.outsideKeys.set(at, (key = OUTSIDE + at));
        group = key;
      }
      this.lastAt = at;
      this.lastAtTally = tally;
      this.lastAtGroup = group;
    }
    // runs of one event into one tally are the rule
    let byFrame = this.lastByFrame;
    if (tally !== this.lastTally || f.event !== this.lastEvent || byFrame === undefined) {
      byFrame = tally.get(f.event);
      if (byFrame === undefined) tally.set(f.event, (byFrame = new Map()));
      this.lastTally = tally;
      this.lastEvent = f.event;
      this.lastByFrame = byFrame;
    }
    let bucket = byFrame.get(f.frame);
    if (bucket === undefined) byFrame.set(f.frame, (bucket = inRegion ? new RegionBucket(f.event, f.frame) : new Bucket(f.event, f.frame)));
    bucket.add(f, page);
    this.join(f, bucket, page);
    return group;
  }

  /** The name of a --group-by region key, at the end. */
  readonly groupName = (key: string): string => {
    if (key === NO_ADDRESS) return '[no data address]';
    if (key.startsWith(OUTSIDE)) return `[outside every known region: ${key.slice(OUTSIDE.length)}]`;
    const r = this.history.regions[Number(key.slice(REGION.length))];
    return r === undefined ? key : regionGroupName({ name: r.name, start: hex(r.start), end: hex(r.end), pid: r.pid, ...this.life(r.pid, r.life) });
  };

  /**
   * Report.regions for the events shown and the faulting frames `keeps`
   * lets through (the tree's filters). `majorSites` receives, per event and
   * faulting frame, how many of its faults were major.
   */
  section(events: ReadonlySet<string>, keeps: (f: Frame) => boolean, naming: SiteNaming, majorOf?: (event: string, frame: Frame, major: number) => void): RegionsSection {
    const sum = (tally: Tally | undefined): Summed => summed(tally, events, keeps, majorOf);
    const regions: RegionView[] = [];
    for (const [region, tally] of this.byRegion) {
      const s = sum(tally);
      if (s.value > 0) regions.push(this.view(region, s, naming));
    }
    regions.sort((a, b) => b.faults - a.faults || a.pid - b.pid || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const reasons: OutsideReason[] = [];
    let outside = 0;
    for (const [reason, tally] of this.outside) {
      const s = sum(tally);
      if (s.value === 0) continue;
      outside += s.value;
      reasons.push({ reason, faults: s.value, text: OUTSIDE_TEXT[reason] });
    }
    reasons.sort((a, b) => b.faults - a.faults);
    // a tracepoint's address is in its payload: it has none only where perf script's -F list left out trace
    const tracepoints = new Map([...this.unaddressed].filter(([event]) => faultFamily(event) === 0));
    const unaddressedTracepoint = summed(tracepoints, events, keeps).value;
    return {
      regions,
      outsideRegions: { faults: outside, reasons },
      unaddressed: sum(this.unaddressed).value,
      ...(unaddressedTracepoint > 0 ? { unaddressedTracepoint } : {}),
      mapped: this.history.regions.length,
      ...(this.tracepoints && this.counted ? { majorJoin: { matched: this.matched, unmatched: this.unmatched } } : {}),
    };
  }

  // RegionView.life (1, 2…) of a region mapped in the `life`th process (from 0) of `pid`: only where the pid had more than one
  private life(pid: number, life: number): { life?: number } {
    return this.history.livesOf(pid) > 1 ? { life: life + 1 } : {};
  }

  /** Whether any fault was placed (had a data address). */
  get placed(): boolean {
    return this.byRegion.size > 0 || this.outside.size > 0;
  }

  private view(r: Region, s: Summed, naming: SiteNaming): RegionView {
    let site: string | null = null;
    let siteNote: string | undefined;
    if (r.site === EXEC_SITE) site = EXEC_SITE;
    else if (r.site !== '') {
      site = naming.name(r.site);
      const dso = naming.dso(r.site);
      // a chain that reaches the entry point is complete: ld.so mapping a library at start-up
      if (dso !== undefined && isRuntimeDso(dso) && (naming.stopped?.(r.site) ?? true)) {
        siteNote = 'the chain ends in libc/ld.so, which frame pointers cannot unwind: perf record --call-graph dwarf names the caller';
      }
    } else if (r.call === 'before-trace') siteNote = 'mapped before the trace began';
    else siteNote = this.history.syscalls ? 'perf recorded the mapping while no mapping call of its thread was open' : 'the trace has no mmap syscall records: perf record -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap -g names the call that mapped each region';
    if (r.call === 'fork') {
      const from = r.from === undefined ? '?' : this.history.livesOf(r.from) > 1 ? `${r.from} (${ordinal((r.fromLife ?? 0) + 1)} process)` : String(r.from);
      siteNote = `inherited at fork from pid ${from}${siteNote !== undefined ? `; ${siteNote}` : ''}`;
    }
    const hot = [...s.pages].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, HOT_PAGES);
    return {
      pid: r.pid,
      ...this.life(r.pid, r.life),
      name: r.name,
      kind: r.kind,
      start: hex(r.start),
      end: hex(r.end),
      prot: r.prot,
      call: r.call,
      site,
      ...(siteNote !== undefined ? { siteNote } : {}),
      time: Number.isNaN(r.time) ? null : r.time,
      faults: s.value,
      classes: fromMap(s.classes),
      major: s.major,
      pages: s.pages.size,
      repeatPages: [...s.pages.values()].filter((n) => n > 1).length,
      firstFault: s.first,
      lastFault: s.last,
      hotPages: hot.map(([page, faults]) => ({ page: hex(page), faults })),
    };
  }

  private join(f: RegionFault, bucket: Bucket, page: number): void {
    // the frame's address only: an inlined leaf of a software event may lack the dso its tracepoint got through ip=
    const ip = f.frame.addr;
    if (f.event !== this.joinEvent) {
      this.joinEvent = f.event;
      this.joinKind = joinKind(f.event, this.eventBases);
    }
    const kind = this.joinKind;
    if (kind === 'tracepoint') {
      this.tracepoints = true;
      this.pending.set(f.tid, { bucket, ip, page });
      return;
    }
    if (kind === 'other') return;
    this.counted = true;
    const p = this.pending.get(f.tid);
    if (p === undefined || p.ip !== ip || (!Number.isNaN(page) && page !== p.page)) {
      this.unmatched++;
      return;
    }
    this.pending.delete(f.tid);
    this.matched++;
    if (kind === 'major') p.bucket.major += f.value;
  }
}

function joinKind(event: string, bases: Map<string, string>): 'tracepoint' | 'major' | 'minor' | 'other' {
  if (event.startsWith('exceptions:page_fault_')) return 'tracepoint';
  let base = bases.get(event);
  if (base === undefined) bases.set(event, (base = event.replace(/[:/].*$/, '')));
  return base === 'major-faults' ? 'major' : base === 'minor-faults' ? 'minor' : 'other';
}

interface Summed {
  value: number;
  major: number;
  classes: Map<FaultClass, number>;
  pages: Map<number, number>;
  first: number;
  last: number;
}

function summed(tally: Tally | undefined, events: ReadonlySet<string>, keeps: (f: Frame) => boolean, majorOf?: (event: string, frame: Frame, major: number) => void): Summed {
  const s: Summed = { value: 0, major: 0, classes: new Map(), pages: new Map(), first: Infinity, last: -Infinity };
  for (const [event, byFrame] of tally ?? []) {
    if (!events.has(event)) continue;
    const majorEvent = event.replace(/[:/].*$/, '') === 'major-faults';
    for (const b of byFrame.values()) if (keeps(b.frame)) b.sumInto(s, majorEvent, majorOf);
  }
  return s;
}

/** The faults of one event at one faulting frame outside every region (or with no data address): the section counts them only. */
class Bucket {
  value = 0;
  major = 0;

  constructor(
    readonly event: string,
    readonly frame: Frame,
  ) {}

  add(f: RegionFault, _page: number): void {
    this.value += f.value;
  }

  /** Adds the bucket to its region's sums; `majorEvent`: its event counts major faults. */
  sumInto(s: Summed, majorEvent: boolean, majorOf: ((event: string, frame: Frame, major: number) => void) | undefined): void {
    s.value += this.value;
    const major = majorEvent ? this.value : this.major;
    s.major += major;
    if (major > 0) majorOf?.(this.event, this.frame, major);
  }
}

/** The faults of one event at one faulting frame in one region, with their classes, pages and times: the first class and page inline (most buckets of a wide capture see one of each). */
class RegionBucket extends Bucket {
  private first = NaN;
  private last = NaN;
  private cls: FaultClass | undefined = undefined;
  private clsValue = 0;
  private classes: Map<FaultClass, number> | undefined = undefined;
  private page = NaN;
  private pageValue = 0;
  private pages: PageCounts | undefined = undefined;

  override add(f: RegionFault, page: number): void {
    const by = f.value;
    this.value += by;
    if (this.classes !== undefined) bump(this.classes, f.class, by);
    else if (this.cls === undefined || this.cls === f.class) {
      this.cls = f.class;
      this.clsValue += by;
    } else this.classes = new Map([[this.cls, this.clsValue], [f.class, by]]);
    if (this.pages !== undefined) this.pages.add(page, by);
    else if (Number.isNaN(this.page) || this.page === page) {
      this.page = page;
      this.pageValue += by;
    } else {
      this.pages = new PageCounts(this.page, this.pageValue);
      this.pages.add(page, by);
    }
    if (f.time < this.first || Number.isNaN(this.first)) this.first = f.time;
    if (f.time > this.last || Number.isNaN(this.last)) this.last = f.time;
  }

  override sumInto(s: Summed, majorEvent: boolean, majorOf: ((event: string, frame: Frame, major: number) => void) | undefined): void {
    super.sumInto(s, majorEvent, majorOf);
    if (this.classes !== undefined) this.classes.forEach((n, c) => bump(s.classes, c, n));
    else if (this.cls !== undefined) bump(s.classes, this.cls, this.clsValue);
    if (this.pages !== undefined) this.pages.forEach((p, n) => bump(s.pages, p, n));
    else if (!Number.isNaN(this.page)) bump(s.pages, this.page, this.pageValue);
    s.first = Math.min(s.first, this.first);
    s.last = Math.max(s.last, this.last);
  }
}

function bump<K>(m: Map<K, number>, k: K, by: number): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
