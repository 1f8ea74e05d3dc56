// perf script bytes → PerfScriptParser, without decoding the frame lines that
// repeat: a tab-indented frame line seen before is found from its bytes
// (parsers/line-table.ts) and handed on as the one string decoded for it when
// it was first seen, so the parser's frame cache and its compares with the
// previous record meet the same string again. Every other line is decoded as
// UTF-8 on its own (a newline never falls inside a UTF-8 sequence, so that is
// the text LineSplitter would cut) and goes to the parser's `line`. Line
// numbers, CR handling and overlong lines (their length in UTF-16 units, as
// LineSplitter counts them) are the splitter's.
import { StringDecoder } from 'node:string_decoder';
import type { DiagnosticSink } from './records.js';
import type { ByteParser, ParserOptions } from './format.js';
import { HASHED_BYTES, LineTable, viewOf } from './line-table.js';
import { DEFAULT_MAX_LINE_LENGTH } from './lines.js';
import { isFrameShaped } from './perf-script-frames.js';

const TAB = 9;
const LF = 10;
const CR = 13;
const HASH = 35;
/** Bytes decoded into one string at a time while counting a cut line's length (as LineSplitter: below V8's large-object size). */
const DECODE_PIECE = 1 << 16;

/** What PerfScriptByteReader feeds (PerfScriptParser). */
export interface PerfScriptLineSink {
  readonly lines: number;
  line(text: string): void;
  /** The reader's texts of its distinct frame lines, by id: given once, filled as lines are met. */
  useFrameTexts(texts: readonly string[]): void;
  /** A tab-indented, frame-shaped line without a CR, already known to be one: its id. */
  frameLine(id: number): void;
  /** The text of a new distinct frame line and its id, which will be handed to frameLine again and again. */
  adoptFrameLine(text: string, id: number): void;
  /** A line starting with neither a tab nor `#`, without a CR: true when read as a record header from its bytes; false leaves it to `line`. */
  headerBytes(buf: Buffer, view: DataView, start: number, end: number): boolean;
  skip(): void;
  end(): void;
}

export class PerfScriptByteReader<P extends PerfScriptLineSink> implements ByteParser {
  /** Every byte kept past a write is copied (cut lines, interned frame lines, decoded text): the reader may refill a chunk once written. */
  readonly copiesChunks = true;
  private readonly frames = new LineTable();
  /** Per line id: its text (every interned line is frame-shaped). */
  private readonly texts: string[] = [];

  private readonly source: string;
  private readonly sink: DiagnosticSink | undefined;
  private readonly max: number;
  // a line cut by chunk edges: its pieces and their length in UTF-16 units so far,
  // or, once longer than the maximum, only that length
  private rest: Buffer[] = [];
  private restUnits = 0;
  private restDecoder: StringDecoder | undefined;
  private overflow: { decoder: StringDecoder; units: number } | undefined;

  constructor(
    readonly parser: P,
    options: ParserOptions & { maxLineLength?: number },
  ) {
    this.source = options.source;
    this.sink = options.onDiagnostic;
    this.max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    parser.useFrameTexts(this.texts);
  }

  get lines(): number {
    return this.parser.lines;
  }

