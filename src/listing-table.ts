// A listing's functions, read in one quick pass over its bytes; their
// instructions are read only when a lookup first needs them.
//
// The first pass runs the objdump parser without instruction texts or source
// lines (a GNU listing's instruction lines a run at a time, parsers/objdump-skim.ts,
// given here at once): it records each function's address, name and byte range, how many
// instructions it has and where its code ends, and it reports every bad line
// (file and line number) as the listing is read, once. A function's
// instructions (addresses, sizes, source lines) are parsed from its byte range
// on first lookup, and an instruction's text from its lines when it is asked
// for (a run of them at a time once many are). A listing whose
// code is not in address order (blocks fed out of order, code listed twice, a
// relocatable object whose sections all start at 0) is parsed whole at the end
// and sorted, so every answer is the same either way.
import { instructionText, ObjdumpParser, type GnuLines, type InstructionSink, type ObjdumpOptions } from '../parsers/objdump.js';
import { demangle } from './demangle.js';
import type { DiagnosticSink, ObjdumpRecord, ObjdumpTool } from './model.js';

/** The instructions of one function, in address order; an instruction's text is decoded when asked for. */
export interface CodeBlock {
  readonly addr: Float64Array;
  /** Bytes, 255 for 255 or more; 0 when the listing shows no raw bytes. */
  readonly size: Uint8Array;
  text(i: number): string;
  source(i: number): string | undefined;
}

/** A listing's header and functions in address order, with what lookups need before any instruction is read. */
export interface FunctionTable {
  readonly path: string;
  readonly format: string;
  readonly tool: ObjdumpTool | undefined;
  readonly buildId: string | undefined;
  readonly instructionCount: number;
  readonly names: readonly string[];
  readonly starts: Float64Array;
  /** Which `Disassembly of section` each function is in (a `...` skip runs only to a symbol of its own section). */
  readonly sections: Uint32Array;
  /** 1 when the function's last line is a `...` skip. */
  readonly skipEnd: Uint8Array;
  readonly count: Uint32Array;
  readonly firstAddr: Float64Array;
  readonly lastAddr: Float64Array;
  readonly lastSize: Uint8Array;
  /** The function's instructions (read on first call). */
  block(f: number): CodeBlock;
}

export interface ListingTableOptions {
  /** Input name for diagnostics. */
  source: string;
  onDiagnostic?: DiagnosticSink;
  sourceText?: boolean;
  maxLineLength?: number;
  /**
   * Bytes [from, to) of the listing read again (from its file): given, a table in address order
   * keeps none of `bytes`, only where each function's lines are.
   */
  reread?: (from: number, to: number) => Buffer;
  /** A function of this many instructions or more is kept by the first pass, not parsed again on its first lookup. Default KEPT (4096). */
  keep?: number;
}

/** What the first pass read besides the table: the listing's line counts. */
export interface ListingRead {
  readonly table: FunctionTable;
  readonly lines: number;
  readonly sourceLines: number;
}

const none = (): never => {
  throw new RangeError('no instruction');
};
const EMPTY: CodeBlock = { addr: new Float64Array(0), size: new Uint8Array(0), text: none, source: none };

/** Reads a whole listing (bytes [0, length) of `bytes`) into a table; bad lines go to `options.onDiagnostic` now. */
export function readListingTable(bytes: Buffer, options: ListingTableOptions): ListingRead {
  const { skim, parser } = skimListing(bytes.length, (take) => take(bytes, 0, bytes.length, 0), options);
  const { reread, ...rest } = options;
  const table = skim.inOrder ? skim.lazyTable(reread !== undefined ? blocksReread(reread, rest) : blocksOf(bytes, rest)) : skim.sortedTable(blocksOf(bytes, rest));
  return { table, lines: parser.lines, sourceLines: parser.sourceLines };
}

/**
 * Reads a listing of `length` bytes handed over in pieces of whole lines:
 * `feed` calls `take(b, from, to, at)` for each, in order, with bytes [from, to)
 * of `b` at offset `at` of the listing. Its functions' lines are read again
 * with `options.reread`, so no piece is kept.
 */
