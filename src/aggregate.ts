// Fault records → distinct raw paths (keyed by interned frames) → the named
// fault-path tree and the ranked faulting instructions.
//
// Records are aggregated by frame identity while streaming; names are given
// once per distinct frame at the end, when every listing anchor is known. So
// memory follows distinct paths, and the result does not depend on the order
// frames were seen.
import type { FaultClass, Frame, NodeKind, SiteCount, TreeNode } from './model.js';
import { basename, cmp } from './dso.js';
import { named, type FrameResolver } from './join.js';
import { grown } from './grown.js';
import { PathTreeBuilder } from './path-tree.js';
import { invertTree } from './tree.js';
import { TreeSteps } from './tree-steps.js';

export { frameKind, frameName, GROUP_LEVELS, INFERRED_SUFFIX, INLINED_SUFFIX, instructionName } from './tree-steps.js';

/**
 * A record's frames as the tree takes them: the faulting frame, its callers
 * (leaf first) and the functions inlined at it. Records of a stack that repeats
 * pass the same object, so its frames are hashed once and compared by identity.
 */
export interface PathFrames {
  readonly site: Frame;
  /** The callers are these frames from `callersFrom` on (default 0): a record's stack, shared rather than copied per distinct stack. */
  readonly callers: readonly Frame[];
  readonly callersFrom?: number;
  readonly inlined: readonly Frame[];
  /** The frames' hash, by the aggregator that computed it, and the paths (of that aggregator) they were counted in: one, or a few (by group). */
  hash?: number;
  hashedBy?: FaultAggregator;
  lastPath?: unknown;
}

/** A distinct path as counted: its frames, event, comm and group, and its value in all and by class. */
export interface AggregatedPath {
  readonly id: number;
  readonly path: PathFrames;
  readonly event: string;
  readonly comm: string;
  readonly group: string;
  readonly value: number;
  readonly records: number;
  readonly classes: Readonly<Partial<Record<FaultClass, number>>>;
}

class RawPath implements AggregatedPath {
  records = 1;
  // its value by class: all of `cls` (`byClass` undefined) until a second class comes or `classes` is read
  private cls: FaultClass;
  private clsValue: number;
  private byClass: Partial<Record<FaultClass, number>> | undefined = undefined;

  constructor(
    readonly id: number,
    /** Where its frames' ids are in the aggregator's `frameIds`: the number of callers, of inlined frames, then the ids (faulting frame, callers leaf first, inlined). */
    readonly at: number,
    readonly path: PathFrames,
    readonly event: string,
    readonly comm: string,
    /** Outermost grouping level (a protection site with --group-by site), or ''. */
    readonly group: string,
    public value: number,
    cls: FaultClass,
  ) {
    this.cls = cls;
    this.clsValue = value;
  }

  /** One more record. */
  add(value: number, cls: FaultClass): void {
    this.value += value;
    this.records++;
    const by = this.byClass;
    if (by === undefined && cls === this.cls) this.clsValue += value;
    else this.classes[cls] = (this.classes[cls] ?? 0) + value;
  }

  /**
   * Value per fault class, in the order the classes came. One object from its first reading on (a
   * tree's leaf may hold it): made then, where a path of one class, most, needs none while counted.
   */
  get classes(): Partial<Record<FaultClass, number>> {
    return (this.byClass ??= { [this.cls]: this.clsValue });
  }
}

export interface TreeOptions {
  /** Leaf first (caller graph), like `perf report -G` inverted. Default false. */
  invert?: boolean;
  /** Keep a path only if its faulting frame's dso (path or basename) is one of these. Default: all. */
  dsos?: readonly string[];
  /** Keep a path only if its faulting function (perf's name or the listing's) is one of these. Default: all. */
  symbols?: readonly string[];
  /** The dso/symbol decision on a faulting frame, when the caller made it already (so every section agrees). Default: `siteFilter` of dsos and symbols. */
  keeps?: (siteFrame: Frame) => boolean;
  /** Name of the root node. Default 'all'. */
  rootName?: string;
  /** Events to include. Default: all that were added. */
  events?: ReadonlySet<string>;
  /** The frame unwinding lost between a caller and the frame it called, inserted between them in every path; undefined: none. Default: none. */
  inferred?: (caller: Frame, callee: Frame) => Frame | undefined;
  /** Names a path's group (a provisional protection-site key → the site's name, known only now); groups named alike are one node. Default: the group as added. */
  groupName?: (group: string) => string;
  /** The node kind of the groups. Default 'protection-site'. */
  groupKind?: NodeKind;
  /** The caller gives every leaf its classes after (SitePaths.settleClasses): the leaves get an empty placeholder, not their paths' classes. Default false. */
  classesSettled?: boolean;
}


