// JSON output. The names documented in the README are stable; others may be added.
import type { Report, TreeNode } from '../src/model.js';

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
// a node's own fields, then its children, then the brackets that close it.
function* treePieces(root: TreeNode): Generator<string> {
  const stack: (TreeNode | string)[] = [root];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (typeof top === 'string') {
      yield top;
      continue;
    }
    const own = JSON.stringify({ ...(nodeJson(top, false) as object), children: [] });
    yield own.slice(0, -2); // without `]}`
    stack.push(']}');
    for (let i = top.children.length - 1; i >= 0; i--) {
      stack.push(top.children[i]!);
      if (i > 0) stack.push(',');
    }
  }
}

export function toJson(report: Report, { tree = true } = {}): unknown {
  return {
    version: 1,
    inputs: report.inputs,
    events: report.events,
    lost: report.lost,
    skipped: report.skipped,
    selectedEvents: report.selectedEvents,
    selection: report.selection,
    warnings: report.warnings,
    sites: report.sites.map((s) => ({
      event: s.event,
      dso: s.dso,
      symbol: s.symbol,
      offset: s.offset >= 0 ? s.offset : null,
      address: s.address === '' ? null : `0x${s.address}`,
      instruction: s.instruction ?? null,
      source: s.source ?? null,
      count: s.count,
      resolved: s.resolved,
      ...(s.unresolvedReason !== undefined ? { unresolvedReason: s.unresolvedReason } : {}),
    })),
    ...(report.classes !== undefined ? { classes: report.classes } : {}),
    ...(report.protection !== undefined ? { protection: report.protection } : {}),
    ...(report.timeline !== undefined ? { timeline: report.timeline } : {}),
    ...(tree ? { tree: nodeJson(report.tree) } : {}),
  };
}

function nodeJson(n: TreeNode, children = true): unknown {
  return {
    name: n.name,
    kind: n.kind,
    value: n.value,
    self: n.self,
    byEvent: n.byEvent,
    ...(n.dso !== undefined ? { dso: n.dso } : {}),
    ...(n.site !== undefined && n.kind === 'instruction'
      ? { address: n.site.address === '' ? null : `0x${n.site.address}`, instruction: n.site.instruction ?? null, source: n.site.source ?? null, resolved: n.site.resolved }
      : {}),
    children: children ? n.children.map((c) => nodeJson(c)) : [],
  };
}