export function readListingPieces(length: number, feed: (take: (b: Buffer, from: number, to: number, at: number) => void) => void, options: ListingTableOptions & { reread: (from: number, to: number) => Buffer }): ListingRead {
  const { skim, parser } = skimListing(length, feed, options);
  const { reread, ...rest } = options;
  const table = skim.inOrder ? skim.lazyTable(blocksReread(reread, rest)) : skim.sortedTable(blocksReread(reread, rest));
  return { table, lines: parser.lines, sourceLines: parser.sourceLines };
}

// The first pass: functions, their byte ranges (offsets in the whole listing) and code extents.
function skimListing(length: number, feed: (take: (b: Buffer, from: number, to: number, at: number) => void) => void, options: ListingTableOptions): { skim: ListingSkim; parser: ObjdumpParser } {
  const skim = new ListingSkim(options.source, options.onDiagnostic, options.keep ?? KEPT, false);
  const parser = parserOf(skim, options);
  feed((b, from, to, at) => {
    // where the piece being read starts in the listing: a line's offset in the whole listing, also when
    // its instruction is taken after the piece ends
    parser.base = small(at - from);
    parser.read(b, from, to, options.maxLineLength);
  });
  parser.end();
  skim.close(length, parser.tool);
  return { skim, parser };
}

// A parser of a listing's lines into `skim`, for every pass (the first, a block's, a run of texts): the parser's hot
// code calls the same methods of one class whichever pass runs. When each pass gave callbacks of its own,
// and the texts came as records, the parser's line code (addressLine, gnuInstruction, instruction, flush) optimized
// on the first pass was thrown away at the first lookup's and compiled again.
function parserOf(skim: ListingSkim, options: ObjdumpOptions): ObjdumpParser {
  const parser: ObjdumpParser = new ObjdumpParser(
    { ...options, instructions: skim },
    (r) => skim.add(r, parser.base + parser.lineStart, parser.tool),
  );
  return parser;
}

// (Each in a function of its own: a closure keeps its whole scope, and the re-reading one must not keep `bytes`.)
function blocksOf(bytes: Buffer, options: ListingTableOptions): (f: Skimmed) => CodeBlock {
  return (f) => (f.kept !== undefined ? keptBlock(f.kept, () => bytes, 0, f.to, options) : readBlock(bytes, f.from, f.to, f, options));
}

function blocksReread(reread: (from: number, to: number) => Buffer, options: ListingTableOptions): (f: Skimmed) => CodeBlock {
  return (f) => (f.kept !== undefined ? keptBlock(f.kept, () => reread(f.from, f.to), f.from, f.to - f.from, options) : readBlock(reread(f.from, f.to), 0, f.to - f.from, f, options));
}

// A big function's instructions as the first pass kept them; its lines (bytes(), which begin at `shift` of the
// listing, and end at `to` of them) are read only when a text is asked for.
function keptBlock(kept: Kept, bytes: () => Buffer, shift: number, to: number, options: ListingTableOptions): CodeBlock {
  return lazyBlock(kept.addr, kept.size, undefined, { bytes, to, starts: kept.starts, shift, tool: kept.tool, maxLineLength: options.maxLineLength });
}

// One function's instructions, parsed from its lines, bytes [from, to) of `bytes` (bad lines there were reported by the
// first pass): addresses, sizes and source lines now, texts when asked for (a lookup wants a few of a function's
// instructions, and libc's biggest block has 39k: their texts were ~20 MB of garbage on the bench capture).
function readBlock(bytes: Buffer, from: number, to: number, f: Skimmed, options: ListingTableOptions): CodeBlock {
  const skim = wholeReading();
  const parser = parserOf(skim, { source: options.source, ...(options.sourceText !== undefined ? { sourceText: options.sourceText } : {}) });
  // from past its header line, as inside it (the first pass read the header)
  parser.resumeInside(f.tool);
  skim.inside();
  const body = bytes.indexOf(10, from);
  parser.read(bytes, body >= 0 && body < to ? body + 1 : to, to, options.maxLineLength);
  parser.end();
  const read = skim.block();
  const block = { bytes: () => bytes, to, starts: read.starts, shift: 0, tool: parser.tool, maxLineLength: options.maxLineLength };
  return lazyBlock(read.addr, read.size, read.sources, block);
}

/** Texts asked for one at a time before a block's are parsed a run at a time. */
const FEW = 16;
/** Instructions whose texts are parsed at once past FEW: a run, not the whole block (a page's window of 257 in libc's block of 39k was ~100 ms). */
const RUN = 256;

