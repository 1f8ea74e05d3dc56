// Execute-permission faults: a fetch from a page without PROT_EXEC (a JIT page
// sealed read-only, or still writable), the mprotect that set that protection,
// the handler that makes it executable; and what flipping pages between
// writable and executable (W^X) costs in calls and TLB flushes.
import type { Finding, ProtectionSiteView } from '../model.js';
import { instructionId } from '../model.js';
import { type FindingContext, faultsOf, finding } from './context.js';
import { callsOf, count, flushesOf, instructionLabel, list, share, siteLabel } from './words.js';

const FLIP_CALLS = ['mprotect', 'pkey_mprotect'];

export function nxFinding(ctx: FindingContext): Finding | undefined {
  const { other, startup } = faultsOf(ctx, ['nx-violation']);
  const faults = other + startup;
  if (faults === 0) return undefined;
  // the fetches and who called into the page
  const fetches = new Map<string, { label: string; id: string; faults: number; callers: Set<string> }>();
  const paths = ctx.faultPaths;
  for (let i = 0; i < paths.count; i++) {
    const n = paths.classes(i)['nx-violation'] ?? 0;
    if (n === 0) continue;
    const leaf = paths.leaf(i);
    if (leaf.site === undefined) continue;
    const site = ctx.leafSite(leaf)!;
    const label = instructionLabel(site);
    const f = fetches.get(label) ?? { label, id: instructionId(site), faults: 0, callers: new Set<string>() };
    fetches.set(label, f);
    f.faults += n;
    // the caller: the last frame above the leaf's own function node
    const nodes = paths.nodes(i);
    const caller = nodes[nodes.length - 3];
    if (caller !== undefined && caller.kind !== 'comm' && caller.kind !== 'protection-site' && caller.kind !== 'region') f.callers.add(caller.name);
  }
  const sealing = (ctx.report.protection?.sites ?? []).filter((s) => (s.classes['nx-violation'] ?? 0) > 0);
  const handlers = new Map<string, number>();
  for (const s of sealing) for (const i of s.instructions) if ((i.classes['nx-violation'] ?? 0) > 0) for (const [h, c] of Object.entries(i.handlers)) handlers.set(h, (handlers.get(h) ?? 0) + c);
  const fetchList = [...fetches.values()].sort((a, b) => b.faults - a.faults);
  // fetches at addresses no symbol names (JIT code in anonymous memory), grouped by their callers
  const named: string[] = [];
  const unnamed = new Map<string, { labels: string[]; faults: number }>();
  for (const f of fetchList) {
    const callers = f.callers.size > 0 ? `, called from ${list([...f.callers])}` : '';
    if (!f.label.startsWith('0x')) named.push(`${f.label}${callers}`);
    else {
      const g = unnamed.get(callers) ?? { labels: [], faults: 0 };
      unnamed.set(callers, g);
      g.labels.push(f.label);
      g.faults += f.faults;
    }
  }
  for (const [callers, g] of unnamed) {
    named.push(g.labels.length === 1 ? `${g.labels[0]}${callers}` : `${count(g.faults, 'fetch', 'fetches')} at ${g.labels.length} addresses no symbol names (${g.labels[0]} …)${callers}`);
  }
  let text = `${share(faults, ctx.total)} ${faults === 1 ? 'an instruction fetch' : 'instruction fetches'} from pages without execute permission: ${list(named)}`;
  if (sealing.length > 0) text += `, on pages ${list(sealing.map((s) => `set ${s.prot || 'without exec'} by ${siteLabel(s)}`))}`;
  const handlerViews: ProtectionSiteView[] = [...handlers.keys()].flatMap((h) => ctx.protectionSites(h));
  if (handlerViews.length > 0) {
    const cycles = [...handlers.values()].reduce((a, b) => a + b, 0);
    text += `; the SIGSEGV handler's mprotect at ${list([...new Set(handlerViews.map((v) => siteLabel(v)))])} makes them executable and the call retries (${count(cycles, 'retry cycle')})`;
  }
  text += '.';
  // W^X: calls that make pages executable, and the calls that make executable pages' neighbours writable again
  const flips = (ctx.report.protection?.sites ?? []).filter((s) => FLIP_CALLS.some((c) => (s.calls[c] ?? 0) > 0) && Object.keys(s.prots).some((p) => p.includes('x')));
  if (flips.length > 0) {
    const calls = flips.reduce((a, s) => a + callsOf(s), 0);
    const traced = ctx.report.events['tlb:tlb_flush'] !== undefined;
    const flushes = flips.reduce((a, s) => a + flushesOf(s), 0);
    text += ` W^X flips: ${count(calls, 'call')} made pages executable (${list(flips.map((s) => siteLabel(s, count(callsOf(s), 'call'))))})` +
      (traced ? `, causing ${count(flushes, 'TLB flush', 'TLB flushes')}.` : '; TLB flushes not recorded (perf record -e tlb:tlb_flush).');
  }
  return finding(ctx, 'nx-violation', faults, {
    text,
    sites: [...sealing.map((s) => s.site), ...handlerViews.map((s) => s.site), ...flips.map((s) => s.site).filter((s) => !sealing.some((x) => x.site === s) && !handlerViews.some((x) => x.site === s))],
    instructions: fetchList.map((f) => f.id),
    remedy: 'seal JIT pages PROT_READ|PROT_EXEC before the first call into them; batch code emission so one mprotect flips many pages, or map the code twice (a writable and an executable view of one memfd) instead of flipping',
  });
}
