// What the flame graph draws: a tree of numbered nodes (0 is the root), the
// call tree or the inverted one, and the boxes one drawing made of it.
import type { TreeNode } from '../../../src/model.js';

export interface View {
  readonly inverted: boolean;
  /** Edges as fractions of the root's width. */
  x0(i: number): number;
  x1(i: number): number;
  depth(i: number): number;
  /** Rows below the node (0 for a leaf). */
  height(i: number): number;
  parent(i: number): number;
  kids(i: number): ArrayLike<number>;
  name(i: number): string;
  /** The laid-out value (the node's value, or its children's sum when that is larger). */
  value(i: number): number;
  /** The node as the model has it (made on demand). */
  node(i: number): TreeNode;
  palette(i: number): string;
  hit(i: number): boolean;
  /** A match here or anywhere below. */
  below(i: number): boolean;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  /** The node drawn, or -1 for a box of merged narrow frames. */
  readonly node: number;
  readonly merged: number[];
  readonly parent: number;
  readonly ancestor: boolean;
}

/** What the page shows now. */
export interface State {
  view: View;
  dir: 'flame' | 'icicle';
  focus: number;
  selected: Box | null;
  hover: Box | null;
}

/** Row height of the flame graph, px. */
export const ROW = 18;
/** Sibling frames narrower than this (px) are drawn as one merged box. */
export const MIN_PX = 1;