interface BlockLines {
  /** The lines (read again from the file on the first call, for a block the first pass kept). */
  readonly bytes: () => Buffer;
  readonly to: number;
  /** Where each instruction's line starts in `bytes`, plus `shift` (a kept block's are its offsets in the listing, not copied on its first lookup). */
  readonly starts: Float64Array;
  readonly shift: number;
  readonly tool: ObjdumpTool | undefined;
  readonly maxLineLength: number | undefined;
}

// A text is parsed from its instruction's lines (to the next instruction's line: a continuation may be
// between); past FEW of them, the texts of its run of RUN instructions at once.
function lazyBlock(addr: Float64Array, size: Uint8Array, sources: readonly (string | undefined)[] | undefined, lines: BlockLines): CodeBlock {
  let runs: (string | undefined)[] | undefined;
  let some: Map<number, string> | undefined;
  let bytes: Buffer | undefined;
  const texts = (start: number, end: number): string[] => {
    // offsets read from a Float64Array are boxed doubles: the parser is optimized on small integers
    const from = small(start);
    const to = small(end);
    const skim = wholeReading();
    const parser = parserOf(skim, { source: '' });
    parser.resumeInside(lines.tool);
    skim.inside();
    const b = (bytes ??= lines.bytes());
    parser.read(b, from, to, lines.maxLineLength);
    parser.end();
    return skim.texts(b);
  };
  return {
    addr,
    size,
    text(i) {
      let text = runs?.[i] ?? some?.get(i);
      if (text !== undefined) return text;
      const { starts, shift } = lines;
      const start = starts[i];
      if (start === undefined) return none();
      const end = (j: number): number => (j < starts.length ? (starts[j] as number) - shift : lines.to);
      some ??= new Map();
      if (some.size < FEW) {
        text = texts(start - shift, end(i + 1))[0] ?? none();
        some.set(i, text);
        return text;
      }
      runs ??= new Array<string | undefined>(starts.length);
      const from = i - (i % RUN);
      const to = Math.min(starts.length, from + RUN);
      const run = texts((starts[from] as number) - shift, end(to));
      if (run.length !== to - from) throw new Error(`listing index: a block's texts are ${run.length} for ${to - from} instructions`);
      for (let k = 0; k < run.length; k++) runs[from + k] = run[k];
      return run[i - from] ?? none();
    },
    source: (i) => sources?.[i],
  };
}

// A function as the first pass saw it: where its lines are, and its code's extent.
interface Skimmed {
  readonly address: number;
  readonly name: string;
  /** Which `Disassembly of section` it is in. */
  readonly section: number;
  /** Its header's line number and byte offset; `to`: where its lines end. */
  readonly line: number;
  readonly from: number;
  to: number;
  /** The tool as known at its header (an instruction line may tell it later). */
  readonly tool: ObjdumpTool | undefined;
  /** A big function's instructions, kept by the first pass (`KEPT`). */
  kept: Kept | undefined;
  count: number;
  first: number;
  last: number;
  lastSize: number;
  skipEnd: boolean;
}

// A function's instructions as the first pass read them: addresses, sizes, where their lines start in the listing.
interface Kept {
  readonly addr: Float64Array;
  readonly size: Uint8Array;
  readonly starts: Float64Array;
  readonly tool: ObjdumpTool | undefined;
}

// The instructions of a function this big are kept by the first pass, not parsed
// again on its first lookup: the bench capture's stripped libc has functions that
// run over whole groups of others (__nss_database_lookup's 40.7k lines hold
// __strrchr_evex), and their first lookups, on the main thread while records flow,
// parsed them again (~100-250 ms). libc keeps 107k instructions of 358k (1.8 MB).
const KEPT = 4096;

// The consumer of every pass's parser (parserOf): the first pass's functions, their byte ranges and code
// extents; or a block's or a run's instructions (wholeReading).
class ListingSkim implements InstructionSink {
  path = '';
  format = '';
  tool: ObjdumpTool | undefined;
  buildId: string | undefined;
  private files = 0;
  private ignoring = false;
  private sectionCount = 0;
  readonly fns: Skimmed[] = [];
  private open: Skimmed | undefined;
  // Whether everything came in address order with no overlap (the usual case).
  inOrder = true;
  private prevAddr = -Infinity;
  private prevEnd = -Infinity;

