// The `perf trace -s` summary tables in the text report: the syscalls summed
// over threads (calls, errors, times), then each thread's counts.
import type { InputSummary, TraceSummaryThread } from '../src/model.js';

interface Total {
  calls: number;
  errors: number;
  totalMsec: number;
  maxMsec: number;
  errnos: Map<string, number>;
}

/** Sums the syscall rows of `threads` by name, biggest total time first. */
export function traceSummaryTotals(threads: readonly TraceSummaryThread[]): [name: string, total: Total][] {
  const totals = new Map<string, Total>();
  for (const t of threads) {
    for (const s of t.syscalls) {
      let a = totals.get(s.name);
      if (a === undefined) totals.set(s.name, (a = { calls: 0, errors: 0, totalMsec: 0, maxMsec: 0, errnos: new Map() }));
      a.calls += s.calls;
      a.errors += s.errors ?? 0;
      a.totalMsec += s.totalMsec;
      a.maxMsec = Math.max(a.maxMsec, s.maxMsec);
      for (const [e, n] of Object.entries(s.errnos ?? {})) a.errnos.set(e, (a.errnos.get(e) ?? 0) + n);
    }
  }
  return [...totals].sort((a, b) => b[1].totalMsec - a[1].totalMsec || (a[0] < b[0] ? -1 : 1));
}

export function renderTraceSummaryText(inputs: readonly InputSummary[], out: string[]): void {
  for (const i of inputs) {
    const threads = i.traceSummary;
    if (threads === undefined) continue;
    const events = threads.reduce((n, t) => n + t.events, 0);
    // perf prints a thread's fault counts only when they are non-zero
    const counted = threads.some((t) => t.minfaults !== undefined || t.majfaults !== undefined);
    const faults = counted
      ? `${threads.reduce((n, t) => n + (t.minfaults ?? 0), 0)} minor faults, ${threads.reduce((n, t) => n + (t.majfaults ?? 0), 0)} major faults`
      : 'no fault counts (perf trace counts faults with -F)';
    out.push(`perf trace summary (${i.name}): ${threads.length} thread${threads.length === 1 ? '' : 's'}, ${events} events, ${faults}`);
    out.push(`  ${'syscall'.padEnd(16)} ${'calls'.padStart(8)} ${'errors'.padStart(7)} ${'total ms'.padStart(10)} ${'max ms'.padStart(9)}`);
    for (const [name, t] of traceSummaryTotals(threads)) {
      const errnos = [...t.errnos].map(([e, n]) => `${e} ${n}`).join(', ');
      out.push(`  ${name.padEnd(16)} ${String(t.calls).padStart(8)} ${String(t.errors).padStart(7)} ${t.totalMsec.toFixed(3).padStart(10)} ${t.maxMsec.toFixed(3).padStart(9)}${errnos ? `  (${errnos})` : ''}`);
    }
    for (const t of threads) {
      const f = [t.minfaults !== undefined ? `${t.minfaults} minfaults` : '', t.majfaults !== undefined ? `${t.majfaults} majfaults` : ''].filter((s) => s !== '');
      const calls = t.syscalls.reduce((n, s) => n + s.calls, 0);
      const ms = t.syscalls.reduce((n, s) => n + s.totalMsec, 0);
      out.push(`  thread ${t.comm}/${t.tid}: ${t.events} events (${t.percent.toFixed(1)}%), ${calls} syscalls in ${ms.toFixed(3)} ms${f.length > 0 ? `, ${f.join(', ')}` : ''}`);
    }
  }
}
