// The counted paths (src/aggregate.ts) as steps of the fault-path tree
// (src/path-tree.ts): per path its group and comm levels, its callers
// outermost first (each followed by the frame unwinding lost below it), its
// faulting function, inlined frames and instruction; and the faulting
// instructions ranked by event. Each step is made once, when first met.
import type { FaultClass, FaultSite, Frame, NodeKind, SiteCount } from './model.js';
import { basename, isJitDso, isKernelDso } from './dso.js';
import type { AggregatedPath } from './aggregate.js';
import type { FrameResolver } from './join.js';
import { IntPairs } from './int-pairs.js';
import type { PathTreeBuilder } from './path-tree.js';
import type { PathStep } from './tree.js';

/** A counted path as the steps read it: where its frames' ids are (the number of callers, of inlined frames, then the ids: faulting frame, callers leaf first, inlined). */
export interface StepPath extends AggregatedPath {
  readonly at: number;
}

/** What `TreeSteps` is given once for all paths. */
export interface StepOptions {
  readonly resolver: FrameResolver;
  /** The --dso/--symbol decision on a faulting frame. */
  readonly keeps: (siteFrame: Frame) => boolean;
  readonly inferred: ((caller: Frame, callee: Frame) => Frame | undefined) | undefined;
  readonly groupName: ((group: string) => string) | undefined;
  readonly groupKind: NodeKind;
  /** The leaves' classes are given after: none made per path (UNSETTLED in their place). */
  readonly classesSettled: boolean;
}

// A leaf's classes until they are settled: a path's own, made for it, were ~2 MB of the bench capture's
// report kept past a scavenge or two (promoted) only to be replaced.
const UNSETTLED: Readonly<Partial<Record<FaultClass, number>>> = Object.freeze({});

// A faulting frame as the steps use it (by frame id).
interface LeafInfo {
  readonly frame: Frame;
  readonly site: FaultSite;
  readonly kept: boolean;
  records: number;
  // its steps, made when a path of it is first in the tree (-1: not yet; listed -1: none)
  fn: number;
  insn: number;
  listed: number;
  // the ranked entry of the last event counted for it
  ranked: Ranked | undefined;
}

type Ranked = { -readonly [K in keyof SiteCount]: SiteCount[K] };

// One ranked site: of one dso, address, symbol and offset (the address compared by the caller).
function sameSite(r: Ranked, site: FaultSite): boolean {
  return r.dso === site.dso && r.symbol === site.symbol && (r.offset === site.offset || String(r.offset) === String(site.offset));
}

const NONE_LOST = -1;

/**
 * `add` for each path, in order. (A class of small methods, not a loop in
 * FaultAggregator.finish: that function was too big for the optimizing compiler
 * to be done with (~140 ms) before the loop over the bench capture's 30k paths
 * had run to its end in baseline code.)
 */
export class TreeSteps {
  /** Records and value the dso/symbol filters removed. */
  readonly filtered = { records: 0, value: 0 };
  /** The faulting instructions by event, in the order first counted (not yet sorted). */
  readonly ranked: SiteCount[] = [];
  /** By path number: its number in the builder (-1: not in the tree). */
  readonly built: Int32Array;
  // by event, then by the site's address (dso, symbol and offset compared): no key string per faulting frame
  // (a wide capture's 100k: ~20 MB of strings kept to the end of finish)
  private readonly sites = new Map<string, Map<string, Ranked | Ranked[]>>();
  // a caller frame's step, by frame id (-1: not yet)
  private readonly callerSteps: Int32Array;
  // a faulting frame's site, filter decision, steps and ranked entry, by frame id; the records of its paths (`present`, in the order first met)
  private readonly leafOf: (LeafInfo | undefined)[];
  private readonly leafOrder: LeafInfo[] = [];
  // a frame unwinding lost between a caller and its callee: its step, one per lost frame
  private readonly stepOfInferred = new Map<Frame, number>();
  // by (caller id, callee id): that step, or none, so each pair is asked of `inferred` once (asked for every caller
  // of every path, its maps by Frame were ~10 ms of the bench capture's report; a Map by pair key cost more on 100k pairs)
  private readonly lostSteps = new IntPairs();
  // an inlined function's step, at faulting frames of one dso (so a node's name is one string, not one per path)
  private readonly inlinedSteps = new Map<Frame, number>();
  private readonly commSteps = new Map<string, number>();
  private readonly groupSteps = new Map<string, number[]>();
  private readonly stepsMade: readonly PathStep[];

  constructor(
    private readonly builder: PathTreeBuilder,
    private readonly frameList: readonly Frame[],
    private readonly frameIds: Int32Array,
    paths: number,
    private readonly options: StepOptions,
  ) {
    this.built = new Int32Array(paths).fill(-1);
    this.callerSteps = new Int32Array(frameList.length).fill(-1);
    this.leafOf = new Array<LeafInfo | undefined>(frameList.length);
    this.stepsMade = builder.registered();
  }

