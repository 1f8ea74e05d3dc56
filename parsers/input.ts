// The one input path: open a file, `-` or a .gz (openInput), sniff which of the
// acceptable formats it is from its first lines, and feed it to that format's
// parser — as lines (LineSplitter, overlong lines counted and reported) or as
// bytes for a parser that cuts its own lines. Every input faultpath reads
// comes through here.
import type { Readable } from 'node:stream';
import { InputError } from './errors.js';
import type { DiagnosticSink } from './records.js';
import type { ByteParser, Format, FormatName, LineParser } from './format.js';
import { LineSplitter, forEachChunk, openInput, openRange, overlongLine } from './lines.js';
import { SNIFF_LINES } from './format.js';
import { PipeReader } from './pipe-reader.js';
import { ReadAheadFile } from './read-ahead.js';

export interface ReadInputOptions<R, P extends LineParser | ByteParser> {
  /** The formats the input may be in, asked in this order. With one, the input is read as that format without sniffing. */
  formats: readonly Format<R, P>[];
  onRecord: (r: R) => void;
  /** Lines that fit no shape, and overlong lines. Default: none. */
  onDiagnostic?: DiagnosticSink;
  /** stdin for `-`. Default process.stdin. */
  stdin?: Readable;
  /** Only bytes [start, end) of a plain file (a range cut at a record boundary). Default: all. */
  range?: { start: number; end: number };
  /** Shows how far the input has been read. Default: none. */
  progress?: { track(stream: Readable, records: () => number): void; stop(): void };
  /** Lines longer than this are skipped and reported. Default 1 MiB (lines.ts). */
  maxLineLength?: number;
}

export interface InputRead<P> {
  format: FormatName;
  parser: P;
  /** Lines read (skipped ones included). */
  lines: number;
  /** Records the parser emitted. */
  records: number;
  /** The first lines (up to 50, more while sniffing needed them), for an error message about what the input looks like. */
  head: readonly string[];
}

export { overlongLine } from './lines.js';

/**
 * Reads `path` (`-` for stdin, plain or gzip) with the parser of the format it
 * is in. Throws InputError when it cannot be read or is none of `formats`.
 */
export async function readInput<R, P extends LineParser | ByteParser>(path: string, options: ReadInputOptions<R, P>): Promise<InputRead<P>> {
  // the sniffer and its registry of every format load only when there is a choice to make (collapse starts without them);
  // loaded before the stream opens: an error the stream raises while this waits would go unheard
  const sniffFor = options.formats.length > 1 ? (await import('./sniff.js')).sniffFor : undefined;
  const stream = options.range !== undefined ? openRange(path, options.range.start, options.range.end) : await openInput(path, options.stdin);
  const sink = options.onDiagnostic;
  let records = 0;
  const onRecord = (r: R): void => {
    records++;
    options.onRecord(r);
  };
  const head: string[] = [];
  let chosen: { format: Format<R, P>; parser: P; feed: (chunk: Buffer) => void; end: () => void } | undefined;
  const choose = (format: Format<R, P>): NonNullable<typeof chosen> => {
    const parser = format.createParser(
      { source: path, ...(sink !== undefined ? { onDiagnostic: sink } : {}), ...(options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {}) },
      onRecord,
    );
    if (isByteParser(parser)) {
      // a chunk the parser is done with goes back to a file's or pipe's reader for its next read
      const recycle = parser.copiesChunks === true && (stream instanceof ReadAheadFile || stream instanceof PipeReader) ? stream : undefined;
      const feed = recycle !== undefined ? (c: Buffer): void => (parser.write(c), recycle.recycle(c)) : (c: Buffer): void => parser.write(c);
      return { format, parser, feed, end: () => parser.end() };
    }
    const p = parser as LineParser;
    const splitter = new LineSplitter(
      (l) => {
        if (head.length < SNIFF_LINES) head.push(l);
        p.line(l);
      },
      {
        ...(options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {}),
        onOverlong: (line, length) => {
          sink?.(overlongLine(path, line, length));
          p.skip();
        },
      },
    );
    return { format, parser, feed: (c) => splitter.write(c), end: () => splitter.end() };
  };

  // Until a format is chosen, chunks are held and their lines sniffed.
  const held: Buffer[] = [];
  const sniffer = new LineSplitter((l) => head.push(l), options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {});
  // `early`: only a format found is taken (more lines may still find one where these found none)
  const decide = (final: boolean, early = false): boolean => {
    const a = sniffFor!(head, options.formats, final);
    if (a.answer === 'need-more' || (early && a.answer === 'no')) return false;
    if (a.answer === 'no') throw new InputError(`${path}: ${a.reason}`);
    head.length = 0; // the parser's pass collects it again
    chosen = choose(a.format);
    for (const c of held) chosen.feed(c);
    held.length = 0;
    return true;
  };
  if (options.formats.length === 1) chosen = choose(options.formats[0]!);

  options.progress?.track(stream, () => records);
  try {
    await forEachChunk(
      stream,
      (chunk) => {
        if (chosen !== undefined) {
          chosen.feed(chunk);
          return;
        }
        held.push(chunk);
        // a piece at a time: the first decisive line names the format (sniff.ts), and
        // the rest of a 1 MiB chunk need not be cut into lines (~30 ms before the first record)
        for (let at = 0; at < chunk.length; at += SNIFF_PIECE) {
          sniffer.write(chunk.subarray(at, at + SNIFF_PIECE));
          if (at + SNIFF_PIECE < chunk.length ? decide(false, true) : decide(false)) return;
        }
      },
      () => {
        if (chosen === undefined) {
          sniffer.end();
          decide(true);
        }
        chosen!.end();
      },
    );
  } finally {
    options.progress?.stop();
  }
  const parser = chosen!.parser;
  parser.end();
  return { format: chosen!.format.name, parser, lines: parser.lines, records, head };
}

/** Bytes of a held chunk sniffed at a time. */
const SNIFF_PIECE = 1 << 16;

function isByteParser(p: LineParser | ByteParser): p is ByteParser {
  return typeof (p as ByteParser).write === 'function';
}