/** The --dso/--symbol filters as `finish` applies them to a record's faulting frame: true when kept. */
export function siteFilter(resolver: FrameResolver, options: Pick<TreeOptions, 'dsos' | 'symbols'>): (siteFrame: Frame) => boolean {
  const dsos = options.dsos && options.dsos.length > 0 ? new Set(options.dsos) : undefined;
  const symbols = options.symbols && options.symbols.length > 0 ? new Set(options.symbols) : undefined;
  return (f) => {
    if (dsos !== undefined && !dsos.has(f.dso) && !dsos.has(basename(f.dso))) return false;
    return symbols === undefined || symbols.has(f.symbol) || symbols.has(resolver.resolve(f).symbol);
  };
}

/**
 * The --dso/--symbol decision made once per faulting frame, as its first fault is
 * read, so that every section (tree, classes, timeline, protection sites,
 * regions) counts the same faults. A frame perf named keeps its name, so the
 * decision is final; one perf could not name is named by the listing, which
 * is anchored on it first. `changed` lists the frames whose decision the
 * anchors read later would have turned.
 */
export function siteDecision(resolver: FrameResolver, options: Pick<TreeOptions, 'dsos' | 'symbols'>): { keeps: (siteFrame: Frame) => boolean; changed: () => Frame[] } {
  const filter = siteFilter(resolver, options);
  const bySymbol = options.symbols !== undefined && options.symbols.length > 0;
  // no filter keeps every frame: nothing to remember (a map of every faulting frame, 100k on a wide capture)
  if (!bySymbol && (options.dsos === undefined || options.dsos.length === 0)) return { keeps: () => true, changed: () => [] };
  const decided = new Map<Frame, boolean>();
  const early: Frame[] = [];
  return {
    keeps: (f) => {
      let k = decided.get(f);
      if (k === undefined) {
        if (bySymbol && !named(f)) {
          resolver.anchor(f);
          early.push(f);
        }
        k = filter(f);
        decided.set(f, k);
      }
      return k;
    },
    changed: () => early.filter((f) => filter(f) !== decided.get(f)),
  };
}

export interface AggregateResult {
  readonly tree: TreeNode;
  readonly sites: SiteCount[];
  /** Records and value the dso/symbol filters removed. */
  readonly filtered: { records: number; value: number };
  /** By path number (`add`'s result): the node that holds its self value, or undefined when the path is not in the tree. */
  readonly leaves: (TreeNode | undefined)[];
  /** The faulting dsos and functions (perf's name and the listing's) of the chosen events before those filters, with their records: what a filter could have matched. */
  readonly present: { dsos: Map<string, number>; symbols: Map<string, number> };
  /** Whether a node other than an instruction may be named as a mangled C++ name is (`_Z…`); false: none is (src/warnings.ts need not look). */
  readonly mangledNames: boolean;
}

export class FaultAggregator {
  private readonly ids = new Map<Frame, number>();
  // the frames by id
  private readonly frameList: Frame[] = [];
  // each path's frames as ids (RawPath.at), and those of the frames last hashed (of `scratchOf`)
  private frameIds = new Int32Array(1 << 12);
  private frameIdsUsed = 0;
  // (past perf's default stack depth, 127 frames: growing it threw away the optimized addPath)
  private scratch = new Int32Array(256);
  private scratchOf: PathFrames | undefined;
  private readonly names = new Map<string, number>();
  // Paths by a hash of their ids, compared frame by frame on a hit: cheaper
  // than building and hashing a string key per record.
  private readonly byHash = new Map<number, RawPath | RawPath[]>();
  private readonly paths: RawPath[] = [];
  private last = { event: '', comm: '', group: '\0', ids: 0 };
  // the resolver `finish` anchored the frames in, and how many
  private anchoredIn: FrameResolver | undefined;
  private anchored = 0;