  /** One path's steps, and its site ranked (unless the filters removed it). */
  add(p: StepPath): void {
    const leaf = this.leaf(p);
    if (!leaf.kept) {
      this.filtered.records += p.records;
      this.filtered.value += p.value;
      return;
    }
    const builder = this.builder;
    if (p.group !== '') this.pushGroup(p.group);
    let commStep = this.commSteps.get(p.comm);
    if (commStep === undefined) this.commSteps.set(p.comm, (commStep = builder.step({ name: p.comm, kind: 'comm' })));
    builder.push(commStep);
    if (this.options.inferred === undefined) this.pushCallers(p.at);
    else this.pushCallersRepaired(p.at);
    if (leaf.fn < 0) this.leafSteps(leaf);
    builder.push(leaf.fn);
    if (leaf.listed >= 0) builder.push(leaf.listed);
    const inlined = p.path.inlined;
    if (inlined.length > 0) this.pushInlined(inlined, leaf.frame.dso);
    builder.push(leaf.insn);
    this.built[p.id] = builder.end(p.value, p.event, this.options.classesSettled ? UNSETTLED : p.classes);
    this.rank(p, leaf);
  }

  /** The faulting dsos and functions (perf's name and the listing's) of the paths added, filtered or not, with their records. */
  present(): { dsos: Map<string, number>; symbols: Map<string, number> } {
    const present = { dsos: new Map<string, number>(), symbols: new Map<string, number>() };
    // in the order the paths met them
    for (const { frame, site, records } of this.leafOrder) {
      present.dsos.set(frame.dso, (present.dsos.get(frame.dso) ?? 0) + records);
      present.symbols.set(frame.symbol, (present.symbols.get(frame.symbol) ?? 0) + records);
      if (site.symbol !== frame.symbol) present.symbols.set(site.symbol, (present.symbols.get(site.symbol) ?? 0) + records);
    }
    return present;
  }

  // The path's faulting frame, with its records counted.
  private leaf(p: StepPath): LeafInfo {
    const siteId = this.frameIds[p.at + 2]!;
    let leaf = this.leafOf[siteId];
    if (leaf === undefined) {
      const siteFrame = this.frameList[siteId]!;
      const site = this.options.resolver.resolve(siteFrame);
      this.leafOf[siteId] = leaf = { frame: siteFrame, site, kept: this.options.keeps(siteFrame), records: 0, fn: -1, insn: -1, listed: -1, ranked: undefined };
      this.leafOrder.push(leaf);
    }
    leaf.records += p.records;
    return leaf;
  }

  private pushGroup(group: string): void {
    let levels = this.groupSteps.get(group);
    if (levels === undefined) {
      const { groupName, groupKind } = this.options;
      const name = groupName !== undefined ? groupName(group) : group;
      this.groupSteps.set(group, (levels = name.split(GROUP_LEVELS).map((level) => this.builder.step({ name: level, kind: groupKind }))));
    }
    for (let i = 0; i < levels.length; i++) this.builder.push(levels[i]!);
  }

  // The callers of the path whose ids are at `at`, outermost first.
  private pushCallers(at: number): void {
    const { frameIds, callerSteps, builder } = this;
    const ids = at + 2;
    for (let i = frameIds[at]!; i >= 1; i--) {
      const id = frameIds[ids + i]!;
      let step = callerSteps[id]!;
      if (step < 0) step = this.callerStep(id);
      builder.push(step);
    }
  }

  // pushCallers, each caller followed by the frame unwinding lost below it.
  private pushCallersRepaired(at: number): void {
    const { frameIds, callerSteps, builder, lostSteps } = this;
    const ids = at + 2;
    for (let i = frameIds[at]!; i >= 1; i--) {
      const id = frameIds[ids + i]!;
      let step = callerSteps[id]!;
      if (step < 0) step = this.callerStep(id);
      builder.push(step);
      const below = frameIds[ids + i - 1]!;
      let lost = lostSteps.get(id, below);
      if (lost === IntPairs.UNKNOWN) lost = this.lostStep(id, below);
      if (lost !== NONE_LOST) builder.push(lost);
    }
  }

  private callerStep(id: number): number {
    return (this.callerSteps[id] = this.builder.step(callerStep(this.frameList[id]!, this.options.resolver)));
  }

  // The step of the frame lost between frames `id` and `below` (its callee as the chain reads), or NONE_LOST.
  private lostStep(id: number, below: number): number {
    const f = this.options.inferred!(this.frameList[id]!, this.frameList[below]!);
    let lost = NONE_LOST;
    if (f !== undefined) {
      const had = this.stepOfInferred.get(f);
      if (had === undefined) this.stepOfInferred.set(f, (lost = this.builder.step(callerStep(f, this.options.resolver))));
      else lost = had;
    }
    this.lostSteps.set(id, below, lost);
    return lost;
  }

