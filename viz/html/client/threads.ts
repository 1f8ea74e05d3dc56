// Processes and threads: the fork tree (Report.processes' parents), each
// process's threads (Report.slices.threads, tied to their process as the
// trace told) with their faults and their top faulting instructions. A
// process or thread click cuts the flame graph to its faults.
import type { ProcessSummary, Report } from '../../../src/model.js';
import { pidLabel } from '../../../src/process-life.js';
import type { CallTree } from './calls.js';
import { el } from './dom.js';
import { fmt, pct } from './format.js';
import type { Filter, Slicer } from './slicer.js';

type PageReport = Omit<Report, 'tree'>;

const TOP_SITES = 3;

const procKey = (pid: number, life: number | undefined): string => (life === undefined ? String(pid) : `${pid}/${life}`);


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
  // by pid and life: a pid given again after its process exited is another process
  const procs = new Map<string, ProcessSummary>();
  for (const p of report.processes ?? []) procs.set(procKey(p.pid, p.life), p);
  const threadsOf = new Map<string, number[]>();
  threads.forEach((t, i) => {
    const key = procKey(t.pid, t.life);
    const list = threadsOf.get(key) ?? [];
    list.push(i);
    threadsOf.set(key, list);
    if (!procs.has(key)) procs.set(key, { pid: t.pid, ...(t.life !== undefined ? { life: t.life } : {}), comm: t.comm, faults: 0, classes: {} });
  });
  const kids = new Map<string, string[]>();
  const roots: string[] = [];
  for (const p of [...procs.values()].sort((a, b) => a.pid - b.pid || (a.life ?? 0) - (b.life ?? 0))) {
    const key = procKey(p.pid, p.life);
    const parent = p.parent !== undefined ? procKey(p.parent, p.parentLife) : undefined;
    if (parent !== undefined && procs.has(parent) && parent !== key) kids.set(parent, [...(kids.get(parent) ?? []), key]);
    else roots.push(key);
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
    const processFaults = (key: string): number => (threadsOf.get(key) ?? []).reduce((a, t) => a + perThread[t]!, 0);
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
    const list = (keys: string[]): HTMLElement => {
      const ul = el('ul', 'fork');
      for (const key of keys) {
        const p = procs.get(key)!;
        const li = el('li');
        const mine = threadsOf.get(key) ?? [];
        const n = processFaults(key);
        const head = el('div', 'proc');
        head.append(button(`${pidLabel(p.pid, p.life)} ${p.comm}`, `p${key}`, new Set(mine)), el('span', 'num', ` ${fmt(n)} faults · ${pct(n, total)}`));
        if (p.parent !== undefined) head.append(el('span', 'meta', ` · forked by ${pidLabel(p.parent, p.parentLife)}`));
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
        const children = kids.get(key);
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