  constructor(
    private readonly source: string,
    private readonly sink: DiagnosticSink | undefined,
    private readonly keep: number,
    /** Whether where the instructions' texts are is kept (a reading of texts, not the first pass). */
    private readonly withTexts: boolean,
  ) {}

  add(r: ObjdumpRecord, at: number, tool: ObjdumpTool | undefined): void {
    switch (r.kind) {
      case 'function': {
        this.close(at, tool);
        if (this.ignoring) return;
        if (r.address < (this.fns[this.fns.length - 1]?.address ?? -Infinity)) this.inOrder = false;
        // a plain -d listing's mangled names read as -dC prints them
        const name = demangle(r.name) ?? r.name;
        this.start(r.address, name, small(r.line), small(at), tool);
        return;
      }
      case 'instruction':
        return; // the first pass's instructions come through instruction()
      case 'skip': {
        const f = this.fns[this.fns.length - 1];
        if (!this.ignoring && f !== undefined) f.skipEnd = true;
        return;
      }
      case 'section':
        this.close(at, tool);
        if (!this.ignoring) this.sectionCount++;
        return;
      case 'build-id':
        if (!this.ignoring) this.buildId = r.buildId;
        return;
      case 'file':
        this.close(at, tool);
        // the same binary again: a note dump and the disassembly made by two runs of objdump
        if (this.files > 0 && !this.ignoring && r.path === this.path && r.format === this.format) return;
        this.files++;
        if (this.files === 1) {
          this.path = r.path;
          this.format = r.format;
          this.tool = r.tool;
        } else {
          this.ignoring = true;
          this.sink?.({ source: r.source, line: r.line, reason: `a second binary (${r.path}) in one listing; only ${this.path} is indexed` });
        }
        return;
    }
  }

  private start(address: number, name: string, line: number, from: number, tool: ObjdumpTool | undefined): void {
    this.open = { address, name, section: this.sectionCount, line, from, to: from, tool, kept: undefined, count: 0, first: 0, last: 0, lastSize: 0, skipEnd: false };
    this.keeping = 0;
    this.sourced = false;
    this.more = undefined;
    this.fns.push(this.open);
  }

  private startSources(k: number): void {
    this.sourced = true;
    for (let j = 0; j < k; j++) this.keptSources[j] = undefined;
  }

  /** Empties a reading of a block or run for the next (its arrays kept): nothing one reading met is left to the next. */
  reset(): void {
    this.path = this.format = '';
    this.tool = this.buildId = undefined;
    this.files = this.sectionCount = 0;
    this.ignoring = false;
    this.inOrder = true;
    this.fns.length = 0;
    this.open = undefined;
    this.keeping = 0;
    this.sourced = false;
    this.more = undefined;
    this.prevAddr = this.prevEnd = -Infinity;
  }

  /** Reading a run of a function's instructions, from inside it (no header). */
  inside(): void {
    const f = (this.inner ??= { address: 0, name: '', section: 0, line: 0, from: 0, to: 0, tool: undefined, kept: undefined, count: 0, first: 0, last: 0, lastSize: 0, skipEnd: false });
    f.count = 0;
    this.open = f;
    this.fns.push(f);
  }
  private inner: Skimmed | undefined;

  // the open function's instructions, kept while it may be big: how many, in these (reused) arrays
  private keeping = 0;
  private sourced = false;
  private keptAddr = new Float64Array(0);
  private keptSize = new Uint8Array(0);
  private keptStarts = new Float64Array(0);
  private keptSources: (string | undefined)[] = [];
  private keptTextFrom = new Float64Array(0);
  private keptTextTo = new Float64Array(0);
  private more: Map<number, string> | undefined;

  instruction(address: number, size: number, lineStart: number, srcline: string | undefined, textFrom: number, textTo: number, more: string): void {
    const f = this.fns[this.fns.length - 1];
    if (this.ignoring || f === undefined) return;
    if (f === this.open) {
      const k = this.keeping;
      if (k === this.keptAddr.length) this.growKept();
      this.keptAddr[k] = address;
      this.keptSize[k] = size > 255 ? 255 : size;
      this.keptStarts[k] = lineStart;
      if (this.withTexts) {
        this.keptTextFrom[k] = textFrom;
        this.keptTextTo[k] = textTo;
        if (more !== '') (this.more ??= new Map()).set(k, more);
      }
      this.keeping = k + 1;
      // source lines are a block's own reading (the first pass only notes that there are some)
      if (srcline !== undefined && !this.sourced) this.startSources(k);
      if (this.sourced) this.keptSources[k] = srcline;
    }
    if (address <= this.prevAddr || address < this.prevEnd) this.inOrder = false;
    this.prevAddr = address;
    this.prevEnd = address + size;
    if (f.count++ === 0) f.first = address;
    f.last = address;
    f.lastSize = size > 255 ? 255 : size;
    f.skipEnd = false;
  }

