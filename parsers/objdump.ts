// objdump listings → records: the file header, section starts, symbols
// ("functions"), instructions and `...` skips, from GNU objdump 2.40 and
// llvm-objdump 14 output of `-d` with any of -l, -S, -C, -M intel,
// --no-show-raw-insn, for x86-64 and aarch64 (any BFD target that prints the
// same shapes). Sources of truth: binutils/objdump.c (disassemble_bytes,
// show_line, objdump_print_addr_with_sym) and llvm/tools/llvm-objdump.cpp;
// every quoted line below is from samples/guard/ or samples/listings/.
//
// The hot path (one instruction line, hundreds of thousands per libc) scans
// the line's bytes, decoding only the instruction's text; no regex per line.
import type {
  BuildIdRecord,
  Diagnostic,
  DiagnosticSink,
  ObjdumpFileRecord,
  ObjdumpFunctionRecord,
  ObjdumpInstructionRecord,
  ObjdumpRecord,
  ObjdumpSectionRecord,
  ObjdumpSkipRecord,
  ObjdumpTool,
} from './records.js';
import { BUILD_ID_SECTION, SectionDump } from './elf-note.js';
import {
  collapseBlanks,
  COLON,
  decode,
  fileHeader,
  DOT,
  gnuColumns,
  GT,
  HASH,
  hexDigit,
  isMappingSymbol,
  llvmColumns,
  LT,
  parseSrcline,
  readAddress,
  SEMI,
  sniffObjdump,
  SPACE,
  startsWith,
  TAB,
  type AddressRead,
  type Columns,
} from './objdump-text.js';
import { defineFormat, pullRecords } from './format.js';
import { GnuLines, skimGnuLines } from './objdump-skim.js';
export type { GnuLines } from './objdump-skim.js';
import { contentEnd, DEFAULT_MAX_LINE_LENGTH, lineEndIn, overlongLength, overlongLine } from './lines.js';

export interface ObjdumpOptions {
  /** Input name used in records and diagnostics (a path, or `-`). Required. */
  source: string;
  /** Receives lines that fit no known shape. Default: ignore (they are still counted in `bad`). */
  onDiagnostic?: DiagnosticSink;
  /**
   * An unrecognised line inside a function of a GNU listing is `-S` source text:
   * skipped and counted in `sourceLines`. Set false for listings known to be made
   * without -S to have such lines reported instead. Default true.
   */
  sourceText?: boolean;
  /**
   * A pass that only needs where the code is: instructions come here without
   * their text, with the byte offset of their line (`base` plus `lineStart` as
   * `read` set it then), their source line, and where their text is: bytes
   * [textFrom, textTo) of the buffer their line was read from, then `more` (llvm's
   * second comment, ` ` and its text, or ''), instead of as records. Default: records.
   */
  instructions?: InstructionSink;
}

/**
 * Receives instructions without their text (ObjdumpOptions.instructions). An object, not a closure: the
 * parser's optimized code calls the one method of one class whichever pass reads, where a closure of each
 * pass's own was a new call target for it ("wrong call target": deoptimized at every pass).
 */
export interface InstructionSink {
  instruction(address: number, size: number, lineStart: number, srcline: string | undefined, textFrom: number, textTo: number, more: string): void;
  /** Instructions [0, n) of a run of GNU lines, as `instruction` would take them one at a time (their lines start at `base` plus `run.start`; `more` is ''). */
  run(run: GnuLines, n: number, base: number, srcline: string | undefined): void;
}

/** Cuts an objdump listing into records, one line at a time. */
export class ObjdumpParser {
  /** Lines seen so far. */
  lines = 0;
  /** Lines reported to the diagnostic sink. */
  bad = 0;
  /** `-S` source text lines skipped (GNU bare text, llvm `; text`). */
  sourceLines = 0;
  /** `-l` lines read: `file:line` and function-name lines. */
  lineInfoLines = 0;
  /** llvm-objdump's `$x`/`$d` mapping-symbol headers folded into the function around them. */
  mappingSymbols = 0;
  /** The tool, once the file header said (or the first instruction line showed) it. */
  tool: ObjdumpTool | undefined;

