// The default report: a perf-report-like tree with % and counts, then the
// faulting instructions ranked, then what the report is built from.
import type { FaultClass, Finding, ProtectionSection, Report, SiteCount, TreeNode } from '../src/model.js';
import { classMeaning } from './classes.js';
import { renderRegionsText, unaddressedRemedy } from './regions.js';
import { renderTraceSummaryText } from './trace-summary-text.js';

export interface TextOptions {
  /** How many faulting instructions to list. Default 20. */
  topSites?: number;
}

export function renderText(report: Report, options: TextOptions = {}): string {
  return [...renderTextPieces(report, options)].join('');
}

/** The text report in pieces, in order: the tree, its biggest part, a line at a time. */
export function* renderTextPieces(report: Report, options: TextOptions = {}): Generator<string> {
  let out: string[] = [];
  const total = report.tree.value;
  if (report.findings !== undefined && report.findings.length > 0) {
    renderFindings(report.findings, out);
    out.push('');
  }
  out.push('# faultpath report');
  for (const i of report.inputs) {
    const source = i.sourceLines !== undefined ? `, ${i.sourceLines} lines of -S source text skipped` : '';
    out.push(`# input: ${i.name} (${i.format}, ${i.lines} lines, ${i.records} ${i.format === 'objdump' ? 'instructions' : 'records'}${source})`);
  }
  const summaryOnly = Object.keys(report.events).length === 0 && report.inputs.some((i) => i.traceSummary !== undefined);
  out.push(`# events read: ${formatEvents(report.events)}${summaryOnly ? ' (the trace is a perf trace summary: its counts and times are under "perf trace summary")' : ''}`);
  const sel = report.selection;
  const filtered = sel.filteredOut > 0 ? `, ${sel.filteredOut} removed by filters` : '';
  out.push(`# tree: ${report.selectedEvents.join(', ') || 'no events'} — ${sel.read} records${filtered}, total period ${total}`);
  out.push('#');
  if (total === 0) {
    out.push('No events to show.');
  } else {
    out.push('Fault paths (outermost caller first; % of the total; the leaf is the faulting instruction):');
    out.push('');
    yield out.join('\n') + '\n';
    out = [];
    yield* treeLines(report.tree, total);
    if (report.folded !== undefined) {
      const parts: string[] = [];
      if (report.folded.startup > 0) parts.push('program start-up is one node');
      if (report.folded.percentLimit > 0) parts.push(`children under ${report.folded.percentLimit}% are folded into counted nodes`);
      out.push(`(${parts.join('; ')}: --percent-limit 0 shows every path)`);
    }
    out.push('');
    renderSites(report.sites, total, options.topSites ?? 20, out);
  }
  if (report.classes !== undefined && total > 0) {
    out.push('');
    renderClasses(report.classes, total, out);
  }
  if (report.protection !== undefined) {
    out.push('');
    renderProtection(report.protection, out);
  }
  if (report.regions !== undefined) {
    out.push('');
    renderRegionsText(report.regions, out);
  }
  if (report.inputs.some((i) => i.traceSummary !== undefined)) {
    out.push('');
    renderTraceSummaryText(report.inputs, out);
  }
  if (report.warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const w of report.warnings) out.push(`  - ${w}`);
  }
  if ((report.notes ?? []).length > 0) {
    out.push('');
    out.push('Notes:');
    for (const n of report.notes ?? []) out.push(`  - ${n}`);
  }
  if (report.skipped.lines > 0) {
    out.push('');
    out.push(`Skipped ${report.skipped.lines} line${report.skipped.lines === 1 ? '' : 's'} that fit no known shape, e.g.:`);
    for (const e of report.skipped.examples) out.push(`  ${e}`);
  }
  yield out.join('\n') + '\n';
}

function formatEvents(events: Record<string, number>): string {
  const list = Object.entries(events).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return list.length === 0 ? 'none' : list.map(([e, n]) => `${e} ${n}`).join(', ');
}

function pct(value: number, total: number): string {
  return ((100 * value) / total).toFixed(2).padStart(6) + '%';
}

// Children with siblings get ├─/└─ connectors; a lone child continues its
// parent's column, so long call chains stay narrow. Walked with a stack:
// call chains thousands of frames deep are real.
function* treeLines(root: TreeNode, total: number): Generator<string> {
  const width = String(total).length;
  const stack: [node: TreeNode, linePrefix: string, childPrefix: string][] = [];
  for (let i = root.children.length - 1; i >= 0; i--) stack.push([root.children[i]!, '', '']);
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, linePrefix, childPrefix] = top;
    yield `${pct(node.value, total)} ${String(node.value).padStart(width)}  ${linePrefix}${node.name}\n`;
    const kids = node.children;
    if (kids.length === 1 && node.self === 0) {
      stack.push([kids[0]!, childPrefix, childPrefix]);
      continue;
    }
    for (let i = kids.length - 1; i >= 0; i--) {
      const last = i === kids.length - 1;
      stack.push([kids[i]!, childPrefix + (last ? '└─ ' : '├─ '), childPrefix + (last ? '   ' : '│  ')]);
    }
  }
}

