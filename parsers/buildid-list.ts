// `perf buildid-list -i perf.data` → build-id records: which build of each dso
// the trace saw, to compare with the build a listing was made from. Source of
// truth: perf's builtin-buildid-list.c, which prints each dso of the session
// as its build id (hex, padded to 40 columns) and its long name; the lines
// below are from samples/mismatch/perf-buildid-list.txt.
import type { BuildIdRecord, Diagnostic, DiagnosticSink } from './records.js';
import { defineFormat, type LineSniff } from './format.js';

export interface BuildIdListOptions {
  /** Input name used in records and diagnostics (a path, or `-`). Required. */
  source: string;
  /** Receives lines that fit no known shape. Default: ignore (they are still counted in `bad`). */
  onDiagnostic?: DiagnosticSink;
}

// 85c7e4e2ed76f4417e8aaad7c6b040d2bb897a26 [kernel.kallsyms]
// 90c00d71d970b9cc31e9a04d89adf13d0af44146 /work/main/samples/guard/guard
// 93ac61ec5a8eb1396f9fbd350e3169a558528a40 /usr/lib/x86_64-linux-gnu/libc.so.6
// A build id shorter than 20 bytes (an md5 one) is padded with blanks to 40 columns.
const LINE = /^([0-9a-fA-F]{2,128}) +(\S.*?)\s*$/;
// `perf buildid-list -i ELF` prints the file's build id alone:
// 90c00d71d970b9cc31e9a04d89adf13d0af44146
const ID_ONLY = /^[0-9a-fA-F]{2,128}\s*$/;

/** Cuts perf buildid-list output into records, one line at a time. */
export class BuildIdListParser {
  /** Lines seen so far. */
  lines = 0;
  /** Lines reported to the diagnostic sink. */
  bad = 0;

  private readonly source: string;
  private readonly sink: DiagnosticSink | undefined;

  constructor(
    options: BuildIdListOptions,
    private readonly onRecord: (r: BuildIdRecord) => void,
  ) {
    this.source = options.source;
    this.sink = options.onDiagnostic;
  }

  line(text: string): void {
    const n = ++this.lines;
    if (text.trim() === '') return;
    const m = LINE.exec(text);
    if (m !== null) {
      const r: BuildIdRecord = { kind: 'build-id', source: this.source, line: n, buildId: m[1]!.toLowerCase(), path: m[2]! };
      this.onRecord(r);
      return;
    }
    this.report(n, ID_ONLY.test(text) ? 'a build id without a path (perf buildid-list of an ELF file, not of perf.data)' : 'not a perf buildid-list line (<build-id> <path>)');
  }

  /** Counts a line the byte edge dropped (overlong), so later line numbers stay right. */
  skip(): void {
    this.lines++;
  }

  /** Nothing is held back; here for symmetry with the other parsers. */
  end(): void {}

  private report(line: number, reason: string): void {
    this.bad++;
    if (this.sink !== undefined) {
      const d: Diagnostic = { source: this.source, line, reason };
      this.sink(d);
    }
  }
}

// A build id is 20 bytes (sha1, 40 hex digits) or 16 (md5, padded to 40
// columns); callchain addresses printed at column 0 by old perf are 16 at most.
const SNIFF = /^[0-9a-fA-F]{32,128} +\S/;

/** perf buildid-list output, for the registry (parsers/index.ts). */
export const buildIdListFormat = defineFormat<BuildIdRecord, BuildIdListParser>(
  'buildid-list',
  { noun: 'perf buildid-list', description: 'perf buildid-list output', looksLike: 'perf buildid-list output', passAs: 'pass it with --buildid-list' },
  (line): LineSniff => (SNIFF.test(line) ? 'yes' : 'no'),
  (options, onRecord) => new BuildIdListParser(options, onRecord),
);
