// Fault classes as bars (faults over time: timeline.ts).
import type { Report } from '../../../src/model.js';
import { classColor, classMeaning } from '../../classes.js';
import { byId, el } from './dom.js';
import { fmt, pct } from './format.js';


export function showClasses(report: Omit<Report, 'tree'>): void {
  const box = byId('classes');
  const classes = Object.entries(report.classes ?? {})
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .sort((a, b) => b[1] - a[1]);
  if (classes.length === 0) {
    box.append(el('p', 'muted', 'No fault classes in this report (they need exceptions:page_fault_* tracepoints with error codes).'));
    return;
  }
  const classTotal = classes.reduce((s, [, c]) => s + c, 0);
  const max = classes[0]![1];
  for (const [c, n] of classes) {
    const row = el('div', 'bar-row');
    const track = el('div', 'bar-track');
    const bar = el('div', 'bar');
    bar.style.width = `${(100 * n) / max}%`;
    bar.style.background = classColor(c);
    track.append(bar);
    const name = el('span', '', c);
    name.title = classMeaning(c);
    row.append(name, track, el('span', 'num', `${fmt(n)} · ${pct(n, classTotal)}`));
    box.append(row);
    const meaning = classMeaning(c);
    if (meaning !== '') box.append(el('p', 'bar-meaning muted', meaning));
  }
}
