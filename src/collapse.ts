// Folded stacks from perf script, byte for byte what FlameGraph's
// stackcollapse-perf.pl prints (brendangregg/FlameGraph at 41fee1f99f92; the 78
// cases of its corpus under test/conformance/flamegraph/, the shapes under
// test/conformance/shapes/ and the sample traces are the proof).
//
// The reference's state machine runs here on the lines PerfScriptScanner
// classifies (parsers/perf-script-scan.ts): frame lines arrive as integer ids
// of their bytes, named once per distinct line by the reference's rules
// (src/collapse-frame.ts), and stacks are counted in a hash table keyed by
// their root and frame ids (src/collapse-stacks.ts). A callchain seen before
// arrives as one run, whose stack under the same root is remembered. Text
// stays latin1 (one char per byte), so bytes that are not UTF-8 come out as
// they went in, and sorting compares bytes as Perl's `sort` does.
//
// Where the reference loses samples, faultpath keeps them (README: collapse):
//   - the last record of a file that does not end with a blank line is kept
//     (the reference drops it, FlameGraph issue #230);
//   - a header line ends the record before it, as a blank line does: the
//     reference merges back-to-back headers (output without a callchain) into
//     one sample, and such a record contributes its header's ip frame (the
//     reference prints the comm alone);
//   - side-band lines (PERF_RECORD_*, `LOST n events!`) end a record and are
//     not samples (the reference takes them for headers and counts each one
//     followed by a blank line as a sample);
//   - right-aligned headers (`perf script -G`, or no callchain) and headers
//     without a comm are read (the reference reads no header that starts with
//     a blank).
import { PerfScriptScanner, perfScriptScanFormat, LINE_BLANK, LINE_FRAME, LINE_FRAMES, LINE_HEADER, type ScanLine } from '../parsers/perf-script-scan.js';
import { readInput, type ReadInputOptions } from '../parsers/input.js';
import { SNIFF_LINES } from '../parsers/format.js';
import { HEADERLESS_SCRIPT, isHeaderlessScript } from '../parsers/perf-script-sniff.js';
import { InputError } from './errors.js';
import { collapseFrame, looksLikeFrame } from './collapse-frame.js';
import { StackTable } from './collapse-stacks.js';
import { Folder } from './collapse-fold.js';
import { grown } from './grown.js';
import type { DiagnosticSink } from './model.js';

export { collapseFrame } from './collapse-frame.js';

export interface CollapseOptions {
  /** Include the process id in the root frame: `comm-PID` (`comm-?` when perf printed only a tid). Default false. */
  pid?: boolean;
  /** Include process and thread id: `comm-PID/TID`. Wins over `pid`. Default false. */
  tid?: boolean;
  /** Annotate kernel frames (dso `[…]` other than `[unknown]`, or `…vmlinux`) with `_[k]`. Default false. */
  kernel?: boolean;
  /** Annotate JIT frames (dso `/tmp/perf-PID.map`) with `_[j]`. Default false. */
  jit?: boolean;
  /** All annotations: `kernel` and `jit`. Default false. */
  all?: boolean;
  /** Name unknown frames with their address: `[dso <addr>]`, `[unknown <addr>]`. Default false. */
  addrs?: boolean;
  /**
   * Keep only samples of this event. Default: the event of the first header that ends with its event
   * name; as in the reference, a header with fields after the name (a tracepoint payload, `-F +addr`)
   * names no event and is always kept.
   */
  eventFilter?: string;
  /** Keep every event, each apart (`totals(event)`), for callers that choose later (worker threads). Default false. */
  everyEvent?: boolean;
  /** Lines that fit no known shape. Default: none. */
  onDiagnostic?: DiagnosticSink;
}

/** The bucket of samples whose header names no event (always kept). */
export const NO_EVENT = '';

const UNRECOGNISED = false;
const RESERVED_RUNS = 1 << 18;
type Name = string | null | typeof UNRECOGNISED;

