// Frames perf could not name (`348a8 [unknown]`), or named by a data symbol
// (`runtime.m0+0x148`), that point where their dso's listing has no code: per
// dso, the first one, where it fell and how many more. The resolver notes them as it resolves; src/warnings.ts words them.
import { formatListingAddress } from './disasm-index.js';
import type { Listing } from './listing-set.js';
import type { Frame, Instruction } from './model.js';

export class UnnamedFrames {
  /** dso → frame → its label (as perf printed it) and where it fell. */
  private readonly byDso = new Map<string, Map<Frame, { label: string; byData: boolean; where: string }>>();

  /** A frame `label` (`byData`: perf named it, by a data symbol) whose address in `listing` is no instruction start: `inside` the one it falls in, else none. */
  note(frame: Frame, label: string, byData: boolean, listing: Listing, address: number, inside: Instruction | undefined): void {
    let frames = this.byDso.get(frame.dso);
    if (frames === undefined) {
      frames = new Map();
      this.byDso.set(frame.dso, frames);
    }
    if (frames.has(frame)) return;
    const at = `0x${formatListingAddress(address)}`;
    let where: string;
    if (inside !== undefined) where = `it falls at ${at}, inside ${inside.text} at 0x${formatListingAddress(inside.address)} in ${listing.path}`;
    else {
      const fns = listing.functions();
      const last = fns.reduce((m, f) => Math.max(m, f.end), -Infinity);
      const firstStart = fns[0]?.address ?? Infinity;
      where =
        address >= last
          ? `it falls at ${at}, past the end of the code in ${listing.path} (the last function ends at 0x${formatListingAddress(last)})`
          : address < firstStart
            ? `it falls at ${at}, before the first function of ${listing.path}`
            : `it falls at ${at}, between the functions of ${listing.path}`;
    }
    frames.set(frame, { label, byData, where });
  }

  /**
   * Per dso: the first such frame (`byData`: named by data), where it fell, how many more, and what
   * `faults` says they cost (the faults whose paths hold any of them).
   */
  report<C>(faults: (frames: ReadonlySet<Frame>) => C): { dso: string; frame: string; byData: boolean; where: string; more: number; cost: C }[] {
    const out: { dso: string; frame: string; byData: boolean; where: string; more: number; cost: C }[] = [];
    for (const [dso, frames] of this.byDso) {
      const first = frames.values().next().value!;
      out.push({ dso, frame: first.label, byData: first.byData, where: first.where, more: frames.size - 1, cost: faults(new Set(frames.keys())) });
    }
    return out;
  }
}
