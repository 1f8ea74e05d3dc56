// Folded stacks of the fault-path tree (`comm;caller;…;function;instruction count`),
// readable by FlameGraph's flamegraph.pl, inferno and speedscope.
import type { Report } from '../src/model.js';
import { foldTree } from '../src/tree.js';

export function renderFolded(report: Report): string {
  const lines = foldTree(report.tree);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
