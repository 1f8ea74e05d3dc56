// JSON output: the fields are src/report-json.ts's (beside their reader); the
// layout is here. The names documented in the README are stable; others may be added.
import type { Report, TreeNode } from '../src/model.js';
import { JsonBytes } from '../src/json-bytes.js';
import { nodeOpenWriter, toJson } from '../src/report-json.js';
import { unmadeChain } from '../src/path-tree.js';

/**
 * Indented at the top level for people reading it, with the tree on one line:
 * indenting a tree by its depth makes the file several times larger (a
 * 208k-node tree: 144 MB indented, 33 MB compact). `jq .tree` reads it back.
 */
export function renderJson(report: Report): string {
  const bytes: Buffer[] = [];
  for (const p of renderJsonPieces(report)) bytes.push(typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p));
  return Buffer.concat(bytes).toString('utf8');
}

/**
 * renderJson's text in pieces, in order: the tree as UTF-8 bytes a chunk at a
 * time, never built whole. A chunk of bytes is written over once the next
 * piece is asked for: write it (or copy it) first.
 */
export function* renderJsonPieces(report: Report): Generator<string | Uint8Array> {
  const top = toJson(report, { tree: false }) as Record<string, unknown>;
  const parts = Object.entries(top).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')}`);
  yield `{\n${parts.join(',\n')},\n  "tree": `;
  yield* treePieces(report.tree);
  yield '\n}\n';
}

// JSON.stringify(nodeJson(root)), a node at a time, depth first with a stack
// (trees are deep): a node's own fields, its children, the brackets that close it.
function* treePieces(root: TreeNode): Generator<Uint8Array> {
  const out = new JsonBytes();
  const open = nodeOpenWriter(out);
  const nodes: TreeNode[] = [root];
  // per node on the stack: how many of its children are written
  const written: number[] = [0];
  open(root);
  while (nodes.length > 0) {
    const d = nodes.length - 1;
    const top = nodes[d]!;
    const i = written[d]!;
    if (i < top.children.length) {
      if (i > 0) out.raw(',');
      written[d] = i + 1;
      const child = top.children[i]!;
      open(child);
      // a chain's nodes below its head are written from its steps, not made
      const chain = unmadeChain(child);
      if (chain !== undefined) {
        open.below(chain);
        out.raw(']}');
      } else {
        nodes.push(child);
        written.push(0);
      }
    } else {
      out.raw(']}');
      nodes.pop();
      written.pop();
    }
    const chunks = out.take();
    if (chunks.length > 0) {
      for (const chunk of chunks) yield chunk;
      out.reuse();
    }
  }
  yield* out.end();
}
