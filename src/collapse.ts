// Folded stacks from perf script records, byte for byte what FlameGraph's
// stackcollapse-perf.pl prints (brendangregg/FlameGraph at 41fee1f99f92; the 78
// cases under ../shared/conformance/flamegraph/ are the proof).
//
// The reference works on text lines; we work on the parser's records, and
// rebuild each frame's line to apply the reference's rules to it, once per
// distinct Frame object. Where the two differ on purpose:
//   - the last record of a file that does not end with a blank line is kept
//     (the reference drops it, FlameGraph issue #230);
//   - every sample is filtered by its event name. The reference only sees an
//     event name on header lines that END with `event:`, so records whose
//     header carries fields after the name (tracepoint payloads, `-F addr`, the
//     ip frame of output without a callchain) always pass its filter with a
//     period of 1; here they are filtered like the others and keep their period;
//   - a record without a callchain contributes its header's ip frame (the
//     reference reads no frames from a header line and prints the comm alone);
//   - a frame line followed by a `-F +srcline` line is one frame with its
//     `(inlined)` marker back in place (the reference, without --srcline, reads
//     the srcline line as a frame of its own);
//   - comm, pid and tid are the parser's, which reads right-aligned comms (-G)
//     and comms with digits correctly where the reference's regex does not;
//   - side-band lines (PERF_RECORD_*) are records of their own, ignored here;
//     the reference takes them for headers, so one can lend its comm to the
//     frames of a following sample that its event filter skipped.
import type { Frame, SampleRecord, TraceRecord } from './model.js';

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
  /** Keep only samples of this event. Default: the first sample's event; samples of other events are dropped and counted. */
  eventFilter?: string;
}

interface Node {
  value: number;
  children: Map<string, Node> | null;
}

/**
 * Streaming aggregator: feed records (from PerfScriptParser), then `result()`
 * gives folded lines sorted like the reference (without trailing newlines) and
 * the events it dropped (other event types) with their record counts. Memory
 * follows distinct stacks, not records.
 */
export class Collapser {
  private readonly pid: boolean;
  private readonly tid: boolean;
  private readonly kernel: boolean;
  private readonly jit: boolean;
  private readonly addrs: boolean;
  private event: string | undefined;
  private readonly dropped: Record<string, number> = {};
  /** Root frame (process name) → the stacks under it. */
  private readonly roots = new Map<string, Node>();
  /** Collapsed name per interned Frame, null when the reference skips the frame. Java processes get their own cache. */
  private readonly names = new Map<Frame, string | null>();
  private readonly javaNames = new Map<Frame, string | null>();
  private readonly pnames = new Map<string, string>();

  constructor(options: CollapseOptions = {}) {
    this.pid = options.pid ?? false;
    this.tid = options.tid ?? false;
    this.kernel = (options.kernel ?? false) || (options.all ?? false);
    this.jit = (options.jit ?? false) || (options.all ?? false);
    this.addrs = options.addrs ?? false;
    this.event = options.eventFilter;
  }

