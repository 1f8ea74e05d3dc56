// JSON output. The names documented in the README are stable; others may be added.
import type { Report, TreeNode } from '../src/model.js';

/**
 * Indented at the top level for people reading it, with the tree on one line:
 * indenting a tree by its depth makes the file several times larger (a
 * 208k-node tree: 144 MB indented, 33 MB compact). `jq .tree` reads it back.
 */
export function renderJson(report: Report): string {
  const parts = Object.entries(toJson(report) as Record<string, unknown>).map(
    ([key, value]) => `  ${JSON.stringify(key)}: ${key === 'tree' ? JSON.stringify(value) : JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')}`,
  );
  return `{\n${parts.join(',\n')}\n}\n`;
}

export function toJson(report: Report): unknown {
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
    tree: nodeJson(report.tree),
  };
}

function nodeJson(n: TreeNode): unknown {
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
    children: n.children.map(nodeJson),
  };
}