  private inFunction = false;
  private section = '';
  private srcline: string | undefined;
  // The instruction read last, held back until we know no continuation line follows.
  private pending = false;
  private pAddress = 0;
  private pSize = 0;
  private pText = '';
  private pSrcline: string | undefined;
  private pLine = 0;
  private pLineStart = 0;
  private pTextFrom = 0;
  private pTextTo = 0;
  // The binary the last file header named, and the `-s` dump being read.
  private binary = '';
  private dump: SectionDump | undefined;
  // The address readAddress read last.
  private readonly at: AddressRead = { value: 0, end: 0, error: '' };
  private readonly col: Columns = { size: 0, text: 0 };

  // What the hot lines read of the options, in fields: the options objects of
  // the listing index's passes differ in shape, and code optimized on one pass's
  // was thrown away ("wrong map") as the next pass began.
  private readonly source: string;
  private readonly onDiagnostic: DiagnosticSink | undefined;
  private readonly sourceText: boolean;
  private readonly texts: boolean;
  private readonly sink: InstructionSink;
  private readonly run: GnuLines | undefined;

  constructor(
    options: ObjdumpOptions,
    private readonly onRecord: (r: ObjdumpRecord) => void,
  ) {
    this.source = options.source;
    this.onDiagnostic = options.onDiagnostic;
    this.sourceText = options.sourceText !== false;
    this.texts = options.instructions === undefined;
    this.sink = options.instructions ?? NO_INSTRUCTIONS;
    this.run = this.texts ? undefined : (gnuLines ??= new GnuLines());
  }

  line(text: string): void {
    const b = Buffer.from(text, 'utf8');
    this.lineBytes(b, 0, b.length, text);
  }

  /**
   * One line given as bytes [start, end) of `b`, without its newline. The hot
   * shapes (instruction lines) are read from the bytes; a string is decoded
   * only for an instruction's text and for the rare lines. `text`: the line
   * decoded already, when the caller has it.
   */
  lineBytes(b: Buffer, start: number, end: number, text?: string): void {
    const n = ++this.lines;
    if (end === start) return; // blank lines separate blocks and mean nothing else
    const c0 = b[start] as number;
    if (c0 === SPACE || hexDigit(c0) >= 0) {
      if (this.addressLine(b, start, end, n)) return;
    } else if (c0 === TAB) {
      if (this.tabLine(b, start, end, n)) return;
    } else if (c0 === SEMI && this.tool !== 'gnu') {
      this.llvmComment(text ?? decode(b, start, end), n);
      return;
    }
    this.otherLine(text ?? decode(b, start, end), n);
  }

  /** Byte offset in `b` of the line being read by `read` (for a caller that notes where a record's line starts). */
  lineStart = 0;

  /** Added to an instruction's `lineStart` for `instructions` (a caller reading pieces of one input: where the piece is in it). */
  base = 0;

  /**
   * Reads the lines of bytes [from, to) of `b`: CRLF endings lose their CR, a
   * line over `maxLineLength` characters is reported (as the line splitter
   * reports it, parsers/lines.ts) and skipped. Call `end` after the last.
   */
  read(b: Buffer, from: number, to: number, maxLineLength = DEFAULT_MAX_LINE_LENGTH): void {
    const run = this.run;
    let start = from;
    while (start < to) {
      // without texts, a run of GNU instruction lines at a time (parsers/objdump-skim.ts)
      if (run !== undefined && this.inFunction && this.tool !== 'llvm') {
        const next = skimGnuLines(b, start, to, maxLineLength, run);
        if (run.lines > 0) {
          this.takeRun(run);
          start = next;
          continue;
        }
      }
      start = this.oneLine(b, start, to, maxLineLength);
    }
  }

  // The instructions of a run as `instruction` takes them one line at a time: the last is held back (the next
  // line may be its continuation bytes), the others given at once.
  private takeRun(run: GnuLines): void {
    const lines = this.lines;
    this.lines = lines + run.lines;
    this.tool = 'gnu';
    this.flush();
    const k = run.n - 1;
    if (k > 0) this.sink.run(run, k, this.base, this.srcline);
    this.pending = true;
    this.pAddress = run.addr[k] as number;
    this.pSize = run.size[k] as number;
    this.pText = '';
    this.pSrcline = this.srcline;
    this.pLine = lines + run.lastLine;
    this.pLineStart = this.base + (run.start[k] as number);
    this.pTextFrom = run.textFrom[k] as number;
    this.pTextTo = run.textTo[k] as number;
  }

