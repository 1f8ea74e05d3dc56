// An objdump listing as a compact address index: sorted typed arrays of
// instruction addresses, sizes, owning functions and offsets into one text
// pool. `Instruction` objects are made only when a lookup returns one, so
// libc's ~340k instructions cost a few typed arrays, not 340k objects.
import { objdumpFormat } from '../parsers/index.js';
import { readInput } from '../parsers/input.js';
import { ObjdumpParser, type ObjdumpOptions } from '../parsers/objdump.js';
import { demangle, withoutParameters } from './demangle.js';
import type { DiagnosticSink, Instruction, ObjdumpRecord, ObjdumpTool } from './model.js';

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

/** The BFD target's architecture, as faultpath names it. */
export function archOfFormat(format: string): string {
  if (format.includes('x86-64')) return 'x86-64';
  if (format.includes('aarch64')) return 'aarch64';
  if (format.includes('i386')) return 'i386';
  if (format.includes('littlearm') || format.includes('bigarm')) return 'arm';
  if (format.includes('riscv')) return format.startsWith('elf32') ? 'riscv32' : 'riscv64';
  if (format.includes('powerpcle')) return 'ppc64le';
  if (format.includes('powerpc')) return 'ppc64';
  if (format.includes('s390')) return 's390x';
  if (format.includes('mips')) return 'mips';
  return 'unknown';
}

// Architectures whose every instruction is 4 bytes: the extent of an
// instruction when the listing shows no raw bytes.
const FIXED_SIZE: Readonly<Record<string, number>> = { aarch64: 4, ppc64: 4, ppc64le: 4, mips: 4 };

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

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function growU32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function growU8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(Math.max(n, a.length * 2));
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
      this.iAddr = growF64(this.iAddr, k + 1);
      this.iSize = growU8(this.iSize, k + 1);
      this.iFunc = growU32(this.iFunc, k + 1);
      this.iSrc = growI32(this.iSrc, k + 1);
      this.iText = growU32(this.iText, k + 2);
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

interface IndexParts {
  path: string;
  format: string;
  tool: ObjdumpTool | undefined;
  buildId: string | undefined;
  n: number;
  addr: Float64Array;
  size: Uint8Array;
  func: Uint32Array;
  src: Int32Array;
  textStart: Uint32Array;
  textEnd: Uint32Array;
  pool: string;
  srcNames: string[];
  names: string[];
  starts: Float64Array;
  sections: Uint32Array;
  skipEnd: Uint8Array;
  first: Uint32Array;
  count: Uint32Array;
}

class CompactDisasmIndex implements DisasmIndex {
  readonly path: string;
  readonly format: string;
  readonly arch: string;
  readonly tool: ObjdumpTool | undefined;
  readonly buildId: string | undefined;
  readonly functionCount: number;
  readonly instructionCount: number;
  private readonly p: IndexParts;
  private readonly fixedSize: number;
  // Function ends, and the functions that own code (for range lookups).
  private readonly ends: Float64Array;
  private readonly owners: Uint32Array;
  private readonly ownerStarts: Float64Array;
  private byName: Map<string, number[]> | undefined;