  /** Instructions of a run of GNU lines, as instruction() takes them (the open function's, no source lines: in one loop). */
  run(run: GnuLines, n: number, base: number, srcline: string | undefined): void {
    const f = this.fns[this.fns.length - 1];
    if (this.ignoring || f === undefined) return;
    if (f !== this.open || srcline !== undefined || this.sourced) {
      for (let k = 0; k < n; k++) this.instruction(run.addr[k] as number, run.size[k] as number, base + (run.start[k] as number), srcline, run.textFrom[k] as number, run.textTo[k] as number, '');
      return;
    }
    const j = this.keeping;
    while (j + n > this.keptAddr.length) this.growKept();
    const { addr, size, start } = run;
    const keptAddr = this.keptAddr;
    const keptSize = this.keptSize;
    const keptStarts = this.keptStarts;
    let prevAddr = this.prevAddr;
    let prevEnd = this.prevEnd;
    let inOrder = this.inOrder;
    for (let k = 0; k < n; k++) {
      const address = addr[k] as number;
      const bytes = size[k] as number;
      keptAddr[j + k] = address;
      keptSize[j + k] = bytes > 255 ? 255 : bytes;
      keptStarts[j + k] = base + (start[k] as number);
      if (address <= prevAddr || address < prevEnd) inOrder = false;
      prevAddr = address;
      prevEnd = address + bytes;
    }
    if (this.withTexts) {
      this.keptTextFrom.set(run.textFrom.subarray(0, n), j);
      this.keptTextTo.set(run.textTo.subarray(0, n), j);
    }
    this.keeping = j + n;
    this.prevAddr = prevAddr;
    this.prevEnd = prevEnd;
    this.inOrder = inOrder;
    if (f.count === 0) f.first = addr[0] as number;
    f.count += n;
    f.last = addr[n - 1] as number;
    f.lastSize = keptSize[j + n - 1] as number;
    f.skipEnd = false;
  }

  /** Ends the open function's byte range at `at`; `tool`: as its lines told it (a kept block's texts are read so). */
  close(at: number, tool: ObjdumpTool | undefined): void {
    const f = this.open;
    if (f === undefined) return;
    f.to = small(at);
    this.open = undefined;
    const n = this.keeping;
    if (n >= this.keep && n === f.count && !this.sourced) {
      f.kept = { addr: this.keptAddr.slice(0, n), size: this.keptSize.slice(0, n), starts: this.keptStarts.slice(0, n), tool };
    }
    this.keeping = 0;
  }

  /** A block's instructions, as its reading (wholeReading, inside) kept them. */
  block(): { addr: Float64Array; size: Uint8Array; starts: Float64Array; sources: (string | undefined)[] | undefined } {
    const n = this.keeping;
    return { addr: this.keptAddr.slice(0, n), size: this.keptSize.slice(0, n), starts: this.keptStarts.slice(0, n), sources: this.sourced ? this.keptSources.slice(0, n) : undefined };
  }

  /** A run's instruction texts, as its reading (wholeReading, inside) kept where they are in `b`. */
  texts(b: Buffer): string[] {
    const out = new Array<string>(this.keeping);
    for (let k = 0; k < out.length; k++) out[k] = instructionText(b, this.keptTextFrom[k] as number, this.keptTextTo[k] as number, this.more?.get(k) ?? '');
    return out;
  }

  private growKept(): void {
    const n = Math.max(1024, 2 * this.keptAddr.length);
    const grow = <T extends Float64Array | Uint8Array>(a: T, to: T): T => (to.set(a), to);
    this.keptAddr = grow(this.keptAddr, new Float64Array(n));
    this.keptSize = grow(this.keptSize, new Uint8Array(n));
    this.keptStarts = grow(this.keptStarts, new Float64Array(n));
    if (!this.withTexts) return;
    this.keptTextFrom = grow(this.keptTextFrom, new Float64Array(n));
    this.keptTextTo = grow(this.keptTextTo, new Float64Array(n));
  }

