// Copy-on-write after fork: stores to pages a fork left shared, each one a
// page copied; which process wrote, and the memory it wrote to.
import type { Finding } from '../model.js';
import { instructionId } from '../model.js';
import { type FindingContext, faultsOf, instructionsOf, finding } from './context.js';
import type { ProcessSummary } from '../model.js';
import { isRuntimeDso } from '../dso.js';
import { ordinal } from '../process-life.js';
import { callSiteLabel, protectionInstructionName, count, instructionLabel, list, share, siteLabel, listOf } from './words.js';

/** Where a child was forked: the clone call's site, or why it is not known. */
function forkedAt(p: ProcessSummary): string {
  const f = p.forkSite;
  if (f === undefined) return '(the fork call is not in the trace: perf record -e syscalls:sys_enter_clone names its site)';
  if (f.symbol === '' || isRuntimeDso(f.dso)) return `in ${callSiteLabel(f)} (the call chain stops inside libc: --call-graph dwarf names the caller)`;
  return `at ${callSiteLabel(f)}`;
}

// `pid 4242`; `pid 4242, its 2nd process` where the trace saw the pid given to more than one process
function pidLabel(pid: number, life: number | undefined): string {
  if (life === undefined) return `pid ${pid}`;
  return `pid ${pid}, its ${ordinal(life)} process`;
}

export function copyOnWriteFinding(ctx: FindingContext): Finding | undefined {
  const { other: faults } = faultsOf(ctx, ['copy-on-write']);
  if (faults === 0) return undefined;
  const processes = ctx.report.processes ?? [];
  const forked = processes.filter((p) => p.parent !== undefined);
  const insns = instructionsOf(ctx, ['copy-on-write']);
  // outside start-up, a private file page's first store is copy-on-write too: a finding needs a fork
  if (forked.length === 0 && faults / ctx.total < 0.05) return undefined;
  const names = new Set(insns.map((i) => protectionInstructionName(i.site)));
  const mapped: string[] = [];
  const sites: string[] = [];
  for (const s of ctx.report.protection?.sites ?? []) {
    const n = s.instructions.filter((i) => names.has(i.instruction)).reduce((a, i) => a + (i.classes['copy-on-write'] ?? 0), 0);
    if (n > 0) {
      mapped.push(siteLabel(s, count(n, 'fault')));
      sites.push(s.site);
    }
  }
  // forked children run no start-up (unless they exec): their copy-on-write faults are all counted here
  const children = forked
    .filter((p) => (p.classes['copy-on-write'] ?? 0) > 0)
    .sort((a, b) => (b.classes['copy-on-write'] ?? 0) - (a.classes['copy-on-write'] ?? 0) || a.pid - b.pid);
  const byChildren = children.reduce((a, p) => a + (p.classes['copy-on-write'] ?? 0), 0);
  const writers = children.map((p) => `child ${p.comm} (${pidLabel(p.pid, p.life)}, forked by ${pidLabel(p.parent!, p.parentLife)} ${forkedAt(p)}) ${count(p.classes['copy-on-write'] ?? 0, 'page')}`);
  if (faults > byChildren) {
    writers.push(
      children.length > 0
        ? `the other processes ${count(faults - byChildren, 'page')}`
        : `${list([...new Set(processes.filter((p) => (p.classes['copy-on-write'] ?? 0) > 0).map((p) => `${p.comm} (${pidLabel(p.pid, p.life)})`))])} ${count(faults, 'page')}`,
    );
  }
  let text = `${share(faults, ctx.total)} copy-on-write breaks: stores to private pages ` +
    (forked.length > 0 ? 'a fork left shared between parent and child' : 'shared copy-on-write (after a fork, or private file pages)') +
    `, one page copied each, at ${listOf(insns, (i) => instructionLabel(i.site, count(i.faults, 'fault')))}`;
  if (mapped.length > 0) text += ` (memory mapped by ${list(mapped)})`;
  text += `. Writers: ${list(writers)}.`;
  if (forked.length === 0) text += ' No child of a fork is among these processes (or the trace has no FORK records: perf script --show-task-events), so no fork site is named.';
  return finding(ctx, 'copy-on-write', faults, {
    text,
    sites,
    instructions: insns.map((i) => instructionId(i.site)),
    remedy: 'madvise(MADV_DONTFORK) on buffers the child does not need, write (or populate) them before fork instead of after, or posix_spawn when the child only execs',
  });
}
