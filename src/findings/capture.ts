// Capture quality: what the trace lacks for a complete answer, each with the
// perf option that records it — one finding instead of separate warnings.
// Every option here was checked against perf 6.1 on this machine kind:
// `perf script -F +pid` alone drops tracepoint callchains, so threads are tied
// to processes with --show-task-events instead.
import type { Finding } from '../model.js';
import { faultFamily } from '../events.js';
import type { FindingContext } from './context.js';
import { count, list } from './words.js';

const TRACEPOINT = /^exceptions:page_fault_/;
const SOFTWARE = /^(page-faults|faults|minor-faults|major-faults)$/;

// `page-faults/period=4/`, `minor-faults:u` → the event's name
function baseName(e: string): string {
  return e.replace(/\/.*\/$/, '').replace(/:[a-zA-Z]+$/, '');
}

export function captureFinding(ctx: FindingContext): Finding | undefined {
  const r = ctx.report;
  const problems: string[] = [];
  const record: string[] = [];
  const script: string[] = []; // (threads without their process: src/memory/threads.ts says so, with the option)
  const events = Object.keys(r.events);
  const tracepoints = events.filter((e) => TRACEPOINT.test(e));
  const software = events.filter((e) => SOFTWARE.test(baseName(e)));
  const selectedTracepoints = r.selectedEvents.some((e) => TRACEPOINT.test(e));
  if (ctx.total > 0 && tracepoints.length === 0 && software.length > 0) {
    problems.push(`the fault events (${software.join(', ')}) carry no error code, so faults are not classed (write to a read-only page, first touch, copy-on-write…)`);
    record.push('-e exceptions:page_fault_user');
  }
  const fault = (e: string): boolean => TRACEPOINT.test(e) || SOFTWARE.test(baseName(e));
  const selectedFaults = r.selectedEvents.filter(fault);
  const families = [...new Set(selectedFaults.map(faultFamily))].sort();
  const also = events.filter((e) => fault(e) && !r.selectedEvents.includes(e));
  // the software page-faults event counts what the kernel took in kernel mode on user memory too
  const swNote = (tracepoint: number, sw: number): string =>
    sw > tracepoint
      ? `; the software event also counts the ${sw - tracepoint} the kernel took in kernel mode on user memory (copy_to_user in a syscall), which page_fault_user leaves to exceptions:page_fault_kernel`
      : '';
  const swCount = (list: readonly string[]): number => list.filter((e) => baseName(e) === 'page-faults' || baseName(e) === 'faults').reduce((a, e) => a + (r.events[e] ?? 0), 0);
  if (families.length > 1) {
    const counted = selectedFaults.filter((e) => faultFamily(e) === families[0]);
    const tracepoints = counted.filter((e) => TRACEPOINT.test(e)).reduce((a, e) => a + (r.events[e] ?? 0), 0);
    problems.push(
      `the selected events ${list(selectedFaults.map((e) => `${e} (${r.events[e] ?? 0})`))} count the same faults over again, so the tree adds them up; ` +
        `the findings count ${list(counted)} only (${count(ctx.total, 'fault')})${swNote(tracepoints, swCount(selectedFaults))} (choose one with --event)`,
    );
  } else if (also.length > 0 && r.selectedEvents.length > 0) {
    const shown = r.selectedEvents.reduce((a, e) => a + (r.events[e] ?? 0), 0);
    const shownText = r.selectedEvents.length > 1 ? `${list(r.selectedEvents.map((e) => `${e} (${r.events[e] ?? 0})`))}, ${shown} in all, shown` : `${r.selectedEvents[0]} (${shown}, shown)`;
    const t = `the trace counts the same faults as ${shownText}, and again as ${list(also.map((e) => `${e} (${r.events[e]})`))}`;
    problems.push(`${t}${selectedTracepoints ? swNote(shown, swCount(also)) : ''} (choose with --event)`);
  }
  // faults printed without ip: perf script printed no instruction and no callchain (the capture may have one;
  // the ip-not-printed warning names the -F fields), so no perf record option is wanted for them
  const noIp = Math.min(r.ipNotPrinted ?? 0, ctx.total);
  if (noIp > 0) {
    problems.push(noIp === ctx.total
        ? "no fault was printed with its ip (perf script's -F list leaves ip out), so the faulting instructions and the paths to them are unknown"
        : `${noIp} of ${count(ctx.total, 'fault')} were printed without ip (perf script's -F list for their event leaves it out), so their faulting instructions and paths are unknown`);
  }
  // call chains: faults whose path has at most one frame above the faulting instruction (those printed without ip apart)
  if (ctx.total > noIp) {
    let shallow = -noIp;
    const paths = ctx.faultPaths;
    for (let i = 0; i < paths.count; i++) if (paths.frames(i) <= 1) shallow += paths.value(i);
    if (shallow === ctx.total - noIp) {
      problems.push('no fault has a call chain, so the paths to the faults are unknown');
      record.push('-g');
    } else if (shallow * 2 >= ctx.total - noIp) {
      problems.push(`${shallow} of ${count(ctx.total - noIp, 'fault')} have a call chain one frame deep (frame-pointer unwinding stops in code built without frame pointers)`);
      record.push('--call-graph dwarf');
    }
  }
  const p = r.protection;
  const has = (e: string): boolean => r.events[e] !== undefined;
  if (p === undefined && ctx.total > 0) {
    problems.push('no mprotect/mmap records, so no fault is tied to the call that set its page\'s protection');
    record.push('-e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap');
  } else if (p !== undefined) {
    const missing = ['mprotect', 'pkey_mprotect', 'mmap', 'munmap', 'mremap'].filter((c) => has(`syscalls:sys_enter_${c}`) && !has(`syscalls:sys_exit_${c}`));
    if (missing.length > 0) {
      problems.push(`no sys_exit record for ${list(missing)}: failed calls cannot be told from successful ones${missing.some((c) => c === 'mmap' || c === 'mremap') ? ', and mapped addresses stay unknown' : ''}`);
      record.push(missing.map((c) => `-e syscalls:sys_exit_${c}`).join(' '));
    }
    if (!has('tlb:tlb_flush') && p.sites.some((s) => (s.calls['mprotect'] ?? 0) > 0)) {
      problems.push('no tlb:tlb_flush records, so the TLB flushes the protection calls cost are not counted');
      record.push('-e tlb:tlb_flush');
    }
    // flushes placed by time alone: the callchain tells a call's flush from a copy-on-write fault's
    const blind = Object.entries(p.tlbFlushCauses ?? {}).reduce((n, [cause, v]) => n + (cause === 'unknown (no callchain)' || / end unknown$/.test(cause) ? v : 0), 0);
    if (blind > 0) {
      problems.push(`${count(blind, 'TLB flush has', 'TLB flushes have')} no callchain, so whether ${blind === 1 ? 'it' : 'they'} ran in a protection call or in a fault is told by time alone`);
      record.push('-g (with -e tlb:tlb_flush)');
    }
  }
  const retries = (p?.sites ?? []).some((s) => s.cycles > 0);
  if (retries && !has('signal:signal_deliver')) {
    problems.push('no signal:signal_deliver records, so the signals the retry cycles cost are inferred, not counted');
    record.push('-e signal:signal_deliver');
  }
  if (r.lost > 0) {
    problems.push(`the recorder lost ${count(r.lost, 'event')}, so every count is low`);
    record.push('-m 1024 (a larger buffer), or fewer events');
  }
  if (problems.length === 0) return undefined;
  const remedy = [
    ...(record.length > 0 ? [`perf record ${record.join(' ')}`] : []),
    ...(script.length > 0 ? [`perf script ${script.join(' ')}`] : []),
  ].join('; ');
  return {
    kind: 'capture-quality',
    share: 0,
    faults: 0,
    text: `Capture: ${problems.join('; ')}.`,
    sites: [],
    instructions: [],
    ...(remedy !== '' ? { remedy: `add ${remedy}` } : {}),
  };
}