  /** Adds one record; records other than samples are ignored. */
  add(r: TraceRecord): void {
    if (r.kind !== 'sample') return;
    if (this.event === undefined) this.event = ownCopy(r.event);
    else if (r.event !== this.event) {
      const n = this.dropped[r.event];
      if (n === undefined) this.dropped[ownCopy(r.event)] = 1;
      else this.dropped[r.event] = n + 1;
      return;
    }
    const pname = this.processName(r);
    let node: Node | undefined = this.roots.get(pname);
    if (node === undefined) {
      node = { value: 0, children: null };
      this.roots.set(pname, node);
    }
    // `tidy_java` applies when the process name starts with "java".
    const java = pname.startsWith('java');
    const cache = java ? this.javaNames : this.names;
    const stack = r.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      const f = stack[i] as Frame;
      let name = cache.get(f);
      if (name === undefined) {
        name = collapseFrame(f, java, this.kernel, this.jit, this.addrs);
        cache.set(f, name);
      }
      if (name === null) continue;
      let children: Map<string, Node> | null = node.children;
      if (children === null) node.children = children = new Map();
      let next: Node | undefined = children.get(name);
      if (next === undefined) {
        next = { value: 0, children: null };
        children.set(name, next);
      }
      node = next;
    }
    // `$period = 1 if not $period`: a zero period counts as one.
    node.value += r.period || 1;
  }

  /** The folded lines (`frame;frame;… count`), sorted as Perl's `sort` does, and the dropped events. */
  result(): { lines: string[]; droppedEvents: Record<string, number> } {
    return { lines: foldedLines(this.totals()), droppedEvents: { ...this.dropped } };
  }

  /** The event kept (the filter, else the first sample's event), undefined before any sample. */
  get keptEvent(): string | undefined {
    return this.event;
  }

  /** Count per folded stack text, unsorted (to merge the results of several collapsers). */
  totals(into: Map<string, number> = new Map()): Map<string, number> {
    // Different trie paths can spell the same line (one frame may collapse to
    // `a;b`), so sum by the final text.
    const walk = (prefix: string, node: Node): void => {
      if (node.value !== 0) into.set(prefix, (into.get(prefix) ?? 0) + node.value);
      if (node.children === null) return;
      for (const [name, child] of node.children) walk(prefix + ';' + name, child);
    };
    for (const [pname, node] of this.roots) walk(pname, node);
    return into;
  }

  private processName(r: SampleRecord): string {
    // The reference reads `comm PID/TID` or `comm TID`, and takes a TID of 0 for absent.
    let pid: string;
    let tid: string;
    if (r.pid === -1) {
      pid = '?';
      tid = String(r.tid);
    } else if (r.tid === 0) {
      pid = '?';
      tid = String(r.pid);
    } else {
      pid = String(r.pid);
      tid = String(r.tid);
    }
    const raw = this.tid ? `${r.comm}-${pid}/${tid}` : this.pid ? `${r.comm}-${pid}` : r.comm;
    let name = this.pnames.get(raw);
    if (name === undefined) {
      const key = ownCopy(raw);
      name = key.replaceAll(' ', '_');
      this.pnames.set(key, name);
    }
    return name;
  }
}

/** Folded lines (`frame;frame;… count`) of stack totals, sorted as Perl's `sort` does. */
export function foldedLines(totals: ReadonlyMap<string, number>): string[] {
  const keys = [...totals.keys()].sort(compareCodePoints);
  return keys.map((k) => `${k} ${totals.get(k) ?? 0}`);
}

// Strings kept across records are copied: a record's strings are slices of the
// ~1 MB chunk its line came from and would keep that chunk alive.
function ownCopy(s: string): string {
  return (' ' + s).slice(1);
}

// Perl's `sort { $a cmp $b }` on bytes orders UTF-8 text by code point; JS
// compares UTF-16 code units, which differs only between astral characters
// and U+E000–U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff && y >= 0xe000) return 1;
    if (y >= 0xd800 && y <= 0xdfff && x >= 0xe000) return -1;
    return x - y;
  }
  return a.length - b.length;
}

// The frame line as perf printed it (without a srcline): the reference's rules
// apply to that text, so the text is rebuilt from the frame's fields.
//	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
//	            12ea poke+0xc (inlined)
function frameLine(f: Frame): string {
  const off = f.offset >= 0 ? '+0x' + f.offset.toString(16) : '';
  return f.dso === '' ? `${f.addr} ${f.symbol}${off}` : `${f.addr} ${f.symbol}${off} (${f.dso})`;
}

// stackcollapse-perf.pl's stack-line rules, in its order.
const STACK_LINE = /^\s*(\w+)\s*(.+) \((\S*)\)/;
const SYMBOL_OFFSET = /\+0x[\da-f]+$/;
const GO_METHOD = /\.\(.*\)\./;
const AFTER_PAREN = /\((?!anonymous namespace\)).*/;
const QUOTES = /["']/g;
const KERNEL_DSO = /(^\[|vmlinux$)/;
const JIT_DSO = /\/tmp\/perf-\d+\.map/;

/** One frame's collapsed name (null when the reference skips it); `a;b_[i]` for an `a->b` inline chain. */
function collapseFrame(f: Frame, java: boolean, kernel: boolean, jit: boolean, addrs: boolean): string | null {
  const m = STACK_LINE.exec(frameLine(f));
  if (m === null) return null; // "Unrecognized line"
  const pc = m[1] ?? '';
  const mod = m[3] ?? '';
  const rawfunc = (m[2] ?? '').replace(SYMBOL_OFFSET, '');
  if (rawfunc.startsWith('(')) return null; // "skip process names"
  const parts = perlSplit(rawfunc, '->');
  const out: string[] = [];
  for (let func of parts) {
    if (func === '[unknown]') {
      func = mod !== '[unknown]' ? mod.replace(/.*\//, '') : 'unknown';
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
