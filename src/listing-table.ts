// A listing's functions, read in one quick pass over its bytes; their
// instructions are read only when a lookup first needs them.
//
// The first pass runs the objdump parser without instruction texts or source
// lines: it records each function's address, name and byte range, how many
// instructions it has and where its code ends, and it reports every bad line
// (file and line number) as the listing is read, once. A function's
// instructions are parsed from its byte range on first lookup. A listing whose
// code is not in address order (blocks fed out of order, code listed twice, a
// relocatable object whose sections all start at 0) is parsed whole at the end
// and sorted, so every answer is the same either way.
import { ObjdumpParser, type ObjdumpOptions } from '../parsers/objdump.js';
import { demangle } from './demangle.js';
import type { DiagnosticSink, ObjdumpRecord, ObjdumpTool } from './model.js';

/** The instructions of one function, in address order. */
export interface CodeBlock {
  readonly addr: Float64Array;
  /** Bytes, 255 for 255 or more; 0 when the listing shows no raw bytes. */
  readonly size: Uint8Array;
  readonly text: readonly string[];
  readonly source: readonly (string | undefined)[];
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
}

/** What the first pass read besides the table: the listing's line counts. */
export interface ListingRead {
  readonly table: FunctionTable;
  readonly lines: number;
  readonly sourceLines: number;
}

const EMPTY: CodeBlock = { addr: new Float64Array(0), size: new Uint8Array(0), text: [], source: [] };
const TOOLS: readonly (ObjdumpTool | undefined)[] = [undefined, 'gnu', 'llvm'];

/** Reads a whole listing (bytes [0, length) of `bytes`) into a table; bad lines go to `options.onDiagnostic` now. */
export function readListingTable(bytes: Buffer, options: ListingTableOptions): ListingRead {
  const skim = new ListingSkim(options.source, options.onDiagnostic);
  const parser = new ObjdumpParser(
    { ...options, onInstruction: (address, size) => skim.instruction(address, size) },
    (r) => skim.add(r, parser.lineStart, parser.tool),
  );
  parser.read(bytes, 0, bytes.length, options.maxLineLength);
  parser.end();
  skim.close(bytes.length);
  const read = (f: number): CodeBlock => readBlock(bytes, skim.from[f] as number, skim.to[f] as number, skim.line[f] as number, TOOLS[skim.tool[f] as number], options);
  const table = skim.inOrder ? skim.lazyTable(read) : skim.sortedTable(read);
  return { table, lines: parser.lines, sourceLines: parser.sourceLines };
}

// One function's instructions, parsed from its lines (bad lines there were reported by the first pass).
function readBlock(bytes: Buffer, from: number, to: number, line: number, tool: ObjdumpTool | undefined, options: ListingTableOptions): CodeBlock {
  const addr: number[] = [];
  const size: number[] = [];
  const text: string[] = [];
  const source: (string | undefined)[] = [];
  const parser = new ObjdumpParser({ source: options.source, ...(options.sourceText !== undefined ? { sourceText: options.sourceText } : {}) }, (r) => {
    if (r.kind !== 'instruction') return;
    addr.push(r.address);
    size.push(r.size);
    text.push(r.text);
    source.push(r.srcline);
  });
  parser.resume(line, tool);
  parser.read(bytes, from, to, options.maxLineLength);
  parser.end();
  return { addr: Float64Array.from(addr), size: Uint8Array.from(size, (s) => (s > 255 ? 255 : s)), text, source };
}

// The first pass's consumer: functions, their byte ranges and code extents.
class ListingSkim {
  path = '';
  format = '';
  tool0: ObjdumpTool | undefined;
  buildId: string | undefined;
  private files = 0;
  private ignoring = false;
  private sectionCount = 0;
  readonly addr: number[] = [];
  readonly name: string[] = [];
  readonly section: number[] = [];
  readonly line: number[] = [];
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly tool: number[] = [];
  readonly count: number[] = [];
  readonly firstAddr: number[] = [];
  readonly lastAddr: number[] = [];
  readonly lastSize: number[] = [];
  readonly skipEnd: boolean[] = [];
  private open = false;
  // Whether everything came in address order with no overlap (the usual case).
  inOrder = true;
  private prevAddr = -Infinity;
  private prevEnd = -Infinity;

  constructor(
    private readonly source: string,
    private readonly sink: DiagnosticSink | undefined,
  ) {}

  add(r: ObjdumpRecord, at: number, tool: ObjdumpTool | undefined): void {
    switch (r.kind) {
      case 'function':
        this.close(at);
        if (this.ignoring) return;
        if (r.address < (this.addr[this.addr.length - 1] ?? -Infinity)) this.inOrder = false;
        this.addr.push(r.address);
        // a plain -d listing's mangled names read as -dC prints them
        this.name.push(demangle(r.name) ?? r.name);
        this.section.push(this.sectionCount);
        this.line.push(r.line);
        this.from.push(at);
        this.to.push(at);
        this.tool.push(TOOLS.indexOf(tool));
        this.count.push(0);
        this.firstAddr.push(0);
        this.lastAddr.push(0);
        this.lastSize.push(0);
        this.skipEnd.push(false);
        this.open = true;
        return;
      case 'instruction':
        return; // the first pass's instructions come through instruction()
      case 'skip':
        if (this.ignoring || this.addr.length === 0) return;
        this.skipEnd[this.skipEnd.length - 1] = true;
        return;
      case 'section':
        this.close(at);
        if (!this.ignoring) this.sectionCount++;
        return;
      case 'build-id':
        if (!this.ignoring) this.buildId = r.buildId;
        return;
      case 'file':
        this.close(at);
        // the same binary again: a note dump and the disassembly made by two runs of objdump
        if (this.files > 0 && !this.ignoring && r.path === this.path && r.format === this.format) return;
        this.files++;
        if (this.files === 1) {
          this.path = r.path;
          this.format = r.format;
          this.tool0 = r.tool;
        } else {
          this.ignoring = true;
          this.sink?.({ source: r.source, line: r.line, reason: `a second binary (${r.path}) in one listing; only ${this.path} is indexed` });
        }
        return;
    }
  }

