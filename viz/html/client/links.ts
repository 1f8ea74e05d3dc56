// Faults linked to their protection: which protection sites covered the page
// a faulting instruction wrote (the timeline names each site's instructions as
// `write_field+0x0: mov %rsi,(%rdi)`), and the call-tree frames of a site's
// instructions, for a protection-site row to show in the flame graph.
import type { FaultSite, ProtectionSiteView, Report } from '../../../src/model.js';
import type { CallTree } from './calls.js';

/** A protection site that covered an instruction's faults. */
export interface Cover {
  readonly site: ProtectionSiteView;
  /** Faults of this instruction on pages the site's changes covered. */
  readonly faults: number;
}

export interface Links {
  /** The protection sites that covered `site`'s faults, most faults first. */
  coversOf(site: FaultSite): readonly Cover[];
  /** Call-tree nodes of the instructions that faulted on pages `site` covered. */
  nodesOf(site: ProtectionSiteView): number[];
}

/** The timeline's name of an instruction (ProtectionSites.instructionName). */
export const instructionName = (s: FaultSite): string => {
  const where = `${s.symbol || '[unknown]'}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
  return s.resolved ? `${where}: ${s.instruction ?? ''}` : where;
};

export function links(report: Omit<Report, 'tree'>, t: CallTree): Links {
  const sites = (report.protection?.sites ?? []) as readonly ProtectionSiteView[];
  const covers = new Map<string, Cover[]>();
  for (const site of sites) {
    for (const ins of Array.isArray(site.instructions) ? site.instructions : []) {
      let list = covers.get(ins.instruction);
      if (list === undefined) covers.set(ins.instruction, (list = []));
      list.push({ site, faults: ins.faults });
    }
  }
  for (const list of covers.values()) list.sort((a, b) => b.faults - a.faults);
  // Instruction name → call-tree nodes, made on the first click.
  let nodes: Map<string, number[]> | undefined;
  return {
    coversOf: (site) => covers.get(instructionName(site)) ?? [],
    nodesOf(site) {
      if (nodes === undefined) {
        nodes = new Map();
        for (const key in t.enc.sites) {
          const name = instructionName(t.enc.sites[key]!);
          if (!covers.has(name)) continue;
          let list = nodes.get(name);
          if (list === undefined) nodes.set(name, (list = []));
          list.push(Number(key));
        }
      }
      const out: number[] = [];
      for (const ins of site.instructions) out.push(...(nodes.get(ins.instruction) ?? []));
      return out;
    },
  };
}

/** The deepest node above (or at) every node of `list`; 0 (the root) for an empty list. */
export function commonAncestor(t: CallTree, list: readonly number[]): number {
  if (list.length === 0) return 0;
  let a = list[0]!;
  for (const b0 of list.slice(1)) {
    let b = b0;
    while (t.depthOf[a]! > t.depthOf[b]!) a = t.parentOf[a]!;
    while (t.depthOf[b]! > t.depthOf[a]!) b = t.parentOf[b]!;
    while (a !== b) {
      a = t.parentOf[a]!;
      b = t.parentOf[b]!;
    }
  }
  return a;
}