  constructor(p: IndexParts) {
    this.p = p;
    this.path = p.path;
    this.format = p.format;
    this.arch = archOfFormat(p.format);
    this.tool = p.tool;
    this.buildId = p.buildId;
    this.functionCount = p.names.length;
    this.instructionCount = p.n;
    this.fixedSize = FIXED_SIZE[this.arch] ?? 0;
    const nf = p.names.length;
    const ends = new Float64Array(nf);
    for (let f = 0; f < nf; f++) {
      const c = p.count[f] as number;
      let end = p.starts[f] as number;
      if (c > 0) {
        const last = (p.first[f] as number) + c - 1;
        end = Math.max(end, (p.addr[last] as number) + this.extent(last));
      }
      if (p.skipEnd[f] === 1) {
        // `...` ran to the next symbol of the same section
        const next = this.nextStart(f);
        if (next !== undefined && p.sections[f + 1] === p.sections[f]) end = Math.max(end, next);
      }
      ends[f] = end;
    }
    // A symbol with no code of its own at the address of one with code is an alias: same range.
    for (let f = 0; f < nf; f++) {
      if (ends[f] !== p.starts[f]) continue;
      for (const g of [f - 1, f + 1]) {
        if (g >= 0 && g < nf && p.starts[g] === p.starts[f] && (ends[g] as number) > (ends[f] as number)) ends[f] = ends[g] as number;
      }
    }
    this.ends = ends;
    const owners: number[] = [];
    for (let f = 0; f < nf; f++) {
      if ((p.count[f] as number) === 0 && p.skipEnd[f] === 0) continue;
      if ((ends[f] as number) <= (p.starts[f] as number)) continue;
      const prev = owners[owners.length - 1];
      if (prev !== undefined && p.starts[prev] === p.starts[f]) {
        if ((p.count[f] as number) > (p.count[prev] as number)) owners[owners.length - 1] = f;
        continue;
      }
      owners.push(f);
    }
    this.owners = Uint32Array.from(owners);
    this.ownerStarts = Float64Array.from(owners, (f) => p.starts[f] as number);
  }

  instructionAt(address: number): Instruction | undefined {
    const k = this.floor(address, 0, this.p.n);
    return k >= 0 && this.p.addr[k] === address ? this.materialize(k) : undefined;
  }

  lookup(address: number): ListingLookup | undefined {
    const p = this.p;
    const o = floorIn(this.ownerStarts, address, 0, this.ownerStarts.length);
    if (o < 0) return undefined;
    const f = this.owners[o] as number;
    if (address >= (this.ends[f] as number)) return undefined;
    const name = p.names[f] as string;
    const functionAddress = p.starts[f] as number;
    const offset = address - functionAddress;
    const from = p.first[f] as number;
    const k = this.floor(address, from, from + (p.count[f] as number));
    if (k >= 0) {
      const a = p.addr[k] as number;
      if (a === address) return { function: name, functionAddress, offset, instruction: this.materialize(k), boundary: true };
      if (address < a + this.extent(k)) return { function: name, functionAddress, offset, instruction: this.materialize(k), boundary: false };
    }
    return { function: name, functionAddress, offset, boundary: false };
  }

  functionsNamed(name: string): ListingFunction[] {
    this.byName ??= this.buildNames();
    const hits = this.byName.get(name);
    if (hits === undefined) return [];
    return hits.map((f) => this.fn(f));
  }

  functionInstructions(functionAddress: number): Instruction[] {
    const o = floorIn(this.ownerStarts, functionAddress, 0, this.ownerStarts.length);
    if (o < 0 || this.ownerStarts[o] !== functionAddress) return [];
    const f = this.owners[o] as number;
    const from = this.p.first[f] as number;
    const to = from + (this.p.count[f] as number);
    const out: Instruction[] = [];
    for (let k = from; k < to; k++) out.push(this.materialize(k));
    return out;
  }

  around(address: number, before: number, after: number): Instruction[] {
    const n = this.p.n;
    let k = this.floor(address, 0, n);
    let from: number;
    let to: number;
    if (k >= 0 && address < (this.p.addr[k] as number) + this.extent(k) && this.sameCode(k, address)) {
      from = k - before;
      to = k + after + 1;
    } else {
      k++; // first instruction above the address
      from = k - before;
      to = k + after;
    }
    const out: Instruction[] = [];
    for (let i = Math.max(0, from); i < Math.min(n, to); i++) out.push(this.materialize(i));
    return out;
  }

  instructionBefore(address: number): Instruction | undefined {
    let k = this.floor(address, 0, this.p.n);
    if (k >= 0 && this.p.addr[k] === address) k--;
    return k >= 0 ? this.materialize(k) : undefined;
  }

  functions(): ListingFunction[] {
    return this.p.names.map((_, f) => this.fn(f));
  }

  private fn(f: number): ListingFunction {
    return { name: this.p.names[f] as string, address: this.p.starts[f] as number, end: this.ends[f] as number };
  }

