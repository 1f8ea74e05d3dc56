// An objdump listing as an address index: its functions found in one quick
// pass over the listing's bytes, a function's instructions read only when a
// lookup first lands in it (src/listing-table.ts), so indexing libc's ~340k
// instructions for the few functions a trace touches costs little more than
// reading the file. `Instruction` objects are made only when a lookup returns one.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { InputError } from '../parsers/errors.js';
import { DEFAULT_MAX_LINE_LENGTH, forEachChunk, openInput } from '../parsers/lines.js';
import type { ObjdumpOptions } from '../parsers/objdump.js';
import { SNIFF_LINES } from '../parsers/sniff.js';
import { ListingIndex } from './disasm-lookup.js';
import type { ListingIndex as DisasmIndex } from './disasm-lookup.js';
import { readListingPieces, readListingTable } from './listing-table.js';
import type { DiagnosticSink } from './model.js';

export { archOfFormat, nameKeys } from './disasm-lookup.js';

/** A listing's index: by address, by function name and by range (its docs: ListingIndex). */
export type { ListingIndex as DisasmIndex, ListingFunction, ListingLookup } from './disasm-lookup.js';

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
  /** Bytes of a plain listing file read at a time (a longer line widens it). Default 1 MiB. */
  piece?: number;
  /** A function of this many instructions or more is kept as the listing is first read, not read again on its first lookup. Default 4096. */
  keep?: number;
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
    ...(options.keep !== undefined ? { keep: options.keep } : {}),
  });
  const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  return { index: new ListingIndex(table), lines, sourceLines, head: headOf(bytes, max) };
}

// (Closures made apart from indexBytes: one made there would keep its `bytes`.)
function headOf(bytes: Buffer, max: number): () => string[] {
  return () => headLines(bytes, max);
}

function linesOf(lines: string[]): () => string[] {
  return () => [...lines];
}

/**
 * Bytes [from, to) of a plain file read again, for the functions a lookup lands in: a listing
 * (libc's is ~20 MB) is not kept in memory for the few functions a trace touches. A file that
 * changed since it was indexed is an input error, not a wrong instruction.
 */
function rereader(path: string, size: number, mtimeMs: number): (from: number, to: number) => Buffer {
  return (from, to) => {
    const changed = (): InputError => new InputError(`${path}: changed while faultpath was reading it (it is read again for the functions faults land in); run again on a listing that stays put`);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      throw changed();
    }
    try {
      const s = fstatSync(fd);
      if (s.size !== size || s.mtimeMs !== mtimeMs) throw changed();
      const b = Buffer.allocUnsafe(to - from);
      let got = 0;
      while (got < b.length) {
        const n = readSync(fd, b, got, b.length - got, from + got);
        if (n === 0) throw changed();
        got += n;
      }
      return b;
    } finally {
      closeSync(fd);
    }
  };
}