  /**
   * `hashMask` keeps hashes small integers (cheap Map keys); tests narrow it to make paths collide.
   * `onFrame` is told each distinct frame as it is first seen (to read ahead what `finish` will need of it).
   */
  constructor(
    private readonly hashMask = 0x3fffffff,
    private readonly onFrame?: (frame: Frame) => void,
  ) {}

  /** Adds one record: its faulting frame, the callers above it (leaf first) and its period. Returns its path's number (`AggregateResult.leaves`). */
  add(event: string, comm: string, site: Frame, callers: readonly Frame[], value: number, group = '', inlined: readonly Frame[] = NONE, cls: FaultClass = 'unknown'): number {
    return this.addPath(event, comm, { site, callers, callersFrom: 0, inlined }, value, group, cls);
  }

  /** `add` with the frames as one object, which a repeated stack passes again. */
  addPath(event: string, comm: string, path: PathFrames, value: number, group = '', cls: FaultClass = 'unknown'): number {
    // a stack's records are mostly in one path, or a few (its faults' protection sites, with a tree by site): no hash lookup for them
    const known = path.lastPath as RawPath | RawPath[] | undefined;
    if (known !== undefined && path.hashedBy === this) {
      if (!Array.isArray(known)) {
        if (known.event === event && known.comm === comm && known.group === group) return this.count(known, value, cls);
      } else {
        for (let i = 0; i < known.length; i++) {
          const q = known[i]!;
          if (q.event === event && q.comm === comm && q.group === group) return this.count(q, value, cls);
        }
      }
    }
    // the paths it knows are another aggregator's
    if (path.hashedBy !== this) path.lastPath = undefined;
    // consecutive records mostly share event, comm and group
    if (event !== this.last.event || comm !== this.last.comm || group !== this.last.group) {
      this.last = { event, comm, group, ids: mix(mix(this.nameId(event), this.nameId(comm)), this.nameId(group)) };
    }
    const h = mix(this.framesHash(path), this.last.ids) & this.hashMask;
    const hit = this.byHash.get(h);
    if (hit !== undefined) {
      const p = Array.isArray(hit) ? hit.find((q) => samePath(q, event, comm, group, path)) : samePath(hit, event, comm, group, path) ? hit : undefined;
      if (p !== undefined) {
        remember(path, p);
        return this.count(p, value, cls);
      }
    }
    const p = new RawPath(this.paths.length, this.keepIds(path), path, event, comm, group, value, cls);
    this.paths.push(p);
    remember(path, p);
    if (hit === undefined) this.byHash.set(h, p);
    else if (Array.isArray(hit)) hit.push(p);
    else this.byHash.set(h, [hit, p]);
    return p.id;
  }

  /** Distinct frames seen, for the resolver's anchoring pass. */
  frames(): IterableIterator<Frame> {
    return this.ids.keys();
  }

  /** The value of the paths (of `events`) that hold any of `frames`, of those that faulted at one, and of those `startup` says are program start-up. */
  valueThrough(frames: ReadonlySet<Frame>, events?: ReadonlySet<string>, startup?: (path: readonly Frame[]) => boolean): { through: number; at: number; startup: number } {
    let through = 0;
    let at = 0;
    let early = 0;
    for (const p of this.paths) {
      if (events !== undefined && !events.has(p.event)) continue;
      const { site, callers } = p.path;
      if (frames.has(site)) at += p.value;
      let hit = frames.has(site);
      for (let i = p.path.callersFrom ?? 0; !hit && i < callers.length; i++) hit = frames.has(callers[i]!);
      if (hit) {
        through += p.value;
        if (startup?.(framesOf(p.path)) === true) early += p.value;
      }
    }
    return { through, at, startup: early };
  }

  get distinctPaths(): number {
    return this.paths.length;
  }

