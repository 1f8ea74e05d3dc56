// JSON output: the fields are src/report-json.ts's (beside their reader); the
// layout is here. The names documented in the README are stable; others may be added.
import type { Report, TreeNode } from '../src/model.js';
import { nodeJsonOpen, toJson } from '../src/report-json.js';

/**
 * Indented at the top level for people reading it, with the tree on one line:
 * indenting a tree by its depth makes the file several times larger (a
 * 208k-node tree: 144 MB indented, 33 MB compact). `jq .tree` reads it back.
 */
export function renderJson(report: Report): string {
  return [...renderJsonPieces(report)].join('');
}

/** renderJson's text in pieces, in order: the tree a node at a time, never built whole. */
export function* renderJsonPieces(report: Report): Generator<string> {
  const top = toJson(report, { tree: false }) as Record<string, unknown>;
  const parts = Object.entries(top).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')}`);
  yield `{\n${parts.join(',\n')},\n  "tree": `;
  yield* treePieces(report.tree);
  yield '\n}\n';
}

// JSON.stringify(nodeJson(root)), a node at a time with a stack (trees are deep):
// a node's own fields, then its children, then the brackets that close it;
// handed out in pieces of about PIECE characters.
function* treePieces(root: TreeNode): Generator<string> {
  const quoted = new Map<string, string>();
  const stack: (TreeNode | string)[] = [root];
  let out = '';
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (typeof top === 'string') {
      out += top;
      continue;
    }
    out += nodeJsonOpen(top, quoted);
    if (out.length >= PIECE) {
      yield out;
      out = '';
    }
    const children = top.children;
    if (children.length === 0) {
      out += ']}';
      continue;
    }
    stack.push(']}');
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push(children[i]!);
      if (i > 0) stack.push(',');
    }
  }
  if (out.length > 0) yield out;
}

const PIECE = 1 << 16;
