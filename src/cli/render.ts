// The output formats of each command, one renderer each: the renderers' modules
// load when a command chooses them (main.ts loads none of them at start).
import type { Report } from '../report-types.js';
import { visible, visiblePieces, type OutputText } from '../output.js';
import type { Annotation } from '../annotate.js';
import type { Diff } from '../diff.js';

export const reportJson = (): Promise<typeof import('../report-json.js')> => import('../report-json.js');
export type Renderer<T, C = object> = (value: T, context: C) => Promise<OutputText>;

// The report renderers' modules.
const REPORT_MODULES = {
  text: () => import('../../viz/text.js'),
  json: () => import('../../viz/json.js'),
  folded: () => import('../../viz/folded.js'),
  svg: () => import('../../viz/svg.js'),
  html: () => import('../../viz/html/index.js'),
  speedscope: () => import('../../viz/speedscope.js'),
};

/** Each command's formats: the first is the default where none is named. */
export const REPORT_RENDERERS = {
  text: async (r) => visiblePieces((await REPORT_MODULES.text()).renderTextPieces(r)),
  json: async (r) => (await REPORT_MODULES.json()).renderJsonPieces(r),
  folded: async (r) => (await REPORT_MODULES.folded()).renderFoldedPieces(r),
  svg: async (r) => (await REPORT_MODULES.svg()).renderSvg(r),
  html: async (r) => (await REPORT_MODULES.html()).renderHtmlPieces(r),
  speedscope: async (r) => (await REPORT_MODULES.speedscope()).renderSpeedscope(r),
} satisfies Record<keyof typeof REPORT_MODULES, Renderer<Report>>;

/** Starts loading `format`'s renderer (while the trace is read, not after it); an error is the render's to report. */
export function preloadReportRenderer(format: ReportFormat): void {
  REPORT_MODULES[format]().catch(() => undefined);
}
export const SITES_RENDERERS = { text: async (r) => visible(await renderSitesText(r)), json: async (r) => renderSitesJson(r) } satisfies Record<string, Renderer<Report>>;
export const ANNOTATE_RENDERERS = {
  text: async (a, c) => visible((await import('../../viz/annotate.js')).renderAnnotateText(a, c.context !== undefined ? { context: c.context } : {})),
  json: async (a) => (await import('../../viz/annotate.js')).renderAnnotateJson(a),
} satisfies Record<string, Renderer<Annotation, { context?: number }>>;
export type DiffContext = { widths: 'before' | 'after'; labels: readonly [string, string] };
export const DIFF_RENDERERS = {
  text: async (d, c) => visible((await import('../../viz/diff.js')).renderDiffText(d, { labels: c.labels })),
  folded: async (d) => (await import('../../viz/diff.js')).renderDiffFolded(d),
  json: async (d) => (await import('../../viz/diff.js')).renderDiffJson(d),
  svg: async (d, c) => (await import('../../viz/diff.js')).renderDiffSvg(d, { widths: c.widths }),
  html: async (d, c) => (await import('../../viz/diff.js')).renderDiffHtml(d, { widths: c.widths, labels: c.labels }),
} satisfies Record<string, Renderer<Diff, DiffContext>>;
export type ReportFormat = keyof typeof REPORT_RENDERERS;

export function formatsOf(renderers: object): string[] {
  return Object.keys(renderers);
}

export async function renderSitesJson(report: Report): Promise<string> {
  const j = (await reportJson()).toJson(report) as Record<string, unknown>;
  return JSON.stringify({ events: j['events'], skipped: j['skipped'], warnings: j['warnings'], notes: j['notes'] ?? [], findings: j['findings'] ?? [], classes: j['classes'] ?? {}, protection: j['protection'] ?? null }, null, 2) + '\n';
}

export async function renderSitesText(report: Report): Promise<string> {
  const { renderFindings, renderProtection } = await import('../../viz/text.js');
  const out: string[] = [];
  if (report.findings !== undefined && report.findings.length > 0) {
    renderFindings(report.findings, out);
    out.push('');
  }
  if (report.protection === undefined) {
    out.push('No protection syscalls in the trace: record them with -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect (and mmap/munmap) to attribute faults to the calls that set up their pages.');
    return out.join('\n') + '\n';
  }
  renderProtection(report.protection, out, Infinity);
  return out.join('\n') + '\n';
}
