// An objdump listing as an address index: its functions found in one quick
// pass over the listing's bytes, a function's instructions read only when a
// lookup first lands in it (src/listing-table.ts), so indexing libc's ~340k
// instructions for the few functions a trace touches costs little more than
// reading the file. `Instruction` objects are made only when a lookup returns one.
import type { Readable } from 'node:stream';
import { DEFAULT_MAX_LINE_LENGTH, forEachChunk, openInput } from '../parsers/lines.js';
import type { ObjdumpOptions } from '../parsers/objdump.js';
import { SNIFF_LINES } from '../parsers/sniff.js';
import { ListingIndex } from './disasm-lookup.js';
import { readListingTable } from './listing-table.js';
import type { DiagnosticSink, Instruction, ObjdumpTool } from './model.js';

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

/** A listing indexed, with its line counts (for the report's input summary). */
export interface ListingRead {
  readonly index: DisasmIndex;
  /** Lines read, overlong ones included. */
  readonly lines: number;
  /** `-S` source text lines skipped. */
  readonly sourceLines: number;
  /** Its first lines (for an error message about what it looks like instead). */
  head(): string[];
}

export interface ReadListingOptions extends DisasmIndexOptions {
  /** Lines fitting no shape inside a GNU function are -S source text (see ObjdumpOptions). Default true. */
  sourceText?: boolean;
  /** stdin for `-`. Default process.stdin. */
  stdin?: Readable;
  /** Lines longer than this are skipped and reported. Default 1 MiB. */
  maxLineLength?: number;
}

/**
 * Indexes a listing held in memory. Its functions are found and its bad lines
 * reported now; a function's instructions are read from `bytes` when a lookup
 * first lands in it (src/listing-table.ts), so `bytes` stays with the index.
 */
export function indexListingBytes(bytes: Buffer, options: Omit<ReadListingOptions, 'stdin'> = {}): ListingRead {
  const source = options.source ?? '<objdump>';
  const { table, lines, sourceLines } = readListingTable(bytes, {
    source,
    ...(options.onDiagnostic !== undefined ? { onDiagnostic: options.onDiagnostic } : {}),
    ...(options.sourceText !== undefined ? { sourceText: options.sourceText } : {}),
    ...(options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {}),
  });
  return { index: new ListingIndex(table), lines, sourceLines, head: () => headLines(bytes, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH) };
}

/** Reads a listing file (`.gz` or plain, `-` for stdin) into memory and indexes it. Throws InputError when it cannot be read. */
export async function readListing(path: string, options: ReadListingOptions = {}): Promise<ListingRead> {
  const chunks: Buffer[] = [];
  const stream = await openInput(path, options.stdin);
  const bytes = await forEachChunk(
    stream,
    (c) => chunks.push(c),
    () => Buffer.concat(chunks),
  );
  chunks.length = 0;
  return indexListingBytes(bytes, { ...options, source: options.source ?? path });
}

/** Indexes a listing's lines. Bad lines go to `options.onDiagnostic`. */
export async function indexObjdump(lines: AsyncIterable<string> | Iterable<string>, options: ObjdumpOptions): Promise<DisasmIndex> {
  const all: string[] = [];
  if (Symbol.asyncIterator in lines) {
    for await (const line of lines) all.push(line);
  } else {
    for (const line of lines) all.push(line);
  }
  return indexListingBytes(Buffer.from(all.join('\n'), 'utf8'), options).index;
}

/** Indexes a listing file (`.gz` or plain, `-` for stdin). Throws InputError when it cannot be read. */
export async function indexObjdumpFile(path: string, options: ReadListingOptions = {}): Promise<DisasmIndex> {
  return (await readListing(path, options)).index;
}

// Up to SNIFF_LINES first lines, as the line splitter would give them.
function headLines(bytes: Buffer, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < bytes.length && out.length < SNIFF_LINES) {
    let nl = bytes.indexOf(10, start);
    if (nl < 0) nl = bytes.length;
    const line = bytes.toString('utf8', start, nl);
    if (line.length <= max) out.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    start = nl + 1;
  }
  return out;
}