  // One line from `start` as forEachLineIn (parsers/lines.ts) cuts lines; where the next starts.
  private oneLine(b: Buffer, start: number, to: number, maxLineLength: number): number {
    const nl = lineEndIn(b, start, to);
    const length = overlongLength(b, start, nl, maxLineLength);
    if (length > 0) {
      this.onDiagnostic?.(overlongLine(this.source, ++this.lines, length));
    } else {
      this.lineStart = start;
      this.lineBytes(b, start, contentEnd(b, start, nl));
    }
    return nl + 1;
  }

  /** Starts at a function header already read once (a function parsed lazily): its line number and the tool the listing was known to be from there. */
  resume(line: number, tool: ObjdumpTool | undefined): void {
    this.lines = line - 1;
    this.tool = tool;
  }

  /** Starts inside a function, at an instruction line already read once (its text parsed lazily). */
  resumeInside(tool: ObjdumpTool | undefined): void {
    this.tool = tool;
    this.inFunction = true;
  }

  /** Counts a line the byte edge dropped (overlong), so later line numbers stay right. */
  skip(): void {
    this.lines++;
  }

  /** Flushes the instruction held back for continuation lines. Call once after the last line. */
  end(): void {
    this.flush();
    this.endDump();
  }

  // Lines that start with an address (or blanks then an address): instruction
  // lines (their columns: gnuColumns, llvmColumns in objdump-text.ts) and
  // symbol headers. llvm's second comment of an instruction goes on a line of its own:
  //                                                                        # 0x2070 <typeinfo name for geo::Square+0x18>
  // Kernel images have no indent (the address fills the column), and symbol
  // headers start at column 0 too:
  // ffffffff81000042:	48 83 07 01          	addq   $0x1,(%rdi)
  // 00000000000012eb <write_field>:
  // Returns false when the line is not one of these after all (a source line,
  // a file header naming a binary such as `add`), so the caller tries the rest.
  private addressLine(b: Buffer, start: number, len: number, n: number): boolean {
    let i = start;
    while (i < len && b[i] === SPACE) i++;
    if (i === len) return false;
    const c = b[i];
    if (c === HASH && i > start && this.tool !== 'gnu') return this.commentContinuation(b, i, len);
    if (!readAddress(b, i, len, this.at)) return false;
    const j = this.at.end;
    const after = b[j];
    if (after === COLON) {
      const sep = b[j + 1];
      if (sep === TAB && this.tool !== 'llvm') return this.gnuInstruction(b, j + 2, len, n);
      if (sep === SPACE && this.tool !== 'gnu') return this.llvmInstruction(b, j + 2, len, n);
      return false;
    }
    // 00000000000012eb <write_field>:
    // 0000000000001040 <std::__throw_length_error(char const*)@plt>:
    if (after === SPACE && i === start && b[j + 1] === LT && b[len - 1] === COLON && b[len - 2] === GT) {
      if (this.at.error !== '') return this.report(n, this.at.error);
      this.flush();
      let name = decode(b, j + 2, len - 2);
      if (isMappingSymbol(name)) {
        // llvm-objdump prints ARM/AArch64 mapping symbols as if they were functions:
        // 0000000000000808 <$x>:
        // Inside a function they only say "code/data from here"; keep the function.
        // At a section start they are its only name, so name it as GNU does (<.plt>).
        this.mappingSymbols++;
        if (this.inFunction) return true;
        if (this.section !== '') name = this.section;
      }
      this.inFunction = true;
      this.srcline = undefined; // -l prints the first file:line after the header; none when there is no debug info
      const r: ObjdumpFunctionRecord = { kind: 'function', source: this.source, line: n, address: this.at.value, name };
      this.onRecord(r);
      return true;
    }
    return false;
  }

  // GNU: raw bytes and text, raw bytes only (the rest of a long instruction) or text only.
  private gnuInstruction(b: Buffer, start: number, len: number, n: number): boolean {
    const col = this.col;
    gnuColumns(b, start, len, col);
    if (col.text < 0) {
      // 134b:	00   — the rest of the bytes of the instruction above
      if (this.at.error !== '') return this.report(n, this.at.error);
      if (!this.pending || !this.inFunction) return this.report(n, 'continuation bytes with no instruction before them');
      if (this.at.value !== this.pAddress + this.pSize) return this.report(n, 'continuation bytes at an address that does not follow the instruction above');
      this.pSize += col.size;
      this.tool ??= 'gnu';
      return true;
    }
    if (col.text >= len) return false;
    if (!this.inFunction) {
      // `abc:\tfile format elf64-x86-64` is llvm's header for a binary named abc
      if (startsWith(b, start, len, FILE_FORMAT)) return false;
      return this.report(n, 'instruction before any symbol header');
    }
    if (this.at.error !== '') return this.report(n, this.at.error);
    this.tool ??= 'gnu';
    this.instruction(this.at.value, col.size, b, col.text, len, n);
    return true;
  }