  write(chunk: Buffer): void {
    let from = 0;
    if (this.rest.length > 0 || this.overflow !== undefined) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.keep(chunk);
        return;
      }
      const head = chunk.subarray(0, nl);
      if (this.overflow !== undefined) {
        this.overlong(this.overflow.units + units(this.overflow.decoder, head) + this.overflow.decoder.end().length);
        this.overflow = undefined;
      } else {
        const joined = Buffer.concat([...this.rest, head]);
        this.clearRest();
        this.take(joined, viewOf(joined), 0, joined.length);
      }
      from = nl + 1;
    }
    from = this.wholeLines(this.parser, chunk, viewOf(chunk), from, chunk.length);
    if (from < chunk.length) this.keep(chunk.subarray(from));
  }

  // The whole lines of `chunk` (its `view`, `limit` its length) from `from` on: where the first line not ended
  // in it starts. (A method of its own, its reads inside the chunk: the code optimized on stack while the first
  // chunk was read had not met what follows the loop, nor a read past the chunk's end, and each threw it away
  // when met. What it reads before its loop comes as arguments: read there once before the function had its
  // type feedback, it was compiled without any, and the second chunk threw that code away.)
  private wholeLines(parser: P, chunk: Buffer, view: DataView, from: number, limit: number): number {
    while (from < limit) {
      const c0 = chunk[from];
      if (from + HASHED_BYTES <= limit && c0 === TAB) {
        const id = this.frames.known(view, from, limit);
        if (id >= 0) {
          parser.frameLine(id);
          from = this.frames.knownEnd + 1;
          continue;
        }
      } else if (c0 === LF) {
        // the blank line that ends a record
        parser.line('');
        from++;
        continue;
      }
      const nl = chunk.indexOf(LF, from);
      if (nl < 0) break;
      this.take(chunk, view, from, nl);
      from = nl + 1;
    }
    return from;
  }

  end(): void {
    if (this.overflow !== undefined) {
      this.overlong(this.overflow.units + this.overflow.decoder.end().length);
      this.overflow = undefined;
    } else if (this.rest.length > 0) {
      const last = Buffer.concat(this.rest);
      this.clearRest();
      this.take(last, viewOf(last), 0, last.length);
    }
    this.parser.end();
  }

  // One whole line, bytes [start, end) without its newline.
  private take(buf: Buffer, view: DataView, start: number, end: number): void {
    const bytes = end - start;
    if (bytes > this.max) {
      // maybe short enough in UTF-16 units, as LineSplitter measures
      const text = buf.toString('utf8', start, end);
      if (text.length > this.max) {
        this.overlong(text.length);
        return;
      }
    }
    const e = bytes > 0 && buf[end - 1] === CR ? end - 1 : end;
    if (e === start) {
      this.parser.line('');
      return;
    }
    const c0 = buf[start];
    // a record header (or what may be one): read from its bytes where they tell
    if (c0 !== TAB && c0 !== HASH && buf[e - 1] !== CR && this.parser.headerBytes(buf, view, start, e)) return;
    const text = buf.toString('utf8', start, e);
    if (e === end && c0 === TAB && isFrameShaped(text)) {
      const id = this.frames.intern(buf, view, start, end);
      if (this.texts[id] === undefined) {
        this.texts[id] = text;
        this.parser.adoptFrameLine(text, id);
      }
      this.parser.frameLine(id);
      return;
    }
    this.parser.line(text);
  }

  private keep(piece: Buffer): void {
    if (this.overflow !== undefined) {
      this.overflow.units += units(this.overflow.decoder, piece);
      return;
    }
    const decoder = (this.restDecoder ??= new StringDecoder('utf8'));
    const length = this.restUnits + units(decoder, piece);
    if (length > this.max) {
      this.overflow = { decoder, units: length };
      this.clearRest();
      return;
    }
    this.restUnits = length;
    // copied: the chunk it is cut from may be reused by the stream
    this.rest.push(Buffer.from(piece));
  }

  private clearRest(): void {
    this.rest = [];
    this.restUnits = 0;
    this.restDecoder = undefined;
  }

  private overlong(length: number): void {
    this.parser.skip();
    this.sink?.({ source: this.source, line: this.parser.lines, reason: `line of ${length} characters is longer than the maximum line length; skipped` });
  }
}

/** The UTF-16 length of `bytes` decoded after what `decoder` holds back. */
function units(decoder: StringDecoder, bytes: Buffer): number {
  let n = 0;
  for (let at = 0; at < bytes.length; at += DECODE_PIECE) n += decoder.write(bytes.subarray(at, at + DECODE_PIECE)).length;
  return n;
}
