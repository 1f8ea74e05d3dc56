// What every input format provides to the registry (parsers/index.ts) and to
// the one input path (parsers/input.ts): a per-line sniff and a parser.
import type { DiagnosticSink } from './records.js';

/**
 * A line's answer to "is this my format?": `yes` decides, `weak` decides only
 * when no format says `yes` to the same line, `no` leaves it to the others.
 */
export type LineSniff = 'yes' | 'weak' | 'no';

/** A push parser: lines in, records out through the callback it was made with. */
export interface LineParser {
  /** Lines fed so far, skipped ones included. */
  readonly lines: number;
  /** One line without its newline. */
  line(text: string): void;
  /** Counts a line the byte edge dropped (overlong), so later line numbers stay right. */
  skip(): void;
  /** Flushes what is held back. */
  end(): void;
}

/**
 * A parser that takes the bytes themselves (a hot format's scanner): it cuts
 * its own lines, and reports an overlong one with `overlongLine` (input.ts).
 */
export interface ByteParser {
  readonly lines: number;
  /** True when write keeps no reference to a chunk's bytes after it returns: the reader may reuse the chunk. */
  readonly copiesChunks?: boolean;
  write(chunk: Buffer): void;
  end(): void;
}

export interface ParserOptions {
  /** Input name used in diagnostics and record origins (a path, or `-`). */
  source: string;
  /** Receives lines that fit no known shape. */
  onDiagnostic?: DiagnosticSink;
  /** For a parser that cuts its own lines: longer lines are skipped and reported. Default 1 MiB. */
  maxLineLength?: number;
}

export interface Format<R = unknown, P extends LineParser | ByteParser = LineParser | ByteParser> {
  readonly name: FormatName;
  /** What a user calls it in "not perf script or perf trace output": `perf script`. */
  readonly noun: string;
  /** What sniffFormat calls it: `perf script output`, `looks like an objdump listing`. */
  readonly description: string;
  /** "it looks like …": `perf script output`, `an objdump listing`. */
  readonly looksLike: string;
  /** Where the CLI takes it, for a file given in the wrong place: `pass it with --objdump`. */
  readonly passAs: string;
  /** One line (CR already removed; blank, comment and binary lines never reach it). */
  sniff(line: string): LineSniff;
  createParser(options: ParserOptions, onRecord: (r: R) => void): P;
}

/** How many meaningful (not blank, not comment) lines to read before giving up on finding a format. */
export const SNIFF_LINES = 50;

export type FormatName = 'perf-script' | 'perf-trace' | 'objdump' | 'buildid-list';

/** How a format is named to the user: Format's wording fields. */
export type FormatWords = Pick<Format, 'noun' | 'description' | 'looksLike' | 'passAs'>;

/** A registry entry (parsers/index.ts): the format's name and wording, its per-line sniff, its parser. */
export function defineFormat<R, P extends LineParser | ByteParser>(
  name: FormatName,
  words: FormatWords,
  sniff: (line: string) => LineSniff,
  createParser: (options: ParserOptions, onRecord: (r: R) => void) => P,
): Format<R, P> {
  return { name, ...words, sniff, createParser };
}

/** The records a push parser makes of `lines`, pulled one at a time (the parsers' async-generator API). */
export async function* pullRecords<R>(lines: AsyncIterable<string> | Iterable<string>, createParser: (onRecord: (r: R) => void) => { line(text: string): void; end(): void }): AsyncGenerator<R> {
  const queue: R[] = [];
  const parser = createParser((r) => queue.push(r));
  if (Symbol.asyncIterator in lines) {
    for await (const line of lines) {
      parser.line(line);
      if (queue.length > 0) yield* queue.splice(0, queue.length);
    }
  } else {
    for (const line of lines) {
      parser.line(line);
      if (queue.length > 0) yield* queue.splice(0, queue.length);
    }
  }
  parser.end();
  yield* queue;
}