  private llvmInstruction(b: Buffer, start: number, len: number, n: number): boolean {
    const col = this.col;
    if (!llvmColumns(b, start, len, col)) return false;
    if (!this.inFunction) return this.report(n, 'instruction before any symbol header');
    if (this.at.error !== '') return this.report(n, this.at.error);
    this.tool ??= 'llvm';
    this.instruction(this.at.value, col.size, b, col.text, len, n);
    return true;
  }

  //                                                                        # 0x2070 <typeinfo name for geo::Square+0x18>
  private commentContinuation(b: Buffer, at: number, len: number): boolean {
    if (!this.pending) return false;
    this.pText = this.pText + ' ' + collapseBlanks(decode(b, at, len), 0);
    return true;
  }

  // The text is bytes [from, to) of `b`, decoded only when records carry it.
  private instruction(address: number, size: number, b: Buffer, from: number, to: number, n: number): void {
    this.flush();
    this.pending = true;
    this.pAddress = address;
    this.pSize = size;
    this.pText = this.texts ? collapseBlanks(decode(b, from, to), 0) : '';
    this.pSrcline = this.srcline;
    this.pLine = n;
    this.pLineStart = this.base + this.lineStart;
    this.pTextFrom = from;
    this.pTextTo = to;
  }

  private flush(): void {
    if (!this.pending) return;
    this.pending = false;
    if (!this.texts) {
      this.sink.instruction(this.pAddress, this.pSize, this.pLineStart, this.pSrcline, this.pTextFrom, this.pTextTo, this.pText);
      return;
    }
    const r: ObjdumpInstructionRecord =
      this.pSrcline === undefined
        ? { kind: 'instruction', source: this.source, line: this.pLine, address: this.pAddress, size: this.pSize, text: this.pText }
        : { kind: 'instruction', source: this.source, line: this.pLine, address: this.pAddress, size: this.pSize, text: this.pText, srcline: this.pSrcline };
    this.onRecord(r);
  }

  // Zero bytes objdump did not disassemble (GNU `\t...`, llvm `\t\t...`):
  // ffffffff81000000:	90                   	nop
  // 	...
  // ffffffff81000041:	c3                   	ret
  private tabLine(b: Buffer, start: number, len: number, n: number): boolean {
    let i = start;
    while (i < len && b[i] === TAB) i++;
    if (i - start <= 2 && len === i + 3 && b[i] === DOT && b[i + 1] === DOT && b[i + 2] === DOT) {
      if (!this.inFunction) return this.report(n, '`...` before any symbol header');
      this.flush();
      const r: ObjdumpSkipRecord = { kind: 'skip', source: this.source, line: n };
      this.onRecord(r);
      return true;
    }
    return false;
  }

  // llvm-objdump puts -l and -S lines behind `; `:
  // ; write_field():
  // ; /work/main/samples/guard/guard.c:58
  // ;   *slot = value;
  private llvmComment(text: string, n: number): void {
    if (!this.inFunction) {
      this.report(n, 'llvm-objdump comment line before any symbol header');
      return;
    }
    if (text.length > 2 && text.charCodeAt(1) === SPACE && text.charCodeAt(2) !== SPACE && this.lineInfo(text, 2)) return;
    this.sourceLines++;
  }