/** Streaming aggregator over classified lines; memory follows distinct stacks, not records. */
export class Collapser {
  private readonly o: Required<Omit<CollapseOptions, 'eventFilter' | 'onDiagnostic'>>;
  private readonly sink: DiagnosticSink | undefined;
  /** Input name for diagnostics (collapseInput sets it). */
  source = '-';
  private event: string | undefined;
  private firstEvent: string | undefined;
  // the events dropped, in the order first met, and their record counts (the first few looked up
  // by ===: a capture drops one or two events, the records of which take turns with the kept)
  private readonly droppedEvents: string[] = [];
  private readonly droppedCounts: number[] = [];
  private readonly droppedIndex = new Map<string, number>();
  private readonly records = new Map<string, number>();
  // the open record
  private pname: string | undefined;
  private root = -1;
  private period = 1;
  private java = false;
  private headerSlot = 0;
  // the header ends with its event (`… event:`): no ip frame after it (a frame ends with `(dso)`)
  private headerEndsWithEvent = false;
  private stack = new Int32Array(256);
  private depth = 0;
  private lastWasFrame = false;
  private scan: ScanLine | undefined;
  // the previous header's task and bucket, and the root they gave
  private lastComm: string | undefined;
  private lastPid = '';
  private lastTid = '';
  private lastBucket = '';
  private lastPname = '';
  private lastRoot = -1;
  // names per frame id, apart for Java processes (tidy_java)
  private readonly names: Name[] = [];
  private readonly javaNames: Name[] = [];
  // per frame id, whether it looks like a frame (for lines outside records)
  private readonly frameShape: (boolean | undefined)[] = [];
  // roots (bucket and process name) by key, with their key and java flag by root id
  private readonly roots = new Map<string, number>();
  private readonly rootKeys: string[] = [];
  private readonly rootJava: boolean[] = [];
  private readonly stacks = new StackTable();
  // per callchain run (LINE_FRAMES): the stack it made under a root (-1: no frame of it named, so the
  // header's may be), the root + 1 (0: none yet), its lines the reference cannot read there (index + 1
  // in badLines, 0: none), and whether its lines look like frames (1) or not (2 + the index in badLines
  // of those that do not) where no record is open (0: not checked yet); reserved large, as zero-filled
  // fresh pages are backed only where written
  private runStack = new Int32Array(RESERVED_RUNS);
  private runRoot = new Int32Array(RESERVED_RUNS);
  private runBad = new Int32Array(RESERVED_RUNS);
  private runShape = new Int32Array(RESERVED_RUNS);
  private readonly badLines: Int32Array[] = [];
  // the run of the open record: its stack when known (hit), else the run whose stack flush notes, and
  // the lines of it the reference cannot read (offsets from its first)
  private hit = -1;
  private pendingRun = -1;
  private pendingBad = new Int32Array(16);
  private pendingBadCount = 0;
  // lines before the first header still to ask whether this is perf script printed without headers
  private sniffing = SNIFF_LINES;

  constructor(options: CollapseOptions = {}) {
    this.o = {
      pid: options.pid ?? false,
      tid: options.tid ?? false,
      kernel: (options.kernel ?? false) || (options.all ?? false),
      jit: (options.jit ?? false) || (options.all ?? false),
      all: options.all ?? false,
      addrs: options.addrs ?? false,
      everyEvent: options.everyEvent ?? false,
    };
    this.event = options.eventFilter;
    this.sink = options.onDiagnostic;
  }

  /** One classified line (from PerfScriptScanner). */
  readonly line = (l: ScanLine): void => {
    this.scan = l;
    switch (l.kind) {
      case LINE_FRAME:
        this.frameLine(l);
        return;
      case LINE_FRAMES:
        this.frameRun(l);
        this.lastWasFrame = true;
        return;
      case LINE_HEADER:
        this.sniffing = 0;
        this.flush();
        this.headerLine(l);
        break;
      case LINE_BLANK:
        this.flush();
        break;
      default: // side-band
        this.sniffing = 0;
        this.flush();
    }
    this.lastWasFrame = false;
  };

  /** The input starts mid-file (a byte range after the first): its first lines are no file's first lines. */
  startsMidFile(): void {
    this.sniffing = 0;
  }

  /** Flushes the last record (kept even without a blank line after it). */
  end(): void {
    this.flush();
  }

  /** The folded lines (`frame;frame;… count`, latin1 text), sorted as Perl's `sort` does, and the dropped events with their record counts. */
  result(): { lines: string[]; droppedEvents: Record<string, number> } {
    return { lines: this.folder().lines(), droppedEvents: this.dropped() };
  }

  /** result()'s lines, each ended by a newline, as latin1 text in pieces of whole lines (piecesOf's), and the dropped events. */
  folded(): { folded: string[]; droppedEvents: Record<string, number> } {
    return { folded: this.folder().pieces(), droppedEvents: this.dropped() };
  }

  /** The event kept (the filter, else the first header's event), undefined before any. */
  get keptEvent(): string | undefined {
    return this.o.everyEvent ? this.firstEvent : this.event;
  }