  private leafSteps(leaf: LeafInfo): void {
    const { frame, site } = leaf;
    const builder = this.builder;
    leaf.fn = builder.step(functionStep(frame, site));
    leaf.insn = builder.step({ name: instructionName(frame, site), kind: 'instruction', dso: frame.dso, site });
    if (namedByListing(frame, site)) leaf.listed = builder.step({ name: frameName(frame) + INLINED_SUFFIX, kind: 'user', dso: frame.dso });
  }

  // The functions inlined at the faulting frame (of `dso`), outermost first.
  private pushInlined(inlined: readonly Frame[], dso: string): void {
    const builder = this.builder;
    for (let i = inlined.length - 1; i >= 0; i--) {
      const f = inlined[i]!;
      let step = this.inlinedSteps.get(f);
      if (step === undefined || this.stepsMade[step]!.dso !== dso) {
        step = builder.step({ name: frameName(f) + INLINED_SUFFIX, kind: 'user', dso });
        if (!this.inlinedSteps.has(f)) this.inlinedSteps.set(f, step);
      }
      builder.push(step);
    }
  }

  private rank(p: StepPath, leaf: LeafInfo): void {
    if (leaf.ranked !== undefined && leaf.ranked.event === p.event) {
      leaf.ranked.count += p.value;
      return;
    }
    let ofEvent = this.sites.get(p.event);
    if (ofEvent === undefined) this.sites.set(p.event, (ofEvent = new Map()));
    const site = leaf.site;
    const there = ofEvent.get(site.address);
    let s = there === undefined ? undefined : Array.isArray(there) ? there.find((r) => sameSite(r, site)) : sameSite(there, site) ? there : undefined;
    if (s === undefined) {
      s = { event: p.event, ...site, count: p.value };
      if (there === undefined) ofEvent.set(site.address, s);
      else if (Array.isArray(there)) there.push(s);
      else ofEvent.set(site.address, [there, s]);
      this.ranked.push(s);
    } else s.count += p.value;
    leaf.ranked = s;
  }
}

/** Separates the levels of a group name: `pid 16060` → `tid 16061` are two nodes. */
export const GROUP_LEVELS = '\0';

export function frameKind(f: Frame): NodeKind {
  if (f.inferred === true) return 'inferred';
  if (isKernelDso(f.dso)) return 'kernel';
  if (isJitDso(f.dso)) return 'jit';
  return 'user';
}

/** perf's symbol; for an unknown one, FlameGraph's `[dso basename]`, else `[unknown]`. */
export function frameName(f: Frame): string {
  if (f.symbol !== '' && f.symbol !== '[unknown]') return f.symbol;
  if (f.dso.startsWith('[')) return f.dso;
  if (f.dso !== '') return `[${basename(f.dso)}]`;
  return '[unknown]';
}

/** Inlined functions say so in their name, as perf report prints them. */
export const INLINED_SUFFIX = ' (inlined)';

/** Inferred frames say so in their name, so every output (text, folded, SVG) shows it. */
export const INFERRED_SUFFIX = ' [inferred]';

function callerStep(f: Frame, resolver: FrameResolver): PathStep {
  if (f.inferred === true) return { name: f.symbol + INFERRED_SUFFIX, kind: 'inferred', dso: f.dso };
  if (f.inlined === true || f.dso === 'inlined') return { name: frameName(f) + INLINED_SUFFIX, kind: 'user', dso: f.dso };
  let name = frameName(f);
  if (f.symbol === '' || f.symbol === '[unknown]') {
    const s = resolver.resolve(f);
    if (s.resolved) name = s.symbol;
  }
  return { name, kind: frameKind(f), dso: f.dso };
}

function functionStep(f: Frame, site: FaultSite): PathStep {
  const name = site.resolved ? site.symbol : frameName(f);
  return { name: f.inlined === true && !namedByListing(f, site) ? name + INLINED_SUFFIX : name, kind: frameKind(f), dso: f.dso };
}

// A leaf perf printed only `(inlined)` that a listing resolved: the site is the
// listing's function (perf report's), the inlined frame stays drawn above it.
function namedByListing(f: Frame, site: FaultSite): boolean {
  return f.inlined === true && site.resolved && site.symbol !== f.symbol;
}

/** `0x1195: mov %rsi,(%rdi) [guard.c:63]` when resolved, else perf's `sym+0xoff` or `0xaddr`. */
export function instructionName(f: Frame, site: FaultSite): string {
  if (site.resolved) {
    const src = site.source !== undefined ? ` [${basename(site.source)}]` : '';
    return `0x${site.address}: ${site.instruction ?? ''}${src}`;
  }
  if (f.symbol !== '' && f.symbol !== '[unknown]' && f.offset >= 0) return `${f.symbol}+0x${f.offset.toString(16)}`;
  if (f.addr !== '') return `0x${f.addr}`;
  return frameName(f);
}
