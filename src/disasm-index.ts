// An objdump listing as a compact address index: sorted typed arrays of
// instruction addresses, sizes, owning functions and offsets into one text
// pool. `Instruction` objects are made only when a lookup returns one, so
// libc's ~340k instructions cost a few typed arrays, not 340k objects.
import { objdumpFormat } from '../parsers/index.js';
import { readInput } from '../parsers/input.js';
import { ObjdumpParser, type ObjdumpOptions } from '../parsers/objdump.js';
import { demangle } from './demangle.js';
import { CompactDisasmIndex, type IndexParts } from './disasm-lookup.js';
import type { DiagnosticSink, Instruction, ObjdumpRecord, ObjdumpTool } from './model.js';

export { archOfFormat, nameKeys } from './disasm-lookup.js';

/** A function (symbol) of the listing and the byte range it covers. */
export interface ListingFunction {
  /** As the listing names it: `write_field`, `mprotect@plt`, `geo::Circle::stamp(char*) const`. */
  readonly name: string;
  readonly address: number;
  /** One past its last byte: the end of its last instruction (or the next symbol when a `...` skip ends it). */
  readonly end: number;
}

/** Where an address falls in the listing. */
export interface ListingLookup {
  readonly function: string;
  readonly functionAddress: number;
  /** `address - functionAddress`. */
  readonly offset: number;
  /** The instruction starting at or containing the address; absent in a `...` skip. */
  readonly instruction?: Instruction;
  /** True when the address is the first byte of `instruction`. */
  readonly boundary: boolean;
}

export interface DisasmIndex {
  /** Binary path from the listing header, as it was given to objdump. */
  readonly path: string;
  /** BFD target from the header: `elf64-x86-64`, `elf64-littleaarch64`. */
  readonly format: string;
  /** `x86-64`, `aarch64`, `i386`, `arm`, `riscv64`, `ppc64`, `s390x`, …; `unknown` when the format says nothing. */
  readonly arch: string;
  /** Which objdump wrote the listing; undefined when it had no header. */
  readonly tool: ObjdumpTool | undefined;
  /** The binary's GNU build id, when a `.note.gnu.build-id` dump (`objdump -s -j .note.gnu.build-id`) is in front of the listing. */
  readonly buildId: string | undefined;
  readonly functionCount: number;
  readonly instructionCount: number;
  /** The instruction starting exactly at `address`, else undefined. */
  instructionAt(address: number): Instruction | undefined;
  /** The function containing `address` (start ≤ address < end), with `boundary` false when address is inside an instruction rather than at its start. */
  lookup(address: number): ListingLookup | undefined;
  /**
   * Functions by name: the exact listing name, and also what perf would call it —
   * `name@plt` for `name`, `abort@@GLIBC_2.2.5` for `abort`, and a demangled
   * `geo::Circle::stamp(char*) const` or `double sum<double>(double const*, unsigned long)`
   * for `geo::Circle::stamp` / `sum<double>` (perf prints demangled names without
   * parameters, return type or clone suffix). Several may match → all, by address.
   */
  functionsNamed(name: string): ListingFunction[];
  /** All instructions of the function starting at `functionAddress` (for annotate). */
  functionInstructions(functionAddress: number): Instruction[];
  /** Up to `before` instructions before and `after` after the one at (or containing) `address`, in address order. Without such an instruction: `before` below the address and `after` above it. */
  around(address: number, before: number, after: number): Instruction[];
  /** The instruction with the greatest address below `address` (the `call` before a return address). */
  instructionBefore(address: number): Instruction | undefined;
  /** Every function, in address order (aliases with no instructions of their own included). */
  functions(): ListingFunction[];
}

export interface DisasmIndexOptions {
  /** Input name for diagnostics. Default `<objdump>`. */
  source?: string;
  /** Receives listing-level problems (a second binary in one listing, overlapping code). Default: ignore. */
  onDiagnostic?: DiagnosticSink;
}

const TWO32 = 4294967296;
const TWO64 = 18446744073709551616n;

/**
 * A hex address (`12eb`, `0x12eb`, `ffffffff81000042`) in the listing's number
 * space: itself below 2^53, its signed 64-bit value at or above 2^63 (kernel
 * addresses). Undefined for anything else.
 */