/** Reads a listing file (`.gz` or plain, `-` for stdin) into memory and indexes it. Throws InputError when it cannot be read. */
export async function readListing(path: string, options: ReadListingOptions = {}): Promise<ListingRead> {
  const plain = path === '-' ? undefined : indexPlainFile(path, { ...options, source: options.source ?? path });
  if (plain !== undefined) return plain;
  // .gz, stdin, a pipe: the bytes unpacked, kept with the index
  const stream = await openInput(path, options.stdin);
  const chunks: Buffer[] = [];
  const bytes = await forEachChunk(
    stream,
    (c) => chunks.push(c),
    () => Buffer.concat(chunks),
  );
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

// The window of a plain listing read at a time (grown for a longer line). Below glibc's mmap threshold
// (128 KiB): malloc serves it from its heap, and its free leaves malloc's thresholds alone (one served by
// an mmap and freed raises them to its size: every buffer up to that size, the trace's chunks, then came
// from the heap, which was not trimmed, ~15 MB more peak RSS for `report` on 1 GB). Small, too, for V8,
// which counts an ArrayBuffer's bytes as external memory: past ~32 MB of them it collects, and the
// window in a buffer of 32 MB, as it was, cost a scavenge and a full mark-compact as the listings were read.
const PIECE = 1 << 16;

/**
 * A plain (not gzip) file indexed as it is read, a window of whole lines at a
 * time (libc's 20 MB listing read whole was ~5k fresh pages, each ~10 µs on a
 * VM that backs its memory lazily); undefined for anything else, or when its
 * first bytes cannot be read (the stream reader then says what is wrong).
 */
function indexPlainFile(path: string, options: Omit<ReadListingOptions, 'stdin'>): ListingRead | undefined {
  const piece = Math.max(1, options.piece ?? PIECE);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let size: number;
    let mtimeMs: number;
    let room: Buffer;
    let held: number;
    try {
      const s = fstatSync(fd);
      if (!s.isFile()) return undefined;
      size = s.size;
      mtimeMs = s.mtimeMs;
      room = Buffer.allocUnsafe(Math.min(size, piece));
      held = fill(fd, room, 0, room.length, 0);
      if (held < room.length) return undefined;
    } catch {
      return undefined;
    }
    if (held >= 2 && room[0] === 0x1f && room[1] === 0x8b) return undefined;
    const source = options.source ?? '<objdump>';
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    const reread = rereader(path, size, mtimeMs);
    const head = new HeadLines(max);
    const { table, lines, sourceLines } = readListingPieces(
      size,
      (take) => {
        // room[0, held) is the listing from offset `at`
        let at = 0;
        let window = Math.min(size, piece);
        for (;;) {
          const last = at + held === size;
          const end = last ? held : room.lastIndexOf(10, held - 1) + 1;
          if (end > 0) {
            head.add(room, end);
            take(room, 0, end, at);
          }
          if (last) return;
          room.copyWithin(0, end, held);
          at += end;
          held -= end;
          // a line longer than the window: a wider one
          if (held === window) {
            window = Math.min(size - at, 2 * window);
            const wider = Buffer.allocUnsafe(window);
            room.copy(wider, 0, 0, held);
            room = wider;
          }
          const want = Math.min(window, size - at) - held;
          let got: number;
          try {
            got = fill(fd, room, held, want, at + held);
          } catch {
            got = -1;
          }
          if (got < want) throw new InputError(`${path}: changed while faultpath was reading it; run again on a listing that stays put`);
          held += got;
        }
      },
      {
        source,
        ...(options.onDiagnostic !== undefined ? { onDiagnostic: options.onDiagnostic } : {}),
        ...(options.sourceText !== undefined ? { sourceText: options.sourceText } : {}),
        ...(options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {}),
        ...(options.keep !== undefined ? { keep: options.keep } : {}),
        reread,
      },
    );
    const first = head.lines;
    return { index: new ListingIndex(table), lines, sourceLines, head: linesOf(first) };
  } finally {
    closeSync(fd);
  }
}

// Bytes [position, position + length) of the file into b at `at`: how many were read (fewer at its end).
function fill(fd: number, b: Buffer, at: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, at + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

// headLines over a listing read in pieces of whole lines (the last piece ending where the listing does).
class HeadLines {
  readonly lines: string[] = [];
  constructor(private readonly max: number) {}

  add(bytes: Buffer, to: number): void {
    let start = 0;
    while (start < to && this.lines.length < SNIFF_LINES) {
      let nl = bytes.indexOf(10, start);
      if (nl < 0 || nl >= to) nl = to;
      const line = bytes.toString('utf8', start, nl);
      if (line.length <= this.max) this.lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = nl + 1;
    }
  }
}

// Up to SNIFF_LINES first lines, as the line splitter would give them.
function headLines(bytes: Buffer, max: number): string[] {
  const head = new HeadLines(max);
  head.add(bytes, bytes.length);
  return head.lines;
}