function renderSites(sites: readonly SiteCount[], total: number, top: number, out: string[]): void {
  out.push(`Top faulting instructions (${Math.min(top, sites.length)} of ${sites.length}):`);
  out.push('');
  const width = Math.max(5, ...sites.slice(0, top).map((s) => String(s.count).length));
  out.push(`${'count'.padStart(width)}        %  event / dso / function+offset / instruction`);
  // an unresolved reason is said once per dso, under its first instruction
  const told = new Map<string, string>();
  for (const s of sites.slice(0, top)) {
    const where = `${s.symbol || '[unknown]'}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
    out.push(`${String(s.count).padStart(width)}  ${pct(s.count, total)}  ${s.event}  ${s.dso || '[unknown]'}  ${where}`);
    if (s.resolved) {
      out.push(`${' '.repeat(width + 11)}0x${s.address}: ${s.instruction ?? ''}${s.source ? `  (${s.source})` : ''}`);
    } else if (told.get(s.dso) !== (s.unresolvedReason ?? '')) {
      told.set(s.dso, s.unresolvedReason ?? '');
      out.push(`${' '.repeat(width + 11)}unresolved: ${s.unresolvedReason ?? 'no listing resolved it'}${sameReasonFollows(sites.slice(0, top), s) ? ' (so are the others of this dso below)' : ''}`);
    }
  }
}

function sameReasonFollows(sites: readonly SiteCount[], first: SiteCount): boolean {
  const i = sites.indexOf(first);
  return sites.slice(i + 1).some((s) => !s.resolved && s.dso === first.dso && s.unresolvedReason === first.unresolvedReason);
}

/** Column the findings are wrapped at. */
const WRAP = 100;

/** The findings, numbered, each sentence wrapped under its number; the remedy after it. */
export function renderFindings(findings: readonly Finding[], out: string[]): void {
  out.push('Findings:');
  findings.forEach((f, i) => {
    const lead = `${String(i + 1).padStart(2)}. `;
    wrap(f.text, lead, ' '.repeat(lead.length), out);
    if (f.remedy !== undefined) wrap(`${f.kind === 'capture-quality' ? 'To record it' : 'Remedy'}: ${f.remedy}`, ' '.repeat(lead.length), ' '.repeat(lead.length + 2), out);
  });
}

function wrap(text: string, first: string, rest: string, out: string[]): void {
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > WRAP) {
      out.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  out.push(line);
}

function renderClasses(classes: Partial<Record<FaultClass, number>>, total: number, out: string[]): void {
  out.push('Fault classes (from the x86 error code and the protection the page had):');
  out.push('');
  const rows = Object.entries(classes).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const width = Math.max(5, ...rows.map(([, n]) => String(n).length));
  for (const [cls, n] of rows) {
    out.push(`${String(n).padStart(width)}  ${pct(n, total)}  ${cls.padEnd(18)}  ${classMeaning(cls)}`);
  }
}

/** The protection timeline section; also the whole output of `faultpath sites`. */
export function renderProtection(p: ProtectionSection, out: string[], top = 30): void {
  out.push('Protection sites (the mprotect/mmap/munmap calls that set the protection the faulting pages had):');
  out.push('A fault counts against the last change that covered its page before it. "cycles" are guard-page');
  out.push('retries: a fault the protection forbids, then a handler call that allows the access, then the retry.');
  out.push('');
  const sites = p.sites.slice(0, top);
  // handler sites: the retry cycles they closed, over every site's instructions
  const closed = new Map<string, number>();
  for (const s of p.sites) for (const i of s.instructions) for (const [h, n] of Object.entries(i.handlers)) closed.set(h, (closed.get(h) ?? 0) + n);
  const fw = Math.max(6, ...sites.map((s) => String(s.faults).length));
  out.push(`${'faults'.padStart(fw)}  ${'calls'.padStart(5)}  prot  site`);
  for (const s of sites) {
    const calls = Object.values(s.calls).reduce((a, b) => a + b, 0);
    const callText = Object.entries(s.calls).map(([c, n]) => `${n} ${c}`).join(', ');
    const at = s.instruction !== null ? `  ${s.address ?? ''}: ${s.instruction}${s.source !== null ? `  (${s.source})` : ''}` : '';
    out.push(`${String(s.faults).padStart(fw)}  ${String(calls).padStart(5)}  ${(s.prot || '-').padEnd(4)}  ${s.site}${at}`);
    const pad = ' '.repeat(fw + 15);
    out.push(`${pad}calls: ${callText}${s.failed > 0 ? ` (${s.failed} failed, changing nothing)` : ''}; ${s.pages} page${s.pages === 1 ? '' : 's'}`);
    const cycles = closed.get(s.site) ?? 0;
    if (cycles > 0) {
      const flushes = Object.values(s.tlbFlushes).reduce((a, b) => a + b, 0);
      out.push(
        `${pad}the handler's call: the second half of ${cycles} retry cycle${cycles === 1 ? '' : 's'}, allowing the access a fault was denied` +
          (flushes > 0 ? `, with the ${flushes} TLB flush${flushes === 1 ? '' : 'es'} it caused` : ''),
      );
    } else if (s.faults === 0) {
      out.push(`${pad}no fault on the pages it set`);
    }
    const classes = Object.entries(s.classes).map(([c, n]) => `${c} ${n}`).join(', ');
    if (classes !== '') out.push(`${pad}classes: ${classes}`);
    if (s.sinceChange !== undefined) out.push(`${pad}time from change to fault: ${fmtSeconds(s.sinceChange.min)} to ${fmtSeconds(s.sinceChange.max)}`);
    if (s.cycles > 0) out.push(`${pad}retry cycles: ${s.cycles}${s.handlerTime !== undefined ? `; fault to the handler's call: ${fmtSeconds(s.handlerTime.total / s.handlerTime.cycles)} on average, ${fmtSeconds(s.handlerTime.max)} the longest` : ''}`);
    if (s.callTime !== undefined) out.push(`${pad}time in the calls: ${fmtSeconds(s.callTime.total / s.callTime.calls)} each on average, ${fmtSeconds(s.callTime.max)} the longest (${s.callTime.calls} timed)`);
    const tlb = Object.entries(s.tlbFlushes).map(([r, n]) => `${r} ${n}`).join(', ');
    const where = causeList(s.tlbFlushCauses);
    if (tlb !== '') out.push(`${pad}TLB flushes: ${tlb}${where !== '' ? ` (${where})` : ''}`);
    for (const i of s.instructions.slice(0, 5)) {
      const handlers = Object.entries(i.handlers).map(([h, n]) => `${n} closed by ${h}`).join(', ');
      out.push(`${pad}  ${String(i.faults).padStart(5)}  ${i.instruction}${i.cycles > 0 ? `  [${i.cycles} cycle${i.cycles === 1 ? '' : 's'}${handlers ? `: ${handlers}` : ''}]` : ''}`);
    }
    if (s.instructions.length > 5) out.push(`${pad}  … ${s.instructions.length - 5} more instructions`);
  }
  if (p.sites.length > top) out.push(`… ${p.sites.length - top} more sites`);
  const noAddress = p.noAddressFaults ?? 0;
  if (p.uncoveredFaults > noAddress) {
    const n = p.uncoveredFaults - noAddress;
    out.push(`${n} fault${n === 1 ? ' was' : 's were'} on pages that no recorded mmap/mprotect call set up (mapped by exec, or before the trace began).`);
  }
  if (noAddress > 0) out.push(`${noAddress} fault${noAddress === 1 ? ' carries' : 's carry'} no data address, so no page: not attributed to any site (${unaddressedRemedy(noAddress, p.noAddressTracepoint ?? 0)}).`);
  const unattributed = Object.entries(p.unattributedFlushes).map(([r, n]) => `${r} ${n}`).join(', ');
  if (p.tlbFlushCauses === undefined) {
    if (unattributed !== '') out.push(`TLB flushes outside any protection call: ${unattributed}.`);
    return;
  }
  const read = Object.values(p.tlbFlushCauses).reduce((a, b) => a + b, 0);
  if (read === 0) return;
  const charged = p.sites.reduce((n, s) => n + Object.values(s.tlbFlushes).reduce((a, b) => a + b, 0), 0);
  out.push(`TLB flushes: ${read}, where they ran: ${causeList(p.tlbFlushCauses)}.`);
  out.push(`  ${charged} charged to the sites above${unattributed !== '' ? `; to no site: ${unattributed}` : ''}.`);
}

// `16 copy-on-write fault, 1 inside mprotect`: most first.
function causeList(causes: Readonly<Record<string, number>> | undefined): string {
  return Object.entries(causes ?? {})
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c, n]) => `${n} ${c}`)
    .join(', ');
}

function fmtSeconds(s: number): string {
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(3)} s`;
}