  /** The paths in `add`'s order (their numbers): what a second grouping of `finish`'s leaves reads (src/site-leaves.ts). */
  allPaths(): readonly AggregatedPath[] {
    return this.paths;
  }

  finish(resolver: FrameResolver, options: TreeOptions = {}): AggregateResult {
    // a second finish (the findings' one family, the tree by site) anchors no frame again: each anchor
    // would make the resolver work out every frame's instruction and unwinding again
    if (this.anchoredIn !== resolver) {
      this.anchoredIn = resolver;
      this.anchored = 0;
    }
    let n = 0;
    for (const f of this.ids.keys()) if (n++ >= this.anchored) resolver.anchor(f);
    this.anchored = n;
    // room for every path's steps: its frames, each caller's lost callee, comm and group levels (pages never written cost nothing)
    const paths = this.paths;
    let room = 0;
    for (let i = 0; i < paths.length; i++) room += 2 * this.frameIds[paths[i]!.at]! + this.frameIds[paths[i]!.at + 1]! + 8;
    const builder = new PathTreeBuilder(options.rootName ?? 'all', this.paths.length, room);
    const steps = new TreeSteps(builder, this.frameList, this.frameIds, this.paths.length, {
      resolver,
      keeps: options.keeps ?? siteFilter(resolver, options),
      inferred: options.inferred,
      groupName: options.groupName,
      groupKind: options.groupKind ?? 'protection-site',
      classesSettled: options.classesSettled === true,
    });
    const events = options.events;
    for (let i = 0; i < paths.length; i++) if (events === undefined || events.has(paths[i]!.event)) steps.add(paths[i]!);
    const { filtered, ranked, built } = steps;
    const present = steps.present();
    const stepsMade = builder.registered();
    const made = builder.finish();
    // by path number, made when first read: a report without slices or paths by site needs none (a chain's leaf is made for it)
    let leaves: (TreeNode | undefined)[] | undefined;
    const leavesOf = (all: readonly TreeNode[]): (TreeNode | undefined)[] => (leaves ??= pathLeaves(built, all));
    let tree = made.tree;
    if (options.invert === true) tree = invertTree(tree);
    ranked.sort((a, b) => b.count - a.count || cmp(a.dso, b.dso) || cmp(a.address, b.address) || cmp(a.event, b.event));
    // every node is named by one of these steps (a homonym's dso only appended): a few hundred names, not a walk of the tree
    const mangledNames = mangledName(options.rootName ?? 'all') || stepsMade.some((step) => step.kind !== 'instruction' && mangledName(step.name));
    return { tree, sites: ranked, filtered, present, mangledNames, get leaves() { return leavesOf(made.leaves); } };
  }

  private count(p: RawPath, value: number, cls: FaultClass): number {
    p.add(value, cls);
    return p.id;
  }

  // The frames' hash; their ids are left in `scratch` (when not known from an earlier record).
  private framesHash(path: PathFrames): number {
    if (path.hashedBy === this) return path.hash!;
    const { callers, inlined } = path;
    const from = path.callersFrom ?? 0;
    const nCallers = callers.length - from;
    const n = 1 + nCallers + inlined.length;
    if (this.scratch.length < n) this.scratch = new Int32Array(2 * n);
    const ids = this.scratch;
    let id = this.id(path.site);
    ids[0] = id;
    let h = mix(0x811c9dc5, id);
    for (let i = 0; i < nCallers; i++) {
      id = this.id(callers[from + i]!);
      ids[1 + i] = id;
      h = mix(h, id);
    }
    h = mix(h, -1);
    for (let i = 0; i < inlined.length; i++) {
      id = this.id(inlined[i]!);
      ids[1 + nCallers + i] = id;
      h = mix(h, id);
    }
    this.scratchOf = path;
    path.hash = h;
    path.hashedBy = this;
    return h;
  }

