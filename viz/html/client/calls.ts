// The call tree, kept in the flat arrays it arrives in (see ../encode.ts) and
// laid out by d3's partition on the server; node objects are made only for
// the frame a reader hovers or clicks.
import type { FaultSite, TreeNode } from '../../../src/model.js';
import { paletteKind } from '../../colors.js';
import type { EncodedTree } from '../encode.js';
import type { View } from './view.js';

export interface CallTree {
  readonly enc: EncodedTree;
  readonly strings: readonly string[];
  /** Node count. */
  readonly size: number;
  readonly parentOf: Int32Array;
  readonly depthOf: Int32Array;
  readonly heightOf: Int32Array;
  readonly laidValue: Float64Array;
  /** The root's laid-out value. */
  readonly total: number;
  /** Search flags: a match, a match below, a match between the node and its command. */
  readonly hit: Uint8Array;
  readonly below: Uint8Array;
  readonly up: Uint8Array;
  readonly view: View;
  eventsOf(i: number): Record<string, number>;
  node(i: number): TreeNode;
  kindOf(i: number): string;
}

export const paletteOf = (kind: string, site: FaultSite | undefined): string => paletteKind(site === undefined ? { kind } : { kind, site });

export function callTree(enc: EncodedTree): CallTree {
  const strings = enc.strings;
  const N = enc.name.length;
  const parentOf = new Int32Array(N);
  const depthOf = new Int32Array(N);
  const heightOf = new Int32Array(N);
  const laidValue = new Float64Array(N);
  const childStart = new Int32Array(N + 1);
  const childList = new Int32Array(Math.max(0, N - 1));
  parentOf[0] = -1;
  for (let i = 1; i < N; i++) {
    const p = i - enc.up[i]!;
    parentOf[i] = p;
    depthOf[i] = depthOf[p]! + 1;
    childStart[p + 1]!++;
  }
  for (let i = 0; i < N; i++) childStart[i + 1]! += childStart[i]!;
  const fill = childStart.slice(0, N);
  for (let i = 1; i < N; i++) childList[fill[parentOf[i]!]!++] = i;
  for (let i = N - 1; i >= 0; i--) {
    // Children come after their parent in pre-order: walking backwards sees them first.
    laidValue[i] = Math.max(laidValue[i]!, enc.value[i]!);
    const p = parentOf[i]!;
    if (p >= 0) {
      laidValue[p]! += laidValue[i]!;
      if (heightOf[i]! + 1 > heightOf[p]!) heightOf[p] = heightOf[i]! + 1;
    }
  }
  const total = N > 0 ? laidValue[0]! : 0;
  const scale = total > 0 ? 1 / total : 0;
  const eventsOf = (i: number): Record<string, number> => {
    const e = enc.event[i]!;
    if (e >= 0) return { [strings[e]!]: enc.value[i]! };
    const out: Record<string, number> = {};
    if (e === -2) return out;
    for (let j = 0; j < enc.multi.length; ) {
      const count = enc.multi[j + 1]!;
      if (enc.multi[j] === i) {
        for (let k = 0; k < count; k++) out[strings[enc.multi[j + 2 + 2 * k]!]!] = enc.multi[j + 3 + 2 * k]!;
        return out;
      }
      j += 2 + 2 * count;
    }
    return out;
  };
  const kindOf = (i: number): string => enc.kinds[enc.kind[i]!]!;
  const node = (i: number): TreeNode => {
    const n: TreeNode = { name: strings[enc.name[i]!]!, kind: kindOf(i) as TreeNode['kind'], value: enc.value[i]!, self: enc.self[i]!, byEvent: eventsOf(i), children: [] };
    const dso = enc.dso[i]!;
    if (dso > 0) n.dso = strings[dso - 1]!;
    const site = enc.sites[i];
    if (site !== undefined) n.site = site;
    return n;
  };
  const hit = new Uint8Array(N);
  const below = new Uint8Array(N);
  const up = new Uint8Array(N);
  const view: View = {
    inverted: false,
    x0: (i) => enc.x0[i]! * scale,
    x1: (i) => (enc.x0[i]! + laidValue[i]!) * scale,
    depth: (i) => depthOf[i]!,
    height: (i) => heightOf[i]!,
    parent: (i) => parentOf[i]!,
    kids: (i) => childList.subarray(childStart[i]!, childStart[i + 1]!),
    name: (i) => strings[enc.name[i]!]!,
    value: (i) => laidValue[i]!,
    node,
    palette: (i) => paletteOf(kindOf(i), enc.sites[i]),
    hit: (i) => hit[i] === 1,
    below: (i) => below[i] === 1,
  };
  return { enc, strings, size: N, parentOf, depthOf, heightOf, laidValue, total, hit, below, up, view, eventsOf, node, kindOf };
}
