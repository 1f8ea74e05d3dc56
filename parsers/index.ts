// The format registry: every input format faultpath reads, in the order their
// sniffs are asked (on each line, the first `yes` wins, then the first `weak`).
// A new format is one parser file exporting a Format, and one line here.
import { buildIdListFormat } from './buildid-list.js';
import type { Format } from './format.js';
import { objdumpFormat } from './objdump.js';
import { perfScriptFormat } from './perf-script.js';
import { perfTraceFormat } from './perf-trace.js';
import type { TraceRecord } from './records.js';

export const FORMATS: readonly Format[] = [perfScriptFormat, perfTraceFormat, objdumpFormat, buildIdListFormat];

/** The formats a trace may be in (records: TraceRecord). */
export const TRACE_FORMATS: readonly Format<TraceRecord>[] = [perfScriptFormat, perfTraceFormat];

export { buildIdListFormat, objdumpFormat, perfScriptFormat, perfTraceFormat };
/** Tracepoint payload text → its fields (the normalize stage, src/events.ts, decodes with it). */
export { parseTracepointFields } from './perf-script.js';
export type { Format, FormatName, LineParser, LineSniff, ParserOptions } from './format.js';