  // The instruction containing `address` must belong to the function whose range holds it.
  private sameCode(k: number, address: number): boolean {
    const f = this.p.func[k] as number;
    return address < (this.ends[f] as number);
  }

  // Bytes instruction k covers: its size; else (no raw bytes) the fixed size
  // of the architecture, or up to the next instruction or symbol.
  private extent(k: number): number {
    const p = this.p;
    const s = p.size[k] as number;
    if (s > 0) return s;
    if (this.fixedSize > 0) return this.fixedSize;
    const a = p.addr[k] as number;
    const f = p.func[k] as number;
    if (k + 1 < p.n && p.func[k + 1] === f) return (p.addr[k + 1] as number) - a;
    const next = this.nextStart(f);
    if (next !== undefined && p.sections[f + 1] === p.sections[f] && next > a) return next - a;
    return 1;
  }

  // Start of the first function after f at a higher address.
  private nextStart(f: number): number | undefined {
    const p = this.p;
    const here = p.starts[f] as number;
    for (let g = f + 1; g < p.starts.length; g++) {
      const s = p.starts[g] as number;
      if (s > here) return s;
    }
    return undefined;
  }

  // Last instruction index in [from, to) with address ≤ `address`, or -1.
  private floor(address: number, from: number, to: number): number {
    const k = floorIn(this.p.addr, address, from, to);
    return k;
  }

  private materialize(k: number): Instruction {
    const p = this.p;
    const f = p.func[k] as number;
    const text = p.pool.slice(p.textStart[k] as number, p.textEnd[k] as number);
    const s = p.src[k] as number;
    const address = p.addr[k] as number;
    const size = p.size[k] as number;
    const name = p.names[f] as string;
    const functionAddress = p.starts[f] as number;
    if (s < 0) return { address, size, text, function: name, functionAddress };
    return { address, size, text, function: name, functionAddress, source: p.srcNames[s] as string };
  }

  private buildNames(): Map<string, number[]> {
    const map = new Map<string, number[]>();
    const names = this.p.names;
    for (let f = 0; f < names.length; f++) {
      for (const key of nameKeys(names[f] as string)) {
        const list = map.get(key);
        if (list === undefined) {
          map.set(key, [f]);
          continue;
        }
        // the same symbol listed twice at one address counts once
        const dup = list.some((g) => names[g] === names[f] && this.p.starts[g] === this.p.starts[f]);
        if (!dup) list.push(f);
      }
    }
    return map;
  }
}

// Last index in [from, to) of a sorted array with value ≤ x, or from - 1 (as -1 when from is 0).
function floorIn(a: Float64Array, x: number, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1 >= from ? lo - 1 : -1;
}

// The names a listing symbol answers to (see DisasmIndex.functionsNamed):
//   mprotect@plt                         → mprotect@plt, mprotect
//   abort@@GLIBC_2.2.5                   → abort@@GLIBC_2.2.5, abort
//   abort@@GLIBC_2.2.5-0x1f              → itself only (objdump's name for code before a symbol)
//   operator new(unsigned long)@plt      → …, operator new(unsigned long), operator new
//   double sum<double>(double const*, unsigned long)          → …, sum<double>
//   Scale::operator()(double) const [clone .isra.0]           → …, Scale::operator()
//   Scale::operator()(double) const (.isra.0)   (llvm -C)     → …, Scale::operator()
export function nameKeys(name: string): string[] {
  const keys = [name];
  let base = name;
  if (base.endsWith('@plt')) {
    base = base.slice(0, -4);
    keys.push(base);
  }
  const at = base.indexOf('@');
  if (at > 0) {
    if (!/^@@?[A-Za-z_][\w.]*$/.test(base.slice(at))) return keys;
    base = base.slice(0, at);
    keys.push(base);
  }
  if (base.endsWith(')') || base.endsWith(']') || base.endsWith('const')) {
    const plain = withoutParameters(base);
    if (plain !== undefined && plain !== base && !keys.includes(plain)) keys.push(plain);
  }
  return keys;
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