  /** Headers read per event (`everyEvent`), NO_EVENT for those that name none. */
  get recordsPerEvent(): ReadonlyMap<string, number> {
    return this.records;
  }

  /** Count per folded stack text, unsorted; with `everyEvent`, of one event's samples. */
  totals(event?: string, into: Map<string, number> = new Map()): Map<string, number> {
    const prefix = this.o.everyEvent ? (event ?? NO_EVENT) + '\0' : '';
    const rootText = this.rootKeys.map((key) => (key.startsWith(prefix) ? key.slice(prefix.length) : undefined));
    const parts: string[] = [];
    const stacks = this.stacks;
    for (let s = 0; s < stacks.count; s++) {
      const v = stacks.value(s);
      const root = stacks.root(s);
      const r = rootText[root];
      if (r === undefined || v === 0) continue;
      const java = this.rootJava[root]!;
      const frames = stacks.frames(s);
      parts.length = 0;
      parts.push(r);
      for (let k = frames.length - 1; k >= 0; k--) parts.push(this.nameOf(frames[k]!, java) as string);
      // one flat string (a chain of concatenations would be flattened again by every compare of the sort)
      const t = parts.join(';');
      into.set(t, (into.get(t) ?? 0) + v);
    }
    return into;
  }

  private drop(event: string): void {
    const events = this.droppedEvents;
    const few = Math.min(events.length, 4);
    for (let k = 0; k < few; k++) {
      if (events[k] === event) {
        this.droppedCounts[k]!++;
        return;
      }
    }
    const k = this.droppedIndex.get(event);
    if (k !== undefined) {
      this.droppedCounts[k]!++;
      return;
    }
    this.droppedIndex.set(event, events.length);
    events.push(event);
    this.droppedCounts.push(1);
  }

  private dropped(): Record<string, number> {
    return Object.fromEntries(this.droppedEvents.map((e, k) => [e, this.droppedCounts[k]!]));
  }

  // totals()' stacks, merged by their folded text through ids (src/collapse-fold.ts)
  private folder(): Folder {
    const folder = new Folder((id, java) => this.nameOf(id, java) as string);
    const prefix = this.o.everyEvent ? NO_EVENT + '\0' : '';
    const roots = this.rootKeys.map((key) => (key.startsWith(prefix) ? folder.rootSegments(key.slice(prefix.length)) : undefined));
    folder.addAll(this.stacks, roots, this.rootJava);
    return folder;
  }

  private headerLine(l: ScanLine): void {
    const event = l.event;
    let bucket = '';
    if (event !== undefined) {
      this.firstEvent ??= event;
      if (this.o.everyEvent) {
        bucket = event;
        this.records.set(event, (this.records.get(event) ?? 0) + 1);
      } else if (this.event === undefined) {
        this.event = event;
      } else if (event !== this.event) {
        this.drop(event);
        return; // its frames are skipped: no pname
      }
    } else if (this.o.everyEvent) {
      this.records.set(NO_EVENT, (this.records.get(NO_EVENT) ?? 0) + 1);
    }
    this.period = l.period;
    this.headerSlot = l.headerSlot;
    this.headerEndsWithEvent = event !== undefined;
    this.depth = 0;
    this.hit = -1;
    this.pendingRun = -1;
    this.pendingBadCount = 0;
    // the scanner hands out the same strings while a task's bytes repeat
    if (l.comm === this.lastComm && l.pid === this.lastPid && l.tid === this.lastTid && bucket === this.lastBucket) {
      this.pname = this.lastPname;
      this.root = this.lastRoot;
      this.java = this.rootJava[this.root]!;
      return;
    }
    // `if (not $tid) { $tid = $pid; $pid = "?" }`
    let pid = l.pid;
    let tid = l.tid;
    if (tid === '' || tid === '0') {
      tid = pid;
      pid = '?';
    }
    const raw = this.o.tid ? `${l.comm}-${pid}/${tid}` : this.o.pid ? `${l.comm}-${pid}` : l.comm;
    const pname = raw.includes(' ') ? raw.replaceAll(' ', '_') : raw;
    this.pname = pname;
    this.java = pname.startsWith('java');
    const key = this.o.everyEvent ? bucket + '\0' + pname : pname;
    let root = this.roots.get(key);
    if (root === undefined) {
      root = this.rootKeys.length;
      this.rootKeys.push(key);
      this.rootJava.push(this.java);
      this.roots.set(key, root);
    }
    this.root = root;
    this.lastComm = l.comm;
    this.lastPid = l.pid;
    this.lastTid = l.tid;
    this.lastBucket = bucket;
    this.lastPname = pname;
    this.lastRoot = root;
  }