  // In listing order, each function's block read on first use.
  lazyTable(read: (f: Skimmed) => CodeBlock): FunctionTable {
    const fns = this.fns;
    const blocks: (CodeBlock | undefined)[] = new Array<CodeBlock | undefined>(fns.length);
    const block = (f: number): CodeBlock => {
      const s = fns[f] as Skimmed;
      if (s.count === 0) return EMPTY;
      let b = blocks[f];
      if (b === undefined) {
        b = read(s);
        if (b.addr.length !== s.count) throw new Error(`listing index: function ${s.name} read ${b.addr.length} instructions, ${s.count} at first`);
        blocks[f] = b;
      }
      return b;
    };
    return this.table(fns, block);
  }

  // Every block read now; functions by address (ties in listing order), code
  // listed twice kept in its first copy.
  sortedTable(read: (f: Skimmed) => CodeBlock): FunctionTable {
    const order = this.fns.map((f, i) => ({ f, i })).sort((a, b) => a.f.address - b.f.address || a.i - b.i);
    const sorted: Skimmed[] = [];
    const blocks: CodeBlock[] = [];
    let lastAddr = -Infinity;
    let lastEnd = -Infinity;
    let dropped = 0;
    let droppedLine = 0;
    for (const { f } of order) {
      const b = f.count > 0 ? read(f) : EMPTY;
      const keep: number[] = [];
      for (let k = 0; k < b.addr.length; k++) {
        const a = b.addr[k] as number;
        if (a <= lastAddr || a < lastEnd) {
          if (dropped++ === 0) droppedLine = f.line;
          continue;
        }
        keep.push(k);
        lastAddr = a;
        lastEnd = a + (b.size[k] as number);
      }
      const kept = keep.length === b.addr.length ? b : pick(b, keep);
      const n = kept.addr.length;
      blocks.push(kept);
      sorted.push({ ...f, count: n, first: kept.addr[0] ?? 0, last: kept.addr[n - 1] ?? 0, lastSize: kept.size[n - 1] ?? 0 });
    }
    if (dropped > 0) {
      this.sink?.({ source: this.source, line: droppedLine, reason: `${dropped} instructions overlap code listed before them (the same code twice, or a relocatable object); the first copy is kept` });
    }
    return this.table(sorted, (f) => blocks[f] as CodeBlock);
  }

  private table(fns: readonly Skimmed[], block: (f: number) => CodeBlock): FunctionTable {
    let instructionCount = 0;
    for (const f of fns) instructionCount += f.count;
    return {
      path: this.path,
      format: this.format,
      tool: this.tool,
      buildId: this.buildId,
      instructionCount,
      names: fns.map((f) => f.name),
      starts: Float64Array.from(fns, (f) => f.address),
      sections: Uint32Array.from(fns, (f) => f.section),
      skipEnd: Uint8Array.from(fns, (f) => (f.skipEnd ? 1 : 0)),
      count: Uint32Array.from(fns, (f) => f.count),
      firstAddr: Float64Array.from(fns, (f) => f.first),
      lastAddr: Float64Array.from(fns, (f) => f.last),
      lastSize: Uint8Array.from(fns, (f) => f.lastSize),
      block,
    };
  }
}

// The one reading of a block or a run of texts, its arrays grown once for all (readings are one at a time;
// its instructions are read from its arrays, never closed into a Kept).
let whole: ListingSkim | undefined;
function wholeReading(): ListingSkim {
  whole ??= new ListingSkim('', undefined, Infinity, true);
  whole.reset();
  return whole;
}

// An offset or line number as a small integer, not a boxed double: the block
// parser's code, optimized on the first pass's small integers, was thrown
// away ("not a Smi") at each first block read, ~100 ms on libc's big blocks.
function small(n: number): number {
  return n >= 0 && n < 2 ** 30 ? n | 0 : n;
}

function pick(b: CodeBlock, keep: number[]): CodeBlock {
  return {
    addr: Float64Array.from(keep, (k) => b.addr[k] as number),
    size: Uint8Array.from(keep, (k) => b.size[k] as number),
    text: (i) => b.text(keep[i] ?? none()),
    source: (i) => b.source(keep[i] ?? none()),
  };
}
