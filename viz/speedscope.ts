// The report in speedscope's file format (https://www.speedscope.app/file-format-schema.json,
// shipped in the speedscope package as dist/release/file-format-schema.json):
// one "sampled" profile per event, each distinct root-to-leaf path of the tree
// one sample (its frames outermost first), weighted by that path's faults.
// Frames are shared between profiles; a frame is a tree node's kind, name and
// dso, so the same function in two binaries stays two frames. Instruction
// leaves carry their `file:line` as the frame's file and line.
import type { Report, TreeNode } from '../src/model.js';

export interface SpeedscopeOptions {
  /** The file's name, shown in speedscope's title bar. Default 'faultpath'. */
  name?: string;
  /** `exporter` field. Default 'faultpath'. */
  exporter?: string;
}

interface Frame {
  name: string;
  file?: string;
  line?: number;
}

interface SampledProfile {
  type: 'sampled';
  name: string;
  unit: 'none';
  startValue: number;
  endValue: number;
  samples: number[][];
  weights: number[];
}

/** The report as a speedscope JSON file: one sampled profile per event that has faults in the tree. */
export function renderSpeedscope(report: Report, options: SpeedscopeOptions = {}): string {
  const frames: Frame[] = [];
  const frameIds = new Map<string, number>();
  const frameOf = (n: TreeNode): number => {
    const key = `${n.kind}\0${n.name}\0${n.dso ?? ''}`;
    let id = frameIds.get(key);
    if (id === undefined) {
      id = frames.length;
      frameIds.set(key, id);
      frames.push(frameFor(n));
    }
    return id;
  };
  const events = Object.keys(report.tree.byEvent).sort();
  const profiles: SampledProfile[] = events.map((e) => ({ type: 'sampled', name: e, unit: 'none', startValue: 0, endValue: 0, samples: [], weights: [] }));
  const byEvent = new Map(events.map((e, i) => [e, profiles[i]!]));
  const stack: number[] = [];
  const walk = (node: TreeNode): void => {
    const own = ownByEvent(node);
    for (const [e, v] of Object.entries(own)) {
      const p = byEvent.get(e);
      if (p === undefined || v <= 0 || stack.length === 0) continue;
      p.samples.push(stack.slice());
      p.weights.push(v);
      p.endValue += v;
    }
    for (const c of node.children) {
      stack.push(frameOf(c));
      walk(c);
      stack.pop();
    }
  };
  walk(report.tree);
  const file = {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles: profiles.filter((p) => p.samples.length > 0),
    name: options.name ?? 'faultpath',
    activeProfileIndex: 0,
    exporter: options.exporter ?? 'faultpath',
  };
  return JSON.stringify(file) + '\n';
}

function frameFor(n: TreeNode): Frame {
  const f: Frame = { name: n.name };
  const source = n.kind === 'instruction' ? n.site?.source : undefined;
  const m = source !== undefined ? /^(.*):(\d+)$/.exec(source) : null;
  if (m !== null) {
    f.file = m[1]!;
    f.line = Number(m[2]);
  } else if (n.dso !== undefined && n.dso !== '') {
    f.file = n.dso;
  }
  return f;
}

// What a node holds beyond its children, per event: the faults that end here.
function ownByEvent(node: TreeNode): Record<string, number> {
  const own: Record<string, number> = { ...node.byEvent };
  for (const c of node.children) for (const [e, v] of Object.entries(c.byEvent)) own[e] = (own[e] ?? 0) - v;
  return own;
}
