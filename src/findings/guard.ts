// Guard-page retries (a write barrier): stores fault on pages an mprotect made
// read-only, a SIGSEGV handler's mprotect (in Go: after recovering the panic
// debug.SetPanicOnFault makes of the fault) makes the page writable, the store
// retries. The cost is a signal per fault, mprotect calls on both sides and
// the TLB flushes they cause.
import type { Finding, ProtectionSiteView } from '../model.js';
import { instructionId } from '../model.js';
import { type FindingContext, finding } from './context.js';
import { isGoName } from '../dso.js';
import { callsOf, count, flushesOf, instructionLabel, list, mainCall, share, siteLabel } from './words.js';

/** The signals that report a fault on a protected page. */
const FAULT_SIGNALS = ['SIGSEGV', 'SIGBUS'];

export function guardFinding(ctx: FindingContext): Finding | undefined {
  const p = ctx.report.protection;
  if (p === undefined) return undefined;
  const protecting = p.sites.filter((s) => (s.classes['write-to-read-only'] ?? 0) > 0);
  if (protecting.length === 0) return undefined;
  const faults = protecting.reduce((a, s) => a + (s.classes['write-to-read-only'] ?? 0), 0);
  const stores = new Map<string, number>();
  const handlers = new Map<string, number>();
  let cycles = 0;
  for (const s of protecting) {
    for (const i of s.instructions) {
      const n = i.classes['write-to-read-only'] ?? 0;
      if (n === 0) continue;
      stores.set(i.instruction, (stores.get(i.instruction) ?? 0) + n);
      cycles += i.cycles;
      for (const [h, c] of Object.entries(i.handlers)) handlers.set(h, (handlers.get(h) ?? 0) + c);
    }
  }
  const storeList = [...stores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const storeText = list(storeList.map(([name, n]) => {
    const site = ctx.instruction(name);
    return site !== undefined ? instructionLabel(site, count(n, 'fault')) : `${name} (${count(n, 'fault')})`;
  }));
  const protectText = list(protecting.map((s) => siteLabel(s, count(s.classes['write-to-read-only'] ?? 0, 'fault'))));
  const handlerViews: ProtectionSiteView[] = [...handlers.keys()].flatMap((h) => ctx.protectionSites(h));
  const call = mainCall(protecting[0]!);
  const readable = protecting.map((s) => s.prot.split(',').some((x) => x.startsWith('r')));
  const readOnly = readable.every(Boolean) ? 'read-only' : readable.some(Boolean) ? 'read-only or inaccessible' : 'inaccessible';
  // Go: the runtime's SIGSEGV handler turns the fault into a panic (debug.SetPanicOnFault), and a deferred recover calls mprotect
  const recovered = handlerViews.length > 0 && handlerViews.every((v) => isGoName(v.symbol));
  const handlerWord = recovered ? 'recovery' : 'handler';

  let text = `${share(faults, ctx.total)} ${faults === 1 ? `a guard-page ${cycles > 0 ? 'retry' : 'fault'}` : `guard-page ${cycles > 0 ? 'retries' : 'faults'}`}: ${faults === 1 ? 'a store' : 'stores'} at ${storeText} ` +
    `fault on pages made ${readOnly} by ${call} at ${protectText}`;
  if (cycles > 0) {
    const names = [...new Set([...handlers].sort((a, b) => b[1] - a[1]).flatMap(([h]) => {
      const views = ctx.protectionSites(h);
      return views.length > 0 ? views.map((v) => siteLabel(v)) : [h];
    }))];
    const handlerCall = handlerViews[0] !== undefined ? mainCall(handlerViews[0]) : 'mprotect';
    text += recovered
      ? `; Go's runtime turns each SIGSEGV into a panic (debug.SetPanicOnFault), and the ${handlerCall} at ${list(names)}, after the recover, makes them writable again, `
      : `; the SIGSEGV handler's ${handlerCall} at ${list(names)} makes them writable again, `;
    text += `and the store retries (${count(cycles, 'retry cycle')}).`;
  } else {
    text += '; no call in the trace makes them writable again, so each fault ends in a signal the program handles some other way, or a crash.';
  }
  const protectCalls = protecting.reduce((a, s) => a + callsOf(s), 0);
  // a site that both protects and handles (one set_prot helper) is counted once, on the protecting side
  const handlerOnly = handlerViews.filter((h) => !protecting.some((s) => s.site === h.site));
  const handlerCalls = handlerOnly.reduce((a, s) => a + callsOf(s), 0);
  const flushes = [...protecting, ...handlerOnly].reduce((a, s) => a + flushesOf(s), 0);
  const traced = ctx.report.events['tlb:tlb_flush'] !== undefined;
  text += ` Cost: ${signalCost(ctx, faults, cycles)}, ${count(protectCalls + handlerCalls, `${call} call`)}` +
    (handlerOnly.length > 0 ? ` (${protectCalls} protecting, ${handlerCalls} in the ${handlerWord})` : '') +
    (traced ? `, ${count(flushes, 'TLB flush', 'TLB flushes')}.` : '; TLB flushes not recorded (perf record -e tlb:tlb_flush).');
  return finding(ctx, 'guard-retries', faults, {
    text,
    sites: [...protecting.map((s) => s.site), ...handlerViews.map((s) => s.site)],
    instructions: storeList.map(([name]) => ctx.instruction(name)).filter((s) => s !== undefined).map(instructionId),
    remedy:
      'protect and unprotect ranges in one call rather than page by page, or track dirty pages without faults: ' +
      'soft-dirty bits (/proc/PID/clear_refs and pagemap), userfaultfd write-protect, or a card-marking barrier in the stores',
  });
}

/**
 * The signals the retries cost: counted from signal:signal_deliver records
 * when the trace has them (per retry cycle), else inferred — one per retry
 * cycle, or per fault when no cycle closed — and said to be inferred.
 */
function signalCost(ctx: FindingContext, faults: number, cycles: number): string {
  const delivered = ctx.report.signals?.delivered;
  const per = cycles > 0 ? 'retry cycle' : 'fault';
  if (ctx.report.signals !== undefined && ctx.report.events['signal:signal_deliver'] !== undefined && delivered !== undefined) {
    const names = FAULT_SIGNALS.filter((n) => (delivered[n] ?? 0) > 0);
    const n = names.reduce((a, s) => a + (delivered[s] ?? 0), 0);
    const of = cycles > 0 ? cycles : faults;
    const ratio = of > 0 ? ` (${ratioText(n / of)} per ${per})` : '';
    return `${count(n, `${names.length > 0 ? names.join('/') : 'SIGSEGV'} delivery`, `${names.length > 0 ? names.join('/') : 'SIGSEGV'} deliveries`)}${ratio}`;
  }
  const n = cycles > 0 ? cycles : faults;
  return `${count(n, 'signal')} (inferred, one per ${per}: the trace has no signal:signal_deliver records)`;
}

/** `1`, `1.5`, `0.33`. */
function ratioText(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, '');
}
