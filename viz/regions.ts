// The memory-region table in text: which mapping each faulting address was
// in, the call that created it, and how its pages faulted.
import type { RegionsSection, RegionView } from '../src/model.js';
import { pidLabel } from '../src/process-life.js';

/** Regions listed in full; the rest are summed in one line. */
const TOP = 25;

export function renderRegionsText(r: RegionsSection, out: string[], top = TOP): void {
  out.push('Memory regions (where the faulting addresses are, and the call that mapped them):');
  if (r.regions.length > 0) renderTable(r, out, top);
  for (const o of r.outsideRegions.reasons) out.push(`${o.faults} fault${o.faults === 1 ? '' : 's'} outside every known region: ${o.text}.`);
  if (r.unaddressed > 0) out.push(`${r.unaddressed} fault${r.unaddressed === 1 ? ' has' : 's have'} no data address (${unaddressedRemedy(r.unaddressed, r.unaddressedTracepoint ?? 0)}).`);
  if (r.majorJoin !== undefined) {
    const j = r.majorJoin;
    out.push(
      `major/minor: ${j.matched} major-faults/minor-faults samples joined to the tracepoint fault they count${j.unmatched > 0 ? `; ${j.unmatched} not (faults the kernel took on the program's behalf, or with no tracepoint record)` : ''}.`,
    );
  }
}

/** What records the address, by what the faults without one are: tracepoints printed without their payload, software events recorded without -d. */
export function unaddressedRemedy(all: number, tracepoint: number): string {
  const payload = "tracepoint faults: their payload carries it, keep trace in perf script's -F list";
  if (tracepoint === 0) return 'software events: perf record -d records it';
  if (tracepoint === all) return payload;
  const soft = all - tracepoint;
  const one = tracepoint === 1 ? "tracepoint fault: its payload carries it, keep trace in perf script's -F list" : payload;
  return `${tracepoint} ${one}; ${soft} software-event fault${soft === 1 ? '' : 's'}: perf record -d records it`;
}

function renderTable(r: RegionsSection, out: string[], top: number): void {
  out.push('');
  const shown = r.regions.slice(0, top);
  const fw = Math.max(6, ...shown.map((x) => String(x.faults).length));
  const anyMajor = r.regions.some((x) => x.major > 0) || r.majorJoin !== undefined;
  out.push(`${'faults'.padStart(fw)}  ${anyMajor ? 'major  ' : ''}pages  repeat  pid     kind    range                              region`);
  for (const x of shown) {
    const major = anyMajor ? `${String(x.major).padStart(5)}  ` : '';
    out.push(
      `${String(x.faults).padStart(fw)}  ${major}${String(x.pages).padStart(5)}  ${String(x.repeatPages).padStart(6)}  ${String(x.pid).padEnd(6)}  ${x.kind.padEnd(6)}  ${range(x).padEnd(33)}  ${x.name}${x.prot !== '' ? ` ${x.prot}` : ''}`,
    );
    const pad = ' '.repeat(fw + 2);
    if (x.life !== undefined) out.push(`${pad}process: ${pidLabel(x.pid, x.life)}`);
    out.push(`${pad}created by: ${createdBy(x)}`);
    const classes = Object.entries(x.classes).map(([c, n]) => `${c} ${n}`).join(', ');
    if (classes !== '') out.push(`${pad}classes: ${classes}`);
    if (x.repeatPages > 0) {
      const hot = x.hotPages.filter((p) => p.faults > 1).map((p) => `${p.page} ×${p.faults}`).join(', ');
      out.push(`${pad}pages faulting again: ${hot}`);
    }
  }
  if (r.regions.length > top) {
    const rest = r.regions.slice(top);
    out.push(`… ${rest.length} more regions with ${rest.reduce((s, x) => s + x.faults, 0)} faults`);
  }
  out.push(`${r.regions.length} of the ${r.mapped} mappings the trace made or inherited had faults.`);
}

function range(x: RegionView): string {
  return `${x.start}-${x.end}`;
}

/** `make_arena+0x22 [inferred] (regions) (mmap)`, or what the trace lacks. */
export function createdBy(x: RegionView): string {
  const site = x.site ?? (x.call === 'exec' ? '[execve]' : 'unknown');
  return `${site} (${x.call})${x.siteNote !== undefined ? ` — ${x.siteNote}` : ''}`;
}