  private frameLine(l: ScanLine): void {
    const srclinePlace = this.lastWasFrame && l.spaceIndented;
    this.lastWasFrame = true;
    if (this.pname === undefined) {
      if (this.sniffing > 0) this.sniff(l);
      if (!srclinePlace && !this.looksLikeFrame(l)) this.bad(l);
      return;
    }
    const id = l.frameId();
    const name = this.nameOf(id, this.java);
    if (name === UNRECOGNISED) {
      // perf's srcline lines (`-F +srcline`) that the reference cannot read are its warnings, not ours
      if (!srclinePlace) this.bad(l);
      return;
    }
    if (name === null) return; // a frame the reference skips
    this.push(id);
  }

  // A line outside a record (a dropped event's callchain): a tab-indented one is interned and
  // checked once per distinct line, as a record's frames are (and so its records' callchains
  // become runs); others are decoded and checked each time.
  private looksLikeFrame(l: ScanLine): boolean {
    if (!l.tabbed) return looksLikeFrame(l.text());
    return this.frameShaped(l, l.frameId());
  }

  // Whether the distinct frame line `id` looks like a frame (checked once per id).
  private frameShaped(l: ScanLine, id: number): boolean {
    return (this.frameShape[id] ??= looksLikeFrame(l.frameText(id)));
  }

  // perf script printed without record headers (-F ip,sym,symoff,dso,addr) is the one error report
  // gives it (parsers/sniff.ts), not a bad line per line, or with no -g no line and no stack at all
  private sniff(l: ScanLine): void {
    this.sniffing--;
    if (isHeaderlessScript(l.text())) throw new InputError(`${this.source}: ${HEADERLESS_SCRIPT}`);
  }

  private push(id: number): void {
    if (this.depth === this.stack.length) this.stack = grown(this.stack, this.depth + 1);
    this.stack[this.depth++] = id;
  }

