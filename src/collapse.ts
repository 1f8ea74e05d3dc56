// Folded stacks from perf script, byte for byte what FlameGraph's
// stackcollapse-perf.pl prints (brendangregg/FlameGraph at 41fee1f99f92; the 78
// cases of its corpus under test/conformance/flamegraph/, the shapes under
// test/conformance/shapes/ and the sample traces are the proof).
//
// The reference's state machine runs here on the lines PerfScriptScanner
// classifies (parsers/perf-script-scan.ts): frame lines arrive as integer ids
// of their bytes, named once per distinct line by the reference's rules, and
// stacks are counted in a hash table keyed by their root and frame ids. Text
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
import { PerfScriptScanner, perfScriptScanFormat, LINE_BLANK, LINE_FRAME, LINE_HEADER, type ScanLine } from '../parsers/perf-script-scan.js';
import { readInput, type ReadInputOptions } from '../parsers/input.js';
import { frameStarts } from '../parsers/perf-script.js';
import type { DiagnosticSink } from './model.js';

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
type Name = string | null | typeof UNRECOGNISED;

/** Streaming aggregator over classified lines; memory follows distinct stacks, not records. */
export class Collapser {
  private readonly o: Required<Omit<CollapseOptions, 'eventFilter' | 'onDiagnostic'>>;
  private readonly sink: DiagnosticSink | undefined;
  /** Input name for diagnostics (collapseInput sets it). */
  source = '-';
  private event: string | undefined;
  private firstEvent: string | undefined;
  private readonly dropped: Record<string, number> = {};
  private readonly records = new Map<string, number>();
  // the open record
  private pname: string | undefined;
  private root = -1;
  private period = 1;
  private java = false;
  private headerSlot = 0;
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
  // roots (bucket and process name) by key, with their key and java flag by root id
  private readonly roots = new Map<string, number>();
  private readonly rootKeys: string[] = [];
  private readonly rootJava: boolean[] = [];
  // distinct stacks: root, frame ids (leaf first) at [start, start + length) of the data, summed value; found through one hash table
  private stackRoot = new Int32Array(1024);
  private stackStart = new Int32Array(1024);
  private stackLength = new Int32Array(1024);
  private stackValue = new Float64Array(1024);
  private stacks = 0;
  private data = new Int32Array(1 << 14);
  private dataUsed = 0;
  private table = new Int32Array(2048).fill(-1);
  private hashes = new Int32Array(2048);
  private mask = 2047;

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
      case LINE_HEADER:
        this.flush();
        this.headerLine(l);
        break;
      case LINE_BLANK:
        this.flush();
        break;
      default: // side-band
        this.flush();
    }
    this.lastWasFrame = false;
  };

  /** Flushes the last record (kept even without a blank line after it). */
  end(): void {
    this.flush();
  }

  /** The folded lines (`frame;frame;… count`, latin1 text), sorted as Perl's `sort` does, and the dropped events with their record counts. */
  result(): { lines: string[]; droppedEvents: Record<string, number> } {
    return { lines: foldedLines(this.totals()), droppedEvents: { ...this.dropped } };
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
    for (let s = 0; s < this.stacks; s++) {
      const v = this.stackValue[s]!;
      const root = this.stackRoot[s]!;
      const r = rootText[root];
      if (r === undefined || v === 0) continue;
      const java = this.rootJava[root]!;
      const start = this.stackStart[s]!;
      parts.length = 0;
      parts.push(r);
      for (let k = start + this.stackLength[s]! - 1; k >= start; k--) parts.push(this.nameOf(this.data[k]!, java) as string);
      // one flat string (a chain of concatenations would be flattened again by every compare of the sort)
      const t = parts.join(';');
      into.set(t, (into.get(t) ?? 0) + v);
    }
    return into;
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
        this.dropped[event] = (this.dropped[event] ?? 0) + 1;
        return; // its frames are skipped: no pname
      }
    } else if (this.o.everyEvent) {
      this.records.set(NO_EVENT, (this.records.get(NO_EVENT) ?? 0) + 1);
    }
    this.period = l.period;
    this.headerSlot = l.headerSlot;
    this.depth = 0;
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
      if (!srclinePlace && !looksLikeFrame(l.text())) this.bad(l);
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
    if (this.depth === this.stack.length) {
      const s = new Int32Array(this.stack.length * 2);
      s.set(this.stack);
      this.stack = s;
    }
    this.stack[this.depth++] = id;
  }

  private bad(l: ScanLine): void {
    const reason =
      this.pname !== undefined
        ? 'expected a callchain frame (<hex address> <symbol> (<dso>)), a srcline, a record header or a blank line'
        : 'expected a record header: comm [pid/]tid [cpu] time: [period] event: …, or a PERF_RECORD_* line';
    this.sink?.({ source: this.source, line: l.line, reason });
  }

  private flush(): void {
    if (this.pname === undefined) return;
    this.pname = undefined;
    if (this.depth === 0 && this.scan !== undefined) {
      const ip = headerIpFrame(this.scan.headerText(this.headerSlot));
      if (ip !== undefined) {
        const id = this.scan.internText(ip);
        if (typeof this.nameOf(id, this.java) === 'string') this.stack[this.depth++] = id;
      }
    }
    // the stack's (root, frame ids) found by its hash, or added
    const stack = this.stack;
    const depth = this.depth;
    const root = this.root;
    let h = Math.imul(root ^ 0x5bd1e995, 0x9e3779b1) ^ depth;
    for (let k = 0; k < depth; k++) h = Math.imul(h ^ stack[k]!, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & this.mask;
    for (;;) {
      const s = this.table[slot]!;
      if (s < 0) break;
      if (this.hashes[slot] === h && this.stackRoot[s] === root && this.stackLength[s] === depth && this.sameStack(s)) {
        this.stackValue[s] = this.stackValue[s]! + this.period;
        this.depth = 0;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    const s = this.addStack(root, depth);
    this.stackValue[s] = this.period;
    this.table[slot] = s;
    this.hashes[slot] = h;
    if (this.stacks * 2 > this.mask) this.rehash();
    this.depth = 0;
  }

  private sameStack(s: number): boolean {
    const data = this.data;
    const stack = this.stack;
    const start = this.stackStart[s]!;
    for (let k = 0; k < this.depth; k++) if (data[start + k] !== stack[k]) return false;
    return true;
  }

  private addStack(root: number, depth: number): number {
    const s = this.stacks++;
    if (s === this.stackRoot.length) {
      const n = s * 2;
      this.stackRoot = growTo(this.stackRoot, new Int32Array(n));
      this.stackStart = growTo(this.stackStart, new Int32Array(n));
      this.stackLength = growTo(this.stackLength, new Int32Array(n));
      this.stackValue = growTo(this.stackValue, new Float64Array(n));
    }
    if (this.dataUsed + depth > this.data.length) this.data = growTo(this.data, new Int32Array(Math.max(this.data.length * 2, this.dataUsed + depth)));
    this.data.set(this.stack.subarray(0, depth), this.dataUsed);
    this.stackRoot[s] = root;
    this.stackStart[s] = this.dataUsed;
    this.stackLength[s] = depth;
    this.dataUsed += depth;
    return s;
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

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const table = new Int32Array(size).fill(-1);
    const hashes = new Int32Array(size);
    for (let slot = 0; slot <= this.mask; slot++) {
      const s = this.table[slot]!;
      if (s < 0) continue;
      let to = this.hashes[slot]! & mask;
      while (table[to]! >= 0) to = (to + 1) & mask;
      table[to] = s;
      hashes[to] = this.hashes[slot]!;
    }
    this.table = table;
    this.hashes = hashes;
    this.mask = mask;
  }
}

function growTo<T extends Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Collapses one perf script input (`-`, .gz, or a byte range of a file) on the byte path. */
export async function collapseInput(
  path: string,
  collapser: Collapser,
  options: Pick<ReadInputOptions<ScanLine, never>, 'stdin' | 'range' | 'progress' | 'onDiagnostic'> = {},
): Promise<{ lines: number }> {
  collapser.source = path;
  const read = await readInput(path, { ...options, formats: [perfScriptScanFormat], onRecord: collapser.line });
  collapser.end();
  return { lines: read.lines };
}

/** Folded lines (`frame;frame;… count`) of stack totals, sorted as Perl's `sort` does on bytes (the text is latin1). */
export function foldedLines(totals: ReadonlyMap<string, number>): string[] {
  const keys = [...totals.keys()].sort();
  return keys.map((k) => `${k} ${totals.get(k) ?? 0}`);
}

// A frame-ish line when no record is open (the reference skips it unread, or
// warns when `^\s*(\w+)\s*(.+) \((\S*)\)` fails): a cheap test, for the warning only.
function looksLikeFrame(text: string): boolean {
  const open = text.lastIndexOf(' (');
  return open > 0 && text.indexOf(')', open) > 0 && /^[ \t\n\v\f\r]*\w/.test(text);
}

// Perl's \s and \S on bytes (JS's \s also takes U+00A0, which is a byte of latin1 text here).
const STACK_LINE = /^[ \t\n\v\f\r]*(\w+)[ \t\n\v\f\r]*(.+) \(([^ \t\n\v\f\r]*)\)/s;
const SYMBOL_OFFSET = /\+0x[\da-f]+$/;
const GO_METHOD = /\.\(.*\)\./s;
const AFTER_PAREN = /\((?!anonymous namespace\)).*/s;
const QUOTES = /["']/g;
const KERNEL_DSO = /(^\[|vmlinux$)/;
const JIT_DSO = /\/tmp\/perf-\d+\.map/;

/** One frame line's collapsed name by stackcollapse-perf.pl's rules: `a;b_[i]` for an `a->b` inline chain, null when it skips the frame, false when the line is no frame. */
export function collapseFrame(line: string, java: boolean, kernel: boolean, jit: boolean, addrs: boolean): string | null | false {
  // the regex backtracks: only lines that can match go to it
  const open = line.lastIndexOf(' (');
  if (open < 0 || line.indexOf(')', open) < 0) return false;
  const m = STACK_LINE.exec(line);
  if (m === null) return false; // "Unrecognized line"
  const pc = m[1] ?? '';
  const mod = m[3] ?? '';
  const rawfunc = (m[2] ?? '').replace(SYMBOL_OFFSET, '');
  if (rawfunc.startsWith('(')) return null; // "skip process names"
  const parts = perlSplit(rawfunc, '->');
  if (parts.length === 0) return null;
  const out: string[] = [];
  for (let func of parts) {
    if (func === '[unknown]') {
      func = mod !== '[unknown]' ? mod.replace(/.*\//s, '') : 'unknown';
      func = addrs ? `[${func} <${pc}>]` : `[${func}]`;
    }
    func = func.replaceAll(';', ':');
    if (!GO_METHOD.test(func)) func = func.replace(AFTER_PAREN, '');
    func = func.replace(QUOTES, '');
    if (java && func.includes('/')) func = func.replace(/^L/, '');
    if (out.length > 0) func += '_[i]';
    else if (kernel && KERNEL_DSO.test(mod) && !mod.includes('unknown')) func += '_[k]';
    else if (jit && JIT_DSO.test(mod)) func += '_[j]';
    out.push(func);
  }
  return out.join(';');
}

// Perl's split drops trailing empty fields.
function perlSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

// A header's ip frame, for a record without callchain lines: after the
// timestamp and the event name, each address is printed as ` %16lx` (the data
// address first with -F +addr, then the ip), so the last such field starts the
// frame:
//           shapes 10277  8025.566738:          1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
// tlb:tlb_flush: pages:1 reason:local MM shootdown (3) ffffffff8134b0a5 flush_tlb_func ([kernel.kallsyms])
const AFTER_TIME = /[ \t]\d+\.\d+:[ \t]+(?:\d+[ \t]+)?[^ \t]+?:(?=[ \t]|$)/;
function headerIpFrame(header: string): string | undefined {
  const m = AFTER_TIME.exec(header);
  if (m === null) return undefined;
  const rest = header.slice(m.index + m[0].length);
  const last = frameStarts(rest).at(-1);
  return last === undefined ? undefined : rest.slice(last).trim();
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
