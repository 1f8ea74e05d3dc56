// Repairs what frame-pointer unwinding loses, using the disassembly.
//
// A frameless function does not push a frame pointer, so a chain walked
// through rbp skips its caller's frame: at -O1, guard's protect_young calls
// mprotect@plt, but the chain reads
//            101a37 __mprotect+0x7 (/usr/lib/x86_64-linux-gnu/libc.so.6)
//              142a main+0xbd (/work/main/samples/guard/guard)
// The instruction before main's return address is `call 1289 <protect_young>`:
// its target is not the next frame of the chain, so protect_young was there.
// It is inserted as an inferred frame (marked in every output). DWARF chains
// report the return address - 1, inside the call instruction: the same
// reasoning applies to the instruction that contains the address.
import type { Frame, Instruction } from './model.js';
import { stripVersion } from './dso.js';
import { perfName } from './demangle.js';
import type { FrameResolver } from './join.js';

/** `call 1289 <protect_young>` → 0x1289 and `protect_young`; indirect calls and non-calls → undefined. */
export function callTarget(insn: Instruction): { address: number; name: string } | undefined {
  // GNU: `call   1289 <protect_young>`; -M intel and llvm-objdump: `call(q) 0x1289 <protect_young>`; aarch64: `bl 4007a0 <foo>`
  // the target runs to the `>` that ends the text: C++ names hold `<…>` (`<std::__fill_a1<char*, char>(char*, …)>`)
  const m = /^(?:call[qlw]?|bl|blx|jal|brasl)\s+(?:0x)?([0-9a-f]+)\s+<(.+)>(?:\s*(?:#.*)?)?$/.exec(insn.text);
  if (m === null) return undefined;
  const name = m[2]!;
  if (/\+0x[0-9a-f]+$/.test(name)) return undefined; // a call into the middle of something: not a function entry
  return { address: parseInt(m[1]!, 16), name };
}

/** The address a direct call goes to, function entry or not (`call 20c90 <_dl_catch_error@@GLIBC_PRIVATE+0x8810>` in a listing without the callee's symbol); undefined for other instructions. */
export function callAddress(insn: Instruction): number | undefined {
  const m = /^(?:call[qlw]?|bl|blx|jal|brasl)\s+(?:0x)?([0-9a-f]+)\b/.exec(insn.text);
  return m === null ? undefined : parseInt(m[1]!, 16);
}

/** Whether `insn` is a call of any kind (direct or indirect). */
export function isCall(insn: Instruction): boolean {
  return /^(?:call[qlw]?|bl|blr|blx|jalr?|brasl|basr)\b/.test(insn.text);
}

/** Names that denote one function across a plt stub, symbol versions and glibc's internal aliases. */
export function sameFunction(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(name: string): string {
  let n = stripVersion(name);
  if (n.endsWith('@plt')) n = n.slice(0, -4);
  n = n.replace(/^__GI_/, '').replace(/^_+/, '');
  return n;
}

// A frame inlined where the next frame is (same address): no call lies between them.
function inGroup(f: Frame): boolean {
  return f.dso === 'inlined' || (f.inlined === true && f.outermost !== true);
}

export class UnwindRepair {
  private readonly cache = new Map<string, Frame>();
  // caller → callee → the frame inferred between them (null: none), while no anchor came in since
  private readonly pairs = new Map<Frame, Map<Frame, Frame | null>>();
  private pairsGeneration = -1;
  // what the pairs ask of one frame, asked once (a frame is in many pairs: 5k pairs of 177 frames on the bench capture)
  private readonly callTargets = new Map<Frame, { address: number; name: string } | null>();
  private readonly functionStarts = new Map<Frame, number | null>();
  private readonly insertedAt = new Set<string>();

  /** Distinct places (return address, inferred callee) where a frame was inserted, for the report's explanation. */
  get inserted(): number {
    return this.insertedAt.size;
  }

  constructor(private readonly resolver: FrameResolver) {}

  /** Frames (leaf first) with inferred callees inserted where the call before a return address does not call the next frame. */
  repair(frames: readonly Frame[]): readonly Frame[] {
    let out: Frame[] | undefined;
    this.fresh();
    for (let i = 1; i < frames.length; i++) {
      const inferred = this.missingCalleeOnce(frames[i]!, frames[i - 1]!);
      if (inferred !== undefined) {
        out ??= frames.slice(0, i);
        out.push(inferred);
      }
      if (out !== undefined) out.push(frames[i]!);
    }
    return out ?? frames;
  }

  /** The callee `repair` would insert between a caller frame and the frame below it (its callee as the chain reads), if any. */
  between(caller: Frame, callee: Frame): Frame | undefined {
    this.fresh();
    return this.missingCalleeOnce(caller, callee);
  }

  // What an anchor read since may change is worked out again.
  private fresh(): void {
    if (this.pairsGeneration !== this.resolver.generation) {
      this.pairs.clear();
      this.callTargets.clear();
      this.functionStarts.clear();
      this.pairsGeneration = this.resolver.generation;
    }
  }

  // Paths share most of their frame pairs.
  private missingCalleeOnce(caller: Frame, callee: Frame): Frame | undefined {
    let byCallee = this.pairs.get(caller);
    if (byCallee === undefined) this.pairs.set(caller, (byCallee = new Map()));
    let f = byCallee.get(callee);
    if (f === undefined) {
      byCallee.set(callee, (f = this.missingCallee(caller, callee) ?? null));
      // counted where the pair is first met, not on every path through it
      if (f !== null) this.insertedAt.add(`${caller.dso}\0${caller.addr}\0${f.symbol}`);
    }
    return f ?? undefined;
  }

  /** The call instruction a caller frame's return address belongs to, when the listing has it. */
  callAt(caller: Frame): Instruction | undefined {
    const at = this.resolver.locate(caller);
    if (at === undefined) return undefined;
    const hit = at.listing.lookup(at.address);
    if (hit === undefined) return undefined;
    const call = hit.boundary ? at.listing.instructionBefore(at.address) : hit.instruction;
    if (call === undefined || !isCall(call) || call.functionAddress !== hit.functionAddress) return undefined;
    return call;
  }

  // The direct call before a caller frame's return address, which its callee must be the target of (null: nothing to check against).
  private checkedCall(caller: Frame): { address: number; name: string } | null {
    let target = this.callTargets.get(caller);
    if (target === undefined) {
      const call = this.callAt(caller);
      const t = call === undefined ? undefined : callTarget(call);
      // indirect calls have nothing to check against; a plt stub leads into another
      // dso, whose aliases (mprotect / __mprotect) are not ours to check
      this.callTargets.set(caller, (target = t === undefined || t.name.endsWith('@plt') ? null : t));
    }
    return target;
  }

  // The start of the listing function a frame is in (null: none found).
  private functionStart(f: Frame): number | null {
    let start = this.functionStarts.get(f);
    if (start === undefined) {
      const at = this.resolver.locate(f);
      const fn = at === undefined ? undefined : at.listing.lookup(at.address);
      this.functionStarts.set(f, (start = fn === undefined ? null : fn.functionAddress));
    }
    return start;
  }

  private missingCallee(caller: Frame, callee: Frame): Frame | undefined {
    // above a signal frame the next address is where the signal interrupted, not a return address
    // within an inline group (`poke+0xc (inlined)` over `touch_pages+0xc`) the frames share one address: no call between them
    if (caller.inferred === true || caller.addr === '' || callee.symbol === '__restore_rt' || inGroup(callee) || inGroup(caller)) return undefined;
    const target = this.checkedCall(caller);
    if (target === null) return undefined;
    if (callee.dso === caller.dso) {
      const start = this.functionStart(callee);
      if (start !== null ? start === target.address : sameFunction(target.name, callee.symbol)) return undefined;
    }
    const key = caller.dso + '\0' + target.name;
    let f = this.cache.get(key);
    if (f === undefined) {
      f = { addr: '', symbol: perfName(target.name), offset: -1, dso: caller.dso, inferred: true };
      this.cache.set(key, f);
    }
    return f;
  }
}