  // A record's whole callchain seen before (tab-indented frame lines, an empty line after it):
  // the stack it made under this root last time, else its frames one by one as frameLine reads them.
  private frameRun(l: ScanLine): void {
    const run = l.run;
    if (run >= this.runRoot.length) this.growRuns(run);
    if (this.pname !== undefined && this.depth === 0 && this.runRoot[run] === this.root + 1) {
      const bad = this.runBad[run]!;
      if (bad > 0) this.badAgain(l, this.badLines[bad - 1]!);
      this.hit = this.runStack[run]!;
      return;
    }
    if (this.pname === undefined) {
      if (this.runShape[run] === 0) this.shapeRun(l, run);
      const odd = this.runShape[run]! - 2;
      if (odd >= 0) this.badAgain(l, this.badLines[odd]!);
      return;
    }
    const ids = l.runFrameIds(run);
    const fresh = this.depth === 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      const name = this.nameOf(id, this.java);
      if (name === UNRECOGNISED) {
        this.bad(l, l.line + k);
        if (fresh) this.noteBad(k);
      } else if (name !== null) this.push(id);
    }
    if (fresh) this.pendingRun = run;
  }

  // Whether the run's lines look like frames where no record is open: runShape 1, else 2 + the index
  // in badLines of the lines that do not.
  private shapeRun(l: ScanLine, run: number): void {
    const ids = l.runFrameIds(run);
    const odd: number[] = [];
    for (let k = 0; k < ids.length; k++) if (!this.frameShaped(l, ids[k]!)) odd.push(k);
    this.runShape[run] = odd.length === 0 ? 1 : 2 + this.badLines.push(Int32Array.from(odd)) - 1;
  }

  // The run's lines at these offsets from its first, which its first meeting found bad, are bad again.
  private badAgain(l: ScanLine, offsets: Int32Array): void {
    for (let k = 0; k < offsets.length; k++) this.bad(l, l.line + offsets[k]!);
  }

  private noteBad(k: number): void {
    if (this.pendingBadCount === this.pendingBad.length) this.pendingBad = grown(this.pendingBad, this.pendingBadCount + 1);
    this.pendingBad[this.pendingBadCount++] = k;
  }

  // The open record's run gave stack s (-1: no frame of it named): kept for its next record under this root.
  private noteRun(s: number): void {
    const run = this.pendingRun;
    this.runStack[run] = s;
    this.runRoot[run] = this.root + 1;
    // (which lines the reference cannot read is the run's own, under any root: its rule reads the line alone)
    if (this.pendingBadCount > 0 && this.runBad[run] === 0) this.runBad[run] = this.badLines.push(this.pendingBad.slice(0, this.pendingBadCount));
    this.pendingRun = -1;
    this.pendingBadCount = 0;
  }

  private growRuns(run: number): void {
    const n = Math.max(run + 1, this.runRoot.length * 2);
    const stack = new Int32Array(n);
    stack.set(this.runStack);
    this.runStack = stack;
    const root = new Int32Array(n);
    root.set(this.runRoot);
    this.runRoot = root;
    const bad = new Int32Array(n);
    bad.set(this.runBad);
    this.runBad = bad;
    const shape = new Int32Array(n);
    shape.set(this.runShape);
    this.runShape = shape;
  }

  private bad(l: ScanLine, line = l.line): void {
    const reason =
      this.pname !== undefined
        ? 'expected a callchain frame (<hex address> <symbol> (<dso>)), a srcline, a record header or a blank line'
        : 'expected a record header: comm [pid/]tid [cpu] time: [period] event: …, or a PERF_RECORD_* line';
    this.sink?.({ source: this.source, line, reason });
  }

  private flush(): void {
    if (this.pname === undefined) return;
    this.pname = undefined;
    if (this.hit >= 0) {
      this.stacks.addTo(this.hit, this.period);
      this.hit = -1;
      return;
    }
    const named = this.depth > 0;
    // (a frame the reference names holds ` (dso)`: a header without ` (` and `)` after it has none)
    if (!named && this.scan !== undefined && !this.headerEndsWithEvent && this.scan.headerHasParens(this.headerSlot)) {
      const id = this.scan.headerIpFrame(this.headerSlot);
      if (id >= 0 && typeof this.nameOf(id, this.java) === 'string') this.stack[this.depth++] = id;
    }
    const s = this.stacks.add(this.root, this.stack, this.depth, this.period);
    if (this.pendingRun >= 0) this.noteRun(named ? s : -1);
    this.depth = 0;
  }

  private nameOf(id: number, java: boolean): Name {
    const cache = java ? this.javaNames : this.names;
    let name = cache[id];
    if (name === undefined) {
      name = collapseFrame(this.scan!.frameText(id), java, this.o.kernel, this.o.jit, this.o.addrs);
      cache[id] = name;
    }
    return name;
  }
}

/** Collapses one perf script input (`-`, .gz, or a byte range of a file) on the byte path. */
export async function collapseInput(
  path: string,
  collapser: Collapser,
  options: Pick<ReadInputOptions<ScanLine, never>, 'stdin' | 'range' | 'progress' | 'onDiagnostic'> = {},
): Promise<{ lines: number }> {
  collapser.source = path;
  if (options.range !== undefined && options.range.start > 0) collapser.startsMidFile();
  const read = await readInput(path, { ...options, formats: [perfScriptScanFormat], onRecord: collapser.line });
  collapser.end();
  return { lines: read.lines };
}

/** Folded lines (`frame;frame;… count`) of stack totals, sorted as Perl's `sort` does on bytes (the text is latin1). */
export function foldedLines(totals: ReadonlyMap<string, number>): string[] {
  const keys = [...totals.keys()].sort();
  return keys.map((k) => `${k} ${totals.get(k) ?? 0}`);
}

/** Collapses lines of perf script given as text (tests, library use); the folded lines and event names come back as UTF-8 text. */
export function collapseLines(lines: Iterable<string>, options: CollapseOptions = {}): { lines: string[]; droppedEvents: Record<string, number> } {
  const toLatin1 = (s: string): string => Buffer.from(s).toString('latin1');
  const fromLatin1 = (s: string): string => Buffer.from(s, 'latin1').toString();
  const c = new Collapser({ ...options, ...(options.eventFilter !== undefined ? { eventFilter: toLatin1(options.eventFilter) } : {}) });
  const scanner = new PerfScriptScanner({ source: '-' }, c.line);
  for (const l of lines) scanner.write(Buffer.from(l + '\n'));
  scanner.end();
  c.end();
  const r = c.result();
  return { lines: r.lines.map(fromLatin1), droppedEvents: Object.fromEntries(Object.entries(r.droppedEvents).map(([k, v]) => [fromLatin1(k), v])) };
}