  private otherLine(text: string, n: number): void {
    if (this.dump !== undefined) {
      if (this.dump.row(text)) return;
      this.endDump();
    }
    // Contents of section .note.gnu.build-id:      (objdump -s: see SectionDump)
    if (text.startsWith('Contents of section ') && text.charCodeAt(text.length - 1) === COLON) {
      this.flush();
      this.inFunction = false;
      this.dump = new SectionDump(text.slice(20, -1), n);
      return;
    }
    // Disassembly of section .plt.sec:
    if (text.startsWith('Disassembly of section ') && text.charCodeAt(text.length - 1) === COLON) {
      this.flush();
      this.inFunction = false;
      this.srcline = undefined;
      this.section = text.slice(23, -1);
      const r: ObjdumpSectionRecord = { kind: 'section', source: this.source, line: n, name: this.section };
      this.onRecord(r);
      return;
    }
    const header = fileHeader(text);
    if (header !== undefined) {
      this.flush();
      this.inFunction = false;
      this.srcline = undefined;
      this.section = '';
      this.tool = header.tool;
      this.binary = header.path;
      const r: ObjdumpFileRecord = { kind: 'file', source: this.source, line: n, ...header };
      this.onRecord(r);
      return;
    }
    if (!this.inFunction) {
      this.report(n, 'not an objdump listing line');
      return;
    }
    const c0 = text.charCodeAt(0);
    if (this.tool !== 'llvm' && c0 !== SPACE && c0 !== TAB) {
      // GNU -l, before the instructions they describe:
      // /work/main/samples/guard/guard.c:58
      // ./stdlib/./stdlib/abort.c:53 (discriminator 5)
      // write_field():
      // geo::Circle::stamp(char*) const:        (-lC: already has its parameters)
      if (this.lineInfo(text, 0)) return;
    }
    // GNU -S prints source text as it is, between the instructions:
    //   *slot = value;
    //     12eb:	48 89 37             	mov    %rsi,(%rdi)
    // }
    if (this.sourceText && this.tool !== 'llvm') {
      this.sourceLines++;
      return;
    }
    this.report(n, 'not an objdump listing line');
  }

  // An -l line from `at`: a `file:line` (kept for the instructions below it)
  // or a `function():` line. False for anything else.
  private lineInfo(text: string, at: number): boolean {
    const srcline = parseSrcline(text, at);
    if (srcline !== undefined) this.srcline = srcline;
    else if (text.charCodeAt(text.length - 1) !== COLON) return false;
    this.lineInfoLines++;
    return true;
  }

  private endDump(): void {
    const dump = this.dump;
    if (dump === undefined) return;
    this.dump = undefined;
    const buildId = dump.buildId();
    if (buildId === undefined) return;
    if (buildId === null) {
      this.report(dump.line, `no GNU build-id note in the ${BUILD_ID_SECTION} dump`);
      return;
    }
    const r: BuildIdRecord = { kind: 'build-id', source: this.source, line: dump.line, buildId, path: this.binary };
    this.onRecord(r);
  }

  private report(line: number, reason: string): true {
    this.bad++;
    if (this.onDiagnostic !== undefined) {
      const d: Diagnostic = { source: this.source, line, reason };
      this.onDiagnostic(d);
    }
    return true;
  }
}

// `abc:\tfile format elf64-x86-64`: llvm's header for a binary named like an address
const FILE_FORMAT = Buffer.from('file format ', 'latin1');

const NO_INSTRUCTIONS: InstructionSink = { instruction() {}, run() {} };

// The one run every parser reads into (a run is taken before `read` returns): a listing's index makes a parser for
// each function and run of texts it reads, and arrays of each one's own would be fresh pages each time.
let gnuLines: GnuLines | undefined;

/** An instruction's text as records carry it, from what `instructions` was given with it (`b`: the buffer its line was read from). */
export function instructionText(b: Buffer, textFrom: number, textTo: number, more: string): string {
  return collapseBlanks(decode(b, textFrom, textTo), 0) + more;
}

/** Records of a listing, in order. Bad lines go to `options.onDiagnostic`; this never throws on bad input. */
export function parseObjdump(lines: AsyncIterable<string> | Iterable<string>, options: ObjdumpOptions): AsyncGenerator<ObjdumpRecord> {
  return pullRecords(lines, (onRecord: (r: ObjdumpRecord) => void) => new ObjdumpParser(options, onRecord));
}

/** objdump / llvm-objdump -d listings, for the registry (parsers/index.ts). */
export const objdumpFormat = defineFormat<ObjdumpRecord, ObjdumpParser>(
  'objdump',
  { noun: 'objdump -d', description: 'looks like an objdump listing', looksLike: 'an objdump listing', passAs: 'pass it with --objdump' },
  sniffObjdump,
  (options, onRecord) => new ObjdumpParser(options, onRecord),
);
