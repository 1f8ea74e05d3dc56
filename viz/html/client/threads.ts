// Processes and threads: the fork tree (Report.processes' parents), each
// process's threads (Report.slices.threads, tied to their process as the
// trace told) with their faults and their top faulting instructions. A
// process or thread click cuts the flame graph to its faults.
import type { ProcessSummary, Report } from '../../../src/model.js';
import type { CallTree } from './calls.js';
import { el } from './dom.js';
import { fmt, pct } from './format.js';
import type { Filter, Slicer } from './slicer.js';

type PageReport = Omit<Report, 'tree'>;

const TOP_SITES = 3;

export interface ThreadPanel {
  /** Redraws the counts for the filter (its thread pick is shown as pressed, not applied to the counts). */
  update(f: Filter): void;
}

/** The panel, placed after the regions panel; `pick` receives the threads to keep (null: all). */
export function showThreads(report: PageReport, calls: CallTree, s: Slicer, pick: (threads: ReadonlySet<number> | null, label: string) => void): ThreadPanel {
  const section = el('section', 'panel wide');
  section.id = 'threads-panel';
  section.append(el('h2', '', 'Processes and threads'));
  const body = el('div', 'threads');
  body.id = 'threads';
  section.append(body);
  document.getElementById('regions-panel')?.after(section);

  const threads = s.index.threads;
  const procs = new Map<number, ProcessSummary>();
  for (const p of report.processes ?? []) procs.set(p.pid, p);
  const threadsOf = new Map<number, number[]>();
  threads.forEach((t, i) => {
    const list = threadsOf.get(t.pid) ?? [];
    list.push(i);
    threadsOf.set(t.pid, list);
    if (!procs.has(t.pid)) procs.set(t.pid, { pid: t.pid, comm: t.comm, faults: 0, classes: {} });
  });
  const kids = new Map<number, number[]>();
  const roots: number[] = [];
  for (const p of [...procs.values()].sort((a, b) => a.pid - b.pid)) {
    if (p.parent !== undefined && procs.has(p.parent) && p.parent !== p.pid) kids.set(p.parent, [...(kids.get(p.parent) ?? []), p.pid]);
    else roots.push(p.pid);
  }
  // a thread's top instructions: its faults per leaf
  const siteName = (n: number): string => {
    const site = calls.enc.sites[n];
    if (site === undefined) return calls.view.name(n);
    return `${site.symbol === '' ? '?' : site.symbol}${site.offset >= 0 ? `+0x${site.offset.toString(16)}` : ''}${site.instruction !== undefined ? ` ${site.instruction}` : ''}`;
  };
  let selected: string | null = null;

  const update = (f: Filter): void => {
    body.replaceChildren();
    const perThread = s.byThread(f);
    const perLeaf = s.threadNodes(f);
    const total = perThread.reduce((a, b) => a + b, 0);
    const processFaults = (pid: number): number => (threadsOf.get(pid) ?? []).reduce((a, t) => a + perThread[t]!, 0);
    const button = (label: string, key: string, set: ReadonlySet<number>): HTMLButtonElement => {
      const b = el('button', 'link mono', label);
      b.type = 'button';
      b.dataset['key'] = key;
      b.setAttribute('aria-pressed', String(selected === key));
      b.title = 'Show only these faults in the flame graph (click again for all)';
      b.addEventListener('click', () => {
        selected = selected === key ? null : key;
        pick(selected === null ? null : set, label);
      });
      return b;
    };
    const list = (pids: number[]): HTMLElement => {
      const ul = el('ul', 'fork');
      for (const pid of pids) {
        const p = procs.get(pid)!;
        const li = el('li');
        const mine = threadsOf.get(pid) ?? [];
        const n = processFaults(pid);
        const head = el('div', 'proc');
        head.append(button(`pid ${pid} ${p.comm}`, `p${pid}`, new Set(mine)), el('span', 'num', ` ${fmt(n)} faults · ${pct(n, total)}`));
        if (p.parent !== undefined) head.append(el('span', 'meta', ` · forked by pid ${p.parent}`));
        li.append(head);
        if (mine.length > 0) {
          const rows = el('ul', 'plain');
          for (const t of [...mine].sort((a, b) => perThread[b]! - perThread[a]! || threads[a]!.tid - threads[b]!.tid)) {
            const th = threads[t]!;
            const row = el('li');
            row.append(button(`tid ${th.tid} ${th.comm}`, `t${t}`, new Set([t])), el('span', 'num', ` ${fmt(perThread[t]!)}`));
            const top = [...(perLeaf.get(t) ?? new Map<number, number>())].sort((a, b) => b[1] - a[1]).slice(0, TOP_SITES);
            if (top.length > 0) row.append(el('div', 'meta', top.map(([node, v]) => `${siteName(node)} ${fmt(v)}`).join(' · ')));
            rows.append(row);
          }
          li.append(rows);
        }
        const children = kids.get(pid);
        if (children !== undefined) li.append(list(children));
        ul.append(li);
      }
      return ul;
    };
    body.append(list(roots));
    body.append(el('p', 'meta', `${fmt(threads.length)} thread${threads.length === 1 ? '' : 's'} in ${fmt(procs.size)} process${procs.size === 1 ? '' : 'es'}; children under the process that forked them. Counts follow the time window and region picked.`));
  };
  return {
    update(f) {
      if (f.threads === null) selected = null;
      update(f);
    },
  };
}