  // A new path's frame ids, kept in `frameIds` (once for the paths of one stack): where they start.
  private keepIds(path: PathFrames): number {
    const known = path.lastPath as RawPath | RawPath[] | undefined;
    if (known !== undefined) return Array.isArray(known) ? known[0]!.at : known.at;
    const { callers, inlined } = path;
    const from = path.callersFrom ?? 0;
    const nCallers = callers.length - from;
    const n = 1 + nCallers + inlined.length;
    if (this.frameIdsUsed + n + 2 > this.frameIds.length) this.frameIds = grown(this.frameIds, this.frameIdsUsed + n + 2);
    const at = this.frameIdsUsed;
    const out = this.frameIds;
    out[at] = nCallers;
    out[at + 1] = inlined.length;
    if (this.scratchOf === path) for (let i = 0; i < n; i++) out[at + 2 + i] = this.scratch[i]!;
    else {
      // a stack hashed for an earlier record, of another event, comm or group
      out[at + 2] = this.id(path.site);
      for (let i = 0; i < nCallers; i++) out[at + 3 + i] = this.id(callers[from + i]!);
      for (let i = 0; i < inlined.length; i++) out[at + 3 + nCallers + i] = this.id(inlined[i]!);
    }
    this.frameIdsUsed = at + n + 2;
    return at;
  }

  private id(f: Frame): number {
    let id = this.ids.get(f);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(f, id);
      this.frameList.push(f);
      this.onFrame?.(f);
    }
    return id;
  }

  private nameId(s: string): number {
    return idIn(this.names, s);
  }
}

// A number per distinct key, in the order the keys were first seen.
function idIn<K>(ids: Map<K, number>, key: K): number {
  let id = ids.get(key);
  if (id === undefined) {
    id = ids.size;
    ids.set(key, id);
  }
  return id;
}

function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193);
}

// Paths a stack's records were counted in, for the next record of the stack: up to KNOWN_PATHS, then the last one.
function remember(path: PathFrames, p: RawPath): void {
  const known = path.lastPath as RawPath | RawPath[] | undefined;
  if (known === undefined) path.lastPath = p;
  else if (!Array.isArray(known)) path.lastPath = [known, p];
  else if (known.length < KNOWN_PATHS) known.push(p);
  else path.lastPath = p;
}

const KNOWN_PATHS = 8;

function samePath(p: RawPath, event: string, comm: string, group: string, path: PathFrames): boolean {
  if (p.event !== event || p.comm !== comm || p.group !== group) return false;
  if (p.path === path) return true;
  const { site, callers, inlined } = path;
  const q = p.path;
  const from = path.callersFrom ?? 0;
  const qFrom = q.callersFrom ?? 0;
  const n = callers.length - from;
  if (q.callers.length - qFrom !== n || q.inlined.length !== inlined.length || q.site !== site) return false;
  for (let i = 0; i < n; i++) if (q.callers[qFrom + i] !== callers[from + i]) return false;
  for (let i = 0; i < inlined.length; i++) if (q.inlined[i] !== inlined[i]) return false;
  return true;
}

/** The faulting frame, then its callers (leaf first, as perf prints), in `into` when given: made when asked, not kept per path. */
function framesOf(path: PathFrames, into?: Frame[]): Frame[] {
  const from = path.callersFrom ?? 0;
  const n = path.callers.length - from;
  const frames = into ?? new Array<Frame>(n + 1);
  frames.length = n + 1;
  frames[0] = path.site;
  for (let i = 0; i < n; i++) frames[i + 1] = path.callers[from + i]!;
  return frames;
}

/** A path's callers (leaf first) as an array of their own. */
export function pathCallers(path: PathFrames): Frame[] {
  return path.callers.slice(path.callersFrom ?? 0);
}

const NONE: readonly Frame[] = [];

// As src/warnings.ts tells a name still in its C++ mangling (instruction nodes aside).
function mangledName(name: string): boolean {
  return name.startsWith('_Z');
}

// By path number, its leaf (`all` by the builder's path number, `built` the builder's number of each path, -1: none).
// (A loop: Array.from over a typed array with a function to map was ~3 ms of the bench capture's report.)
function pathLeaves(built: Int32Array, all: readonly TreeNode[]): (TreeNode | undefined)[] {
  const leaves: (TreeNode | undefined)[] = [];
  for (let p = 0; p < built.length; p++) {
    const b = built[p]!;
    leaves.push(b >= 0 ? all[b] : undefined);
  }
  return leaves;
}
