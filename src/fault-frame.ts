// Which frame of a fault record faulted, and the record's frames split into
// that frame, its callers and the functions inlined at it (the tree's path).
//
// It depends on the event:
//   exceptions:page_fault_user   sample ip is in the kernel's fault handler:
//       guard  2014 [000]  7537.692863:  exceptions:page_fault_user: address=0x7f740dbdfe06 ip=0x7f740dbc77ad error_code=0x6
//           ffffffff82260400 exc_page_fault+0x2f0 ([kernel.kallsyms])
//           ffffffff81000c82 asm_exc_page_fault+0x22 ([kernel.kallsyms])
//                      1b7ad _dl_start+0x3d (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
//     → the first user frame (its runtime address is the payload's ip=).
//   exceptions:page_fault_kernel → the frame under asm_exc_page_fault.
//   page-faults / minor-faults / major-faults (software events): the first frame is the faulting ip;
//     with no frame, the ip of its fault's tracepoint when paired with it (src/fault-pairs.ts).
//
// The parser hands out one array per distinct stack: the split is made once
// per stack and event kind (a kernel tracepoint's depends on its ip, so it is
// made each time).
import type { AddressSpaces } from './addresses.js';
import type { PathFrames } from './aggregate.js';
import { isKernelDso } from './dso.js';
import { faultIpHex, type FaultAccess } from './events.js';
import type { Frame, SampleRecord } from './model.js';
import { Numbered } from './numbered.js';

const NO_FRAMES: readonly Frame[] = [];
const NO_SPLIT: PathFrames = pathFrames({ addr: '', symbol: '', offset: -1, dso: '' }, NO_FRAMES, 0, NO_FRAMES);
/** Distinct stacks whose split is kept. */
const MAX_SHAPES = 1 << 17;

/**
 * Index in `r.stack` of the frame that faulted, or -1 when the stack has none
 * (then the payload's ip is all there is).
 */
export function faultFrameIndex(r: SampleRecord, fault: FaultAccess | undefined): number {
  const stack = r.stack;
  if (r.event === 'exceptions:page_fault_user') {
    for (let i = 0; i < stack.length; i++) if (!isKernelDso(stack[i]!.dso)) return i;
    return -1;
  }
  if (r.event === 'exceptions:page_fault_kernel') {
    for (let i = 0; i < stack.length; i++) {
      if (stack[i]!.symbol === 'asm_exc_page_fault') return i + 1 < stack.length ? i + 1 : -1;
    }
    const hex = faultIpHex(fault);
    if (hex !== undefined) {
      for (let i = 0; i < stack.length; i++) if (stack[i]!.addr === hex) return i;
    }
    return stack.length > 0 ? 0 : -1;
  }
  return stack.length > 0 ? 0 : -1;
}

export class FaultFrames {
  private readonly payloadFrames = new Map<string, Frame>();

  constructor(private readonly addresses: AddressSpaces) {}

  private readonly shapes = new Map<readonly Frame[], PathFrames>();
  private readonly userShapes = new Map<readonly Frame[], PathFrames>();
  // the same by the parser's stack number (r.stackId): the stack the split was made of, and the split
  private readonly stackOf = new Numbered<readonly Frame[] | undefined>(undefined);
  private readonly splitOf = new Numbered<PathFrames>(NO_SPLIT);
  private readonly userStackOf = new Numbered<readonly Frame[] | undefined>(undefined);
  private readonly userSplitOf = new Numbered<PathFrames>(NO_SPLIT);

  /** The record's faulting frame, its callers and the functions inlined at it; `ip`: its fault's runtime ip, when known from elsewhere. */
  of(r: SampleRecord, fault: FaultAccess | undefined, ip?: number): PathFrames {
    const kernel = r.event === 'exceptions:page_fault_kernel';
    const user = r.event === 'exceptions:page_fault_user';
    const id = r.stackId;
    if (!kernel) {
      if (id !== undefined) {
        // a stack rewritten per record (inlined frames given their dso) keeps its number but is another array: made again
        if ((user ? this.userStackOf : this.stackOf).get(id) === r.stack) return (user ? this.userSplitOf : this.splitOf).get(id);
      } else {
        const known = (user ? this.userShapes : this.shapes).get(r.stack);
        if (known !== undefined) return known;
      }
    }
    let at = faultFrameIndex(r, fault);
    if (at < 0) return pathFrames(this.payloadFrame(r, fault, ip), r.stack, 0, NO_FRAMES);
    // functions inlined at the faulting ip: the frame that ends their group (the real one, or the last inlined one when perf printed none) faulted
    const inlinedFrom = at;
    while (at + 1 < r.stack.length && r.stack[at]!.inlined === true && r.stack[at]!.outermost !== true) at++;
    const frames = pathFrames(r.stack[at]!, r.stack, at + 1, at > inlinedFrom ? r.stack.slice(inlinedFrom, at) : NO_FRAMES);
    if (id !== undefined) {
      if (!kernel) {
        const stacks = user ? this.userStackOf : this.stackOf;
        const splits = user ? this.userSplitOf : this.splitOf;
        stacks.set(id, r.stack);
        splits.set(id, frames);
      }
    } else if (!kernel) {
      // stacks rewritten per record (inlined frames given their dso) are not the parser's: keep the cache bounded
      const shapes = user ? this.userShapes : this.shapes;
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(r.stack, frames);
    }
    return frames;
  }

  // A tracepoint with no user frame: the payload's ip (a software fault sample with none: its
  // tracepoint's, `pairedIp`), mapped through MMAP records when present.
  private payloadFrame(r: SampleRecord, fault: FaultAccess | undefined, pairedIp: number | undefined): Frame {
    const ipText = fault?.ipText;
    const ip = fault?.ip ?? pairedIp ?? NaN;
    let dso = '[unknown]';
    let addr = faultIpHex(fault) ?? (pairedIp !== undefined ? pairedIp.toString(16) : '');
    if (!Number.isNaN(ip)) {
      const m = this.addresses.lookup(this.addresses.processFor(r.pid, r.tid), ip);
      if (m !== undefined) {
        dso = m.dso;
        addr = m.dsoAddress.toString(16);
      }
    } else if (ipText !== undefined && r.event === 'exceptions:page_fault_kernel') {
      dso = '[kernel.kallsyms]';
    }
    const key = dso + '\0' + addr;
    let f = this.payloadFrames.get(key);
    if (f === undefined) {
      f = { addr, symbol: '[unknown]', offset: -1, dso };
      this.payloadFrames.set(key, f);
    }
    return f;
  }
}

// A split with the fields the aggregator fills in later already in place: added to a three-field
// literal, they were a second allocation (out-of-object properties) per distinct stack. The callers
// are the stack's own array from `callersFrom` on: a copy was two more objects per distinct stack,
// all kept to the end (copied by two scavenges each).
function pathFrames(site: Frame, stack: readonly Frame[], callersFrom: number, inlined: readonly Frame[]): PathFrames {
  return { site, callers: stack, callersFrom, inlined, hash: undefined, hashedBy: undefined, lastPath: undefined };
}
