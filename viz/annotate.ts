// `faultpath annotate` as text, in the manner of `perf annotate --stdio`:
// one block per function, a percent and a count column per event (the
// percentage of the function's own faults, perf's "local period"), source
// lines from the listing where they change, and marks on the faulting
// instructions and the protection sites. Also the JSON form.
import type { Annotation, AnnotatedFunction, AnnotatedInstruction, UnannotatedFunction } from '../src/annotate.js';
import { basename } from '../src/dso.js';

export interface AnnotateTextOptions {
  /** Show only instructions with faults or marks, and this many around each. Default: every instruction (like perf). */
  context?: number;
}

/** The annotation as text, one perf-annotate-like block per function. */
export function renderAnnotateText(a: Annotation, options: AnnotateTextOptions = {}): string {
  const out: string[] = [];
  const annotated = a.functions.reduce((s, f) => s + f.count, 0);
  const without = a.unannotated.reduce((s, f) => s + f.count, 0);
  out.push('# faultpath annotate');
  out.push(`# events: ${a.events.join(', ') || 'none'} — ${a.total} faults; ${annotated} in ${plural(a.functions.length, 'annotated function')}, ${without} in functions without a listing`);
  for (const name of a.missing) out.push(`# --symbol ${name}: no listing has this function and no fault names it`);
  for (const f of a.functions) {
    out.push('');
    renderFunction(f, a.events, options.context, out);
  }
  if (a.unannotated.length > 0) {
    out.push('');
    out.push('Faults in functions no listing resolved (by dso and reason; give --objdump for the dso):');
    const groups = new Map<string, { dso: string; reason: string; count: number; functions: UnannotatedFunction[] }>();
    for (const u of a.unannotated) {
      const key = u.dso + '\0' + u.reason;
      let g = groups.get(key);
      if (g === undefined) {
        g = { dso: u.dso, reason: u.reason, count: 0, functions: [] };
        groups.set(key, g);
      }
      g.count += u.count;
      g.functions.push(u);
    }
    const list = [...groups.values()].sort((x, y) => y.count - x.count || (x.dso < y.dso ? -1 : x.dso > y.dso ? 1 : 0));
    const width = Math.max(6, ...list.map((g) => String(g.count).length));
    for (const g of list) {
      const top = g.functions.slice(0, 3).map((u) => `${u.symbol} ${u.count}`).join(', ');
      const more = g.functions.length > 3 ? `, … ${g.functions.length - 3} more` : '';
      out.push(`${String(g.count).padStart(width)}  ${g.dso || '[unknown]'}  ${plural(g.functions.length, 'function')}: ${top}${more}`);
      out.push(`${' '.repeat(width + 2)}(${g.reason})`);
    }
  }
  return out.join('\n') + '\n';
}

/** The annotation as JSON (the names are stable; new ones may be added). */
export function renderAnnotateJson(a: Annotation): string {
  return JSON.stringify({ version: 1, ...a }, null, 2) + '\n';
}

function renderFunction(f: AnnotatedFunction, events: readonly string[], context: number | undefined, out: string[]): void {
  // events with faults here; every event when none has
  const shown = events.filter((e) => (f.counts[e] ?? 0) > 0);
  const cols = shown.length > 0 ? shown : events.slice(0, 1);
  const countWidth = Math.max(6, ...cols.map((e) => String(f.counts[e] ?? 0).length));
  const colWidth = 8 + 1 + countWidth;
  const blank = ' '.repeat(cols.length * (colWidth + 1) - 1);
  const head = cols.map(() => ' Percent' + ' ' + 'Faults'.padStart(countWidth)).join(' ');
  const what = cols.map((e) => `${e} (${f.counts[e] ?? 0} fault${(f.counts[e] ?? 0) === 1 ? '' : 's'})`).join(', ');
  const title = `${head} |\tSource code & Disassembly of ${basename(f.dso)} for ${what}, percent: local period`;
  out.push(title);
  out.push('-'.repeat(Math.max(60, title.length + 6)));
  out.push(`${blank} :  ${f.address.padStart(16, '0')} <${f.symbol}>:  ${f.dso}`);
  const keep = visible(f.instructions, context);
  let lastSource: string | undefined;
  let gap = false;
  f.instructions.forEach((insn, i) => {
    if (!keep[i]) {
      gap = true;
      return;
    }
    if (gap) {
      out.push(`${blank} :  …`);
      gap = false;
    }
    if (insn.source !== undefined && insn.source !== lastSource) out.push(`${blank} :  ${insn.source}`);
    lastSource = insn.source ?? lastSource;
    const columns = cols
      .map((e) => {
        const n = insn.counts[e] ?? 0;
        const total = f.counts[e] ?? 0;
        const pct = total > 0 ? ((100 * n) / total).toFixed(2) : '0.00';
        return pct.padStart(8) + ' ' + String(n).padStart(countWidth);
      })
      .join(' ');
    const mark = marks(insn);
    out.push(`${columns} :  ${insn.address.padStart(8)}:  ${insn.text}${mark === '' ? '' : '    ' + mark}`);
  });
}

function marks(insn: AnnotatedInstruction): string {
  const m: string[] = [];
  if (insn.count > 0) m.push('<- fault');
  const p = insn.protection;
  if (p !== undefined) {
    m.push(`<- protection site ${p.site}: ${plural(p.calls, 'call')}${p.prot !== '' ? ` (${p.prot})` : ''}, ${plural(p.faults, 'fault')} on its pages${p.denied > 0 ? ` (${p.denied} denied)` : ''}`);
  } else if (insn.protectionCall) {
    m.push('<- protection call (no traced call came from here)');
  }
  return m.join('  ');
}

// With a context, the instructions with counts or marks and `context` on each side.
function visible(insns: readonly AnnotatedInstruction[], context: number | undefined): boolean[] {
  if (context === undefined) return insns.map(() => true);
  const keep = insns.map(() => false);
  insns.forEach((insn, i) => {
    if (insn.count > 0 || insn.protectionCall || insn.protection !== undefined) {
      for (let j = Math.max(0, i - context); j <= Math.min(insns.length - 1, i + context); j++) keep[j] = true;
    }
  });
  return keep;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