export function parseListingAddress(hex: string): number | undefined {
  let s = hex.trim();
  if (s.startsWith('0x') || s.startsWith('0X')) s = s.slice(2);
  if (s.length === 0 || s.length > 16 || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  const hi = s.length > 8 ? parseInt(s.slice(0, s.length - 8), 16) : 0;
  const lo = parseInt(s.slice(-8), 16);
  if (hi >= 0x80000000) {
    const v = (hi - TWO32) * TWO32 + lo;
    return v >= -Number.MAX_SAFE_INTEGER ? v : undefined;
  }
  const v = hi * TWO32 + lo;
  return v <= Number.MAX_SAFE_INTEGER ? v : undefined;
}

/** The listing's number for an address back in lower-case hex without `0x` (`-0x7f000000` → `ffffffff81000000`). */
export function formatListingAddress(address: number): string {
  return address >= 0 ? address.toString(16) : (TWO64 + BigInt(address)).toString(16);
}

type Column = Float64Array | Uint32Array | Int32Array | Uint8Array;

/** `a` copied into a column of its own type at least `n` long (doubling, so appends stay amortized O(1)). */
function grow<T extends Column>(a: T, n: number): T {
  const b = new (a.constructor as new (length: number) => T)(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** Builds a DisasmIndex from ObjdumpParser records, synchronously. */
export class DisasmIndexBuilder {
  private readonly source: string;
  private readonly sink: DiagnosticSink | undefined;
  private path = '';
  private format = '';
  private tool: ObjdumpTool | undefined;
  private buildId: string | undefined;
  private files = 0;
  private ignoring = false;
  private sectionCount = 0;
  // functions, in the order they were added
  private readonly fAddr: number[] = [];
  private readonly fName: string[] = [];
  private readonly fSection: number[] = [];
  private readonly fFirst: number[] = [];
  private readonly fCount: number[] = [];
  private readonly fSkipEnd: boolean[] = [];
  private readonly fLine: number[] = [];
  // instructions, in the order they were added
  private n = 0;
  private iAddr: Float64Array = new Float64Array(16384);
  private iSize: Uint8Array = new Uint8Array(16384);
  private iFunc: Uint32Array = new Uint32Array(16384);
  private iSrc: Int32Array = new Int32Array(16384);
  private iText: Uint32Array = new Uint32Array(16385);
  // The text pool: instruction texts joined into a few long strings, then one.
  private texts: string[] = [];
  private chunks: string[] = [];
  private poolEnd = 0;
  private readonly srcIds = new Map<string, number>();
  private readonly srcNames: string[] = [];
  private lastSrcline: string | undefined;
  private lastSrc = -1;
  private finished = false;
  // Whether everything so far came in address order with no overlap (the usual
  // case), so finish() can copy the arrays whole.
  private inOrder = true;
  private lastAddr = -Infinity;
  private lastEnd = -Infinity;

  constructor(options: DisasmIndexOptions = {}) {
    this.source = options.source ?? '<objdump>';
    this.sink = options.onDiagnostic;
  }

  add(r: ObjdumpRecord): void {
    if (this.finished) throw new Error('DisasmIndexBuilder: add after finish');
    switch (r.kind) {
      case 'instruction':
        if (this.ignoring || this.fAddr.length === 0) return;
        this.addInstruction(r.address, r.size, r.text, r.srcline);
        return;
      case 'function':
        if (this.ignoring) return;
        if (r.address < (this.fAddr[this.fAddr.length - 1] ?? -Infinity)) this.inOrder = false;
        this.fAddr.push(r.address);
        // a plain -d listing's mangled names read as -dC prints them
        this.fName.push(unpin(demangle(r.name) ?? r.name));
        this.fSection.push(this.sectionCount);
        this.fFirst.push(this.n);
        this.fCount.push(0);
        this.fSkipEnd.push(false);
        this.fLine.push(r.line);
        return;
      case 'skip':
        if (this.ignoring || this.fAddr.length === 0) return;
        this.fSkipEnd[this.fSkipEnd.length - 1] = true;
        return;
      case 'section':
        if (!this.ignoring) this.sectionCount++;
        return;
      case 'build-id':
        if (!this.ignoring) this.buildId = r.buildId;
        return;
      case 'file':
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

  private addInstruction(address: number, size: number, text: string, srcline: string | undefined): void {
    const k = this.n;
    if (k === this.iAddr.length) {
      this.iAddr = grow(this.iAddr, k + 1);
      this.iSize = grow(this.iSize, k + 1);
      this.iFunc = grow(this.iFunc, k + 1);
      this.iSrc = grow(this.iSrc, k + 1);
      this.iText = grow(this.iText, k + 2);
    }
    const f = this.fAddr.length - 1;
    if (address <= this.lastAddr || address < this.lastEnd) this.inOrder = false;
    this.lastAddr = address;
    this.lastEnd = address + size;
    this.iAddr[k] = address;
    this.iSize[k] = size > 255 ? 255 : size;
    this.iFunc[k] = f;
    let src = -1;
    if (srcline !== undefined) {
      if (srcline === this.lastSrcline) {
        src = this.lastSrc;
      } else {
        src = this.srcIds.get(srcline) ?? -1;
        if (src < 0) {
          src = this.srcNames.length;
          const copy = unpin(srcline);
          this.srcNames.push(copy);
          this.srcIds.set(copy, src);
        }
        this.lastSrcline = srcline;
        this.lastSrc = src;
      }
    }
    this.iSrc[k] = src;
    this.iText[k] = this.poolEnd;
    this.poolEnd += text.length;
    this.iText[k + 1] = this.poolEnd;
    this.texts.push(text);
    if (this.texts.length === 8192) {
      this.chunks.push(this.texts.join(''));
      this.texts = [];
    }
    this.fCount[f] = (this.fCount[f] ?? 0) + 1;
    this.n = k + 1;
    this.fSkipEnd[f] = false;
  }

  /** The index of everything added. The builder cannot be used afterwards. */
  finish(): DisasmIndex {
    this.finished = true;
    const nf = this.fAddr.length;
    const fAddr = this.fAddr;
    // Functions by address, ties in the order added: listings are in address
    // order already, but blocks fed in any order must give the same index.
    const order = Array.from({ length: nf }, (_, i) => i);
    let sorted = true;
    for (let i = 1; i < nf; i++) if ((fAddr[i] as number) < (fAddr[i - 1] as number)) sorted = false;
    if (!sorted) order.sort((a, b) => (fAddr[a] as number) - (fAddr[b] as number) || a - b);

    const n = this.n;
    if (this.inOrder) return this.finishInOrder();
    const addr = new Float64Array(n);
    const size = new Uint8Array(n);
    const func = new Uint32Array(n);
    const src = new Int32Array(n);
    const textStart = new Uint32Array(n);
    const textEnd = new Uint32Array(n);
    const first = new Uint32Array(nf);
    const count = new Uint32Array(nf);
    let out = 0;
    let lastAddr = -Infinity;
    let lastEnd = -Infinity;
    let dropped = 0;
    let droppedLine = 0;
    for (let rank = 0; rank < nf; rank++) {
      const f = order[rank] as number;
      first[rank] = out;
      const from = this.fFirst[f] as number;
      const to = from + (this.fCount[f] as number);
      for (let k = from; k < to; k++) {
        const a = this.iAddr[k] as number;
        // Code listed twice (the same listing fed twice, or a relocatable
        // object whose sections all start at 0) keeps its first copy.
        if (a <= lastAddr || a < lastEnd) {
          if (dropped++ === 0) droppedLine = this.fLine[f] as number;
          continue;
        }
        const s = this.iSize[k] as number;
        addr[out] = a;
        size[out] = s;
        func[out] = rank;
        src[out] = this.iSrc[k] as number;
        textStart[out] = this.iText[k] as number;
        textEnd[out] = this.iText[k + 1] as number;
        lastAddr = a;
        lastEnd = a + s;
        out++;
      }
      count[rank] = out - (first[rank] as number);
    }
    if (dropped > 0) {
      this.sink?.({ source: this.source, line: droppedLine, reason: `${dropped} instructions overlap code listed before them (the same code twice, or a relocatable object); the first copy is kept` });
    }
    const starts = new Float64Array(nf);
    const sections = new Uint32Array(nf);
    const skipEnd = new Uint8Array(nf);
    for (let rank = 0; rank < nf; rank++) {
      const f = order[rank] as number;
      starts[rank] = fAddr[f] as number;
      sections[rank] = this.fSection[f] as number;
      skipEnd[rank] = this.fSkipEnd[f] === true ? 1 : 0;
    }
    return this.parts(
      out,
      {
        addr: out === n ? addr : addr.slice(0, out),
        size: out === n ? size : size.slice(0, out),
        func: out === n ? func : func.slice(0, out),
        src: out === n ? src : src.slice(0, out),
        textStart: out === n ? textStart : textStart.slice(0, out),
        textEnd: out === n ? textEnd : textEnd.slice(0, out),
      },
      { names: order.map((f) => this.fName[f] as string), starts, sections, skipEnd, first, count },
    );
  }

  // Listing order is address order: the arrays as they are, trimmed.
  private finishInOrder(): DisasmIndex {
    const n = this.n;
    return this.parts(
      n,
      {
        addr: this.iAddr.slice(0, n),
        size: this.iSize.slice(0, n),
        func: this.iFunc.slice(0, n),
        src: this.iSrc.slice(0, n),
        textStart: this.iText.slice(0, n),
        textEnd: this.iText.slice(1, n + 1),
      },
      {
        names: this.fName.slice(),
        starts: Float64Array.from(this.fAddr),
        sections: Uint32Array.from(this.fSection),
        skipEnd: Uint8Array.from(this.fSkipEnd, (b) => (b ? 1 : 0)),
        first: Uint32Array.from(this.fFirst),
        count: Uint32Array.from(this.fCount),
      },
    );
  }

  private parts(
    n: number,
    code: Pick<IndexParts, 'addr' | 'size' | 'func' | 'src' | 'textStart' | 'textEnd'>,
    fns: Pick<IndexParts, 'starts' | 'sections' | 'skipEnd' | 'first' | 'count'> & { names: string[] },
  ): DisasmIndex {
    this.chunks.push(this.texts.join(''));
    const pool = this.chunks.join('');
    this.chunks = [];
    this.texts = [];
    // Let the build arrays go.
    this.iAddr = new Float64Array(0);
    this.iSize = new Uint8Array(0);
    this.iFunc = new Uint32Array(0);
    this.iSrc = new Int32Array(0);
    this.iText = new Uint32Array(0);
    const [path = '', format = ''] = detach([this.path, this.format]);
    const srcNames = detach(this.srcNames);
    // Drop what the builder holds: a stream that is still closing may keep it
    // reachable for a while, and its strings pin the input's decoded chunks.
    this.srcIds.clear();
    this.srcNames.length = 0;
    this.lastSrcline = undefined;
    this.fName.length = 0;
    const names = detach(fns.names);
    return new CompactDisasmIndex({ path, format, tool: this.tool, buildId: this.buildId, n, ...code, pool, srcNames, ...fns, names });
  }
}

// A copy of a string sliced from an input line. Kept as it is, the slice would
// keep the whole decoded chunk of input (16 KB and more) alive: a function
// name per chunk would hold the entire listing in memory while indexing.
function unpin(s: string): string {
  return (' ' + s).slice(1);
}

// Copies of `strings` that share one flat string instead of each pinning the
// (megabyte) chunk of input its line was sliced from.
function detach(strings: readonly string[]): string[] {
  if (strings.length === 0) return [];
  return strings.join('\n').split('\n');
}

/** Reads a listing's lines and indexes it. Bad lines go to `options.onDiagnostic`. */
export async function indexObjdump(lines: AsyncIterable<string> | Iterable<string>, options: ObjdumpOptions): Promise<DisasmIndex> {
  const builder = new DisasmIndexBuilder(options);
  const parser = new ObjdumpParser(options, (r) => builder.add(r));
  if (Symbol.asyncIterator in lines) {
    for await (const line of lines) parser.line(line);
  } else {
    for (const line of lines) parser.line(line);
  }
  parser.end();
  return builder.finish();
}

/** Indexes a listing file (`.gz` or plain, `-` for stdin) on the fast line path. Throws InputError when it cannot be read. */
export async function indexObjdumpFile(path: string, options: Partial<ObjdumpOptions> = {}): Promise<DisasmIndex> {
  const opts: ObjdumpOptions = { ...options, source: options.source ?? path };
  const builder = new DisasmIndexBuilder(opts);
  await readInput(path, { formats: [objdumpFormat], onRecord: (r) => builder.add(r), ...(opts.onDiagnostic !== undefined ? { onDiagnostic: opts.onDiagnostic } : {}) });
  return builder.finish();
}
