// JSON output. The names documented in the README are stable; others may be added.
import type { Report, TreeNode } from '../src/model.js';

export function renderJson(report: Report): string {
  return JSON.stringify(toJson(report), null, 2) + '\n';
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