  instruction(address: number, size: number): void {
    const f = this.addr.length - 1;
    if (this.ignoring || f < 0) return;
    if (address <= this.prevAddr || address < this.prevEnd) this.inOrder = false;
    this.prevAddr = address;
    this.prevEnd = address + size;
    if (this.count[f]!++ === 0) this.firstAddr[f] = address;
    this.lastAddr[f] = address;
    this.lastSize[f] = size > 255 ? 255 : size;
    this.skipEnd[f] = false;
  }

  /** Ends the open function's byte range at `at`. */
  close(at: number): void {
    if (!this.open) return;
    this.to[this.to.length - 1] = at;
    this.open = false;
  }

  // In listing order, each function's block read on first use.
  lazyTable(read: (f: number) => CodeBlock): FunctionTable {
    const nf = this.addr.length;
    const blocks: (CodeBlock | undefined)[] = new Array<CodeBlock | undefined>(nf);
    const count = Uint32Array.from(this.count);
    const block = (f: number): CodeBlock => {
      if (count[f] === 0) return EMPTY;
      let b = blocks[f];
      if (b === undefined) {
        b = read(f);
        if (b.addr.length !== count[f]) throw new Error(`listing index: function ${this.name[f]} read ${b.addr.length} instructions, ${count[f]} at first`);
        blocks[f] = b;
      }
      return b;
    };
    const ends = { first: Float64Array.from(this.firstAddr), last: Float64Array.from(this.lastAddr), lastSize: Uint8Array.from(this.lastSize) };
    return this.table(this.name, Float64Array.from(this.addr), count, ends, Array.from({ length: nf }, (_, f) => f), block);
  }

  // Every block read now; functions by address (ties in listing order), code
  // listed twice kept in its first copy.
  sortedTable(read: (f: number) => CodeBlock): FunctionTable {
    const nf = this.addr.length;
    const starts = this.addr;
    const order = Array.from({ length: nf }, (_, i) => i).sort((a, b) => (starts[a] as number) - (starts[b] as number) || a - b);
    const blocks: CodeBlock[] = [];
    let lastAddr = -Infinity;
    let lastEnd = -Infinity;
    let dropped = 0;
    let droppedLine = 0;
    for (const f of order) {
      const b = (this.count[f] as number) > 0 ? read(f) : EMPTY;
      const keep: number[] = [];
      for (let k = 0; k < b.addr.length; k++) {
        const a = b.addr[k] as number;
        if (a <= lastAddr || a < lastEnd) {
          if (dropped++ === 0) droppedLine = this.line[f] as number;
          continue;
        }
        keep.push(k);
        lastAddr = a;
        lastEnd = a + (b.size[k] as number);
      }
      blocks.push(keep.length === b.addr.length ? b : pick(b, keep));
    }
    if (dropped > 0) {
      this.sink?.({ source: this.source, line: droppedLine, reason: `${dropped} instructions overlap code listed before them (the same code twice, or a relocatable object); the first copy is kept` });
    }
    const count = Uint32Array.from(blocks, (b) => b.addr.length);
    const last = (b: CodeBlock): number => b.addr.length - 1;
    return this.table(
      order.map((f) => this.name[f] as string),
      Float64Array.from(order, (f) => starts[f] as number),
      count,
      {
        first: Float64Array.from(blocks, (b) => (b.addr.length > 0 ? (b.addr[0] as number) : 0)),
        last: Float64Array.from(blocks, (b) => (b.addr.length > 0 ? (b.addr[last(b)] as number) : 0)),
        lastSize: Uint8Array.from(blocks, (b) => (b.addr.length > 0 ? (b.size[last(b)] as number) : 0)),
      },
      order,
      (f) => blocks[f] as CodeBlock,
    );
  }

  private table(
    names: string[],
    starts: Float64Array,
    count: Uint32Array,
    code: { first: Float64Array; last: Float64Array; lastSize: Uint8Array },
    order: number[],
    block: (f: number) => CodeBlock,
  ): FunctionTable {
    let instructionCount = 0;
    for (const c of count) instructionCount += c;
    return {
      path: this.path,
      format: this.format,
      tool: this.tool0,
      buildId: this.buildId,
      instructionCount,
      names,
      starts,
      sections: Uint32Array.from(order, (f) => this.section[f] as number),
      skipEnd: Uint8Array.from(order, (f) => (this.skipEnd[f] === true ? 1 : 0)),
      count,
      firstAddr: code.first,
      lastAddr: code.last,
      lastSize: code.lastSize,
      block,
    };
  }
}

function pick(b: CodeBlock, keep: number[]): CodeBlock {
  return {
    addr: Float64Array.from(keep, (k) => b.addr[k] as number),
    size: Uint8Array.from(keep, (k) => b.size[k] as number),
    text: keep.map((k) => b.text[k] as string),
    source: keep.map((k) => b.source[k]),
  };
}
