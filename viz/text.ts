// The default report: a perf-report-like tree with % and counts, then the
// faulting instructions ranked, then what the report is built from.
import type { Report, SiteCount, TreeNode } from '../src/model.js';

export interface TextOptions {
  /** How many faulting instructions to list. Default 20. */
  topSites?: number;
}

export function renderText(report: Report, options: TextOptions = {}): string {
  const out: string[] = [];
  const total = report.tree.value;
  out.push('# faultpath report');
  for (const i of report.inputs) out.push(`# input: ${i.name} (${i.format}, ${i.lines} lines, ${i.records} ${i.format === 'objdump' ? 'instructions' : 'records'})`);
  out.push(`# events read: ${formatEvents(report.events)}`);
  const sel = report.selection;
  const filtered = sel.filteredOut > 0 ? `, ${sel.filteredOut} removed by filters` : '';
  out.push(`# tree: ${report.selectedEvents.join(', ') || 'no events'} — ${sel.read} records${filtered}, total period ${total}`);
  out.push('#');
  if (total === 0) {
    out.push('No events to show.');
  } else {
    out.push('Fault paths (outermost caller first; % of the total; the leaf is the faulting instruction):');
    out.push('');
    renderTree(report.tree, total, out);
    out.push('');
    renderSites(report.sites, total, options.topSites ?? 20, out);
  }
  if (report.warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const w of report.warnings) out.push(`  - ${w}`);
  }
  if (report.skipped.lines > 0) {
    out.push('');
    out.push(`Skipped ${report.skipped.lines} line${report.skipped.lines === 1 ? '' : 's'} that fit no known shape, e.g.:`);
    for (const e of report.skipped.examples) out.push(`  ${e}`);
  }
  return out.join('\n') + '\n';
}

function formatEvents(events: Record<string, number>): string {
  const list = Object.entries(events).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return list.length === 0 ? 'none' : list.map(([e, n]) => `${e} ${n}`).join(', ');
}

function pct(value: number, total: number): string {
  return ((100 * value) / total).toFixed(2).padStart(6) + '%';
}

// Children with siblings get ├─/└─ connectors; a lone child continues its
// parent's column, so long call chains stay narrow.
function renderTree(root: TreeNode, total: number, out: string[]): void {
  const width = String(total).length;
  const line = (n: TreeNode, prefix: string): void => {
    out.push(`${pct(n.value, total)} ${String(n.value).padStart(width)}  ${prefix}${n.name}`);
  };
  const walk = (node: TreeNode, linePrefix: string, childPrefix: string): void => {
    line(node, linePrefix);
    const kids = node.children;
    if (kids.length === 1 && node.self === 0) {
      walk(kids[0]!, childPrefix, childPrefix);
      return;
    }
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      walk(k, childPrefix + (last ? '└─ ' : '├─ '), childPrefix + (last ? '   ' : '│  '));
    });
  };
  for (const top of root.children) walk(top, '', '');
}

function renderSites(sites: readonly SiteCount[], total: number, top: number, out: string[]): void {
  out.push(`Top faulting instructions (${Math.min(top, sites.length)} of ${sites.length}):`);
  out.push('');
  const width = Math.max(5, ...sites.slice(0, top).map((s) => String(s.count).length));
  out.push(`${'count'.padStart(width)}        %  event / dso / function+offset / instruction`);
  for (const s of sites.slice(0, top)) {
    const where = `${s.symbol || '[unknown]'}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
    const insn = s.resolved ? `0x${s.address}: ${s.instruction ?? ''}${s.source ? `  (${s.source})` : ''}` : `unresolved: ${s.unresolvedReason ?? ''}`;
    out.push(`${String(s.count).padStart(width)}  ${pct(s.count, total)}  ${s.event}  ${s.dso || '[unknown]'}  ${where}`);
    out.push(`${' '.repeat(width + 11)}${insn}`);
  }
}
