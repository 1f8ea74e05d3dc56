// Folded stacks of the fault-path tree (`comm;caller;…;function;instruction count`),
// readable by FlameGraph's flamegraph.pl, inferno and speedscope.
import type { Report } from '../src/model.js';
import { foldTree } from '../src/tree.js';

export function renderFolded(report: Report): string {
  return [...renderFoldedPieces(report)].join('');
}

/** The folded lines one at a time (they are sorted, so they exist whole first, but the text never does). */
export function* renderFoldedPieces(report: Report): Generator<string> {
  for (const line of foldTree(report.tree)) yield line + '\n';
}
