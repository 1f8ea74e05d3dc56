// faultpath as a library: the stages the CLI composes, for programs that
// compose them their own way — parse a capture, build the report, render it.
// Like src/cli/main.ts this entry sees every layer; the stages below it do not.
//
//   import { buildReport, renderHtml } from 'faultpath';
//   const report = await buildReport({ traces: ['perf-script.txt.gz'], objdump: ['app.objdump-dl.txt'] });
//   writeFileSync('faults.html', renderHtml(report, { title: 'app' }));

// Parse: records from `perf script`, `perf trace` and `objdump -d` lines.
export { parsePerfScript, type PerfScriptOptions } from '../parsers/perf-script.js';
export { parsePerfTrace, type PerfTraceOptions } from '../parsers/perf-trace.js';
export { parseObjdump, type ObjdumpOptions } from '../parsers/objdump.js';

// Build: traces and listings → the report (fault-path tree, sites, protection timeline).
export { buildReport, readListings, type IndexedListings, type ReportFilterOptions, type ReportInputOptions, type ReportOptions, type ReportTreeOptions } from './pipeline.js';
export { mergeReports, type MergeOptions } from './merge.js';
export { diffReports, type Diff, type DiffNode, type DiffOptions, type DiffSite } from './diff.js';
export { readReportFile, reportFromJson, toJson } from './report-json.js';
export { foldTree, invertTree, pruneTree, treeFromFolded } from './tree.js';
export { InputError } from './errors.js';
export type {
  Diagnostic,
  FaultClass,
  FaultSite,
  Frame,
  InputSummary,
  NodeKind,
  ObjdumpRecord,
  ProtectionSection,
  ProtectionSiteView,
  Report,
  SampleRecord,
  SiteCount,
  TraceRecord,
  TreeNode,
} from './model.js';

// Render: the report as text, folded stacks, JSON, SVG, HTML or speedscope; a diff likewise.
export { renderText, type TextOptions } from '../viz/text.js';
export { renderFolded } from '../viz/folded.js';
export { renderJson } from '../viz/json.js';
export { renderSvg, type SvgOptions } from '../viz/svg.js';
export { renderHtml, type HtmlOptions } from '../viz/html/index.js';
export { renderSpeedscope, type SpeedscopeOptions } from '../viz/speedscope.js';
export { renderDiffFolded, renderDiffHtml, renderDiffJson, renderDiffSvg, renderDiffText, type DiffHtmlOptions, type DiffSvgOptions, type DiffTextOptions } from '../viz/diff.js';
