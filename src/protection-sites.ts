// Names protection sites and faulting instructions for the protection
// timeline, through the listings: the site of an mprotect is the `call`
// instruction in the first function outside libc and ld.so (the caller of the
// `__mprotect` wrapper), after repairing what frame-pointer unwinding lost.
//
// Whether a listing may be used for a dso is known only at the end, once the
// join has seen every frame (FrameResolver's verdict). So while the trace
// streams a protection record is keyed by its distinct user stack up to the
// first frame outside the runtime, which needs no listing; stacks are named at
// the end, and the stacks that end up with one name are merged into one site
// (summed as the timeline would have summed them under that name).
import type { FrameResolver } from './join.js';
import type { FaultSite } from './fault-site.js';
import type { Frame, SampleRecord } from '../parsers/records.js';
import type { ProtectionReport, ProtectionSection, ProtectionSiteSummary, ProtectionSiteView } from './memory/protection-types.js';
import { bySiteOrder, fromMap } from './memory/summary.js';
import { mergeSites } from './memory/site-sums.js';
import { basename, isKernelDso, isRuntimeFrame, stripVersion } from './dso.js';
import { callTarget, isCall, type UnwindRepair } from './unwind.js';
import { perfName } from './demangle.js';

/** The instructions that enter the kernel: x86-64, i386, aarch64. */
const SYSCALL = /^(?:syscall|sysenter|int\s+\$0x80|svc\b)/;
/** Where every complete user chain begins: the program's and ld.so's entry, a new thread's (Go: a goroutine's, an M's). */
const ENTRY_POINTS = /^(?:_start|_dl_start|_dl_start_user|__?clone3?|start_thread|_rt0_\w+|runtime\.(?:rt0_go|goexit|mstart|mstart0)(?:\.abi0)?)$/;
const PROTECTION_CALLS = /^_*(?:mprotect|pkey_mprotect|mmap|mmap64|munmap|mremap)$/;
/** Memory no file backs, where perf prints absolute frame addresses. */
const ANONYMOUS = /^(?:\/\/anon|\[anon\]|\[heap\]|\[stack\])$/;

/** What a site key stands for: the call instruction (offset -1 and address '' when unknown). */
export interface SiteInfo extends Pick<FaultSite, 'dso' | 'symbol' | 'offset' | 'address' | 'instruction' | 'source'> {
  readonly key: string;
  /** The function was inferred by the unwinding repair. */
  readonly inferred: boolean;
}

// A distinct user stack, cut after the first frame outside the runtime (the
// site is there or in a callee the repair inserts before it; the frames
// above it play no part): its frames, leaf first, and once named its site.
interface Stack {
  readonly frames: readonly Frame[];
  info: SiteInfo | undefined;
}

// Provisional keys cannot collide with a name: names never hold a NUL.
const PROVISIONAL = '\0stack ';
/** The site of a record with no user frame. */
const UNKNOWN_SITE = '[unknown]';

/**
 * The protection timeline's `siteOf`, and the names of its sites once the
 * join's verdict on the listings is known (`siteName`, `info`, `finish`).
 */
export class ProtectionSites {
  // interned frame → its id × 2, + 1 when it is outside the runtime (a caller
  // the site can be in); `,code,code…` of a cut stack → its provisional key
  private readonly frameCodes = new Map<Frame, number>();
  private readonly keys = new Map<string, string>();
  /** Stacks in the order they were first seen; named in that order. */
  private readonly stacks: Stack[] = [];
  private named = 0;
  private readonly byFrame = new Map<Frame, SiteInfo>();
  private readonly byName = new Map<string, SiteInfo>();
  private readonly instructionFrames = new Map<string, Frame>();
  private readonly frameKeys = new Map<Frame, string>();
  // the timelines of each fault family take the same record in turn
  private lastRecord: SampleRecord | undefined;
  private lastKey = UNKNOWN_SITE;

  /**
   * `codeAt`: whether the process of a record had executable memory at an
   * address (its PERF_RECORD_MMAP2 prot), undefined when no mapping is known.
   */
  constructor(
    private readonly resolver: FrameResolver,
    private readonly repair: UnwindRepair,
    private readonly codeAt?: (r: SampleRecord, address: number) => boolean | undefined,
  ) {}

  /**
   * The site key of a protection record (the timeline's `siteOf`): a
   * provisional key for its distinct user stack, named by `siteName` once
   * the join's verdict on the listings is known; `[unknown]` without user frames.
   */
  readonly siteOf = (r: SampleRecord): string => {
    if (r === this.lastRecord) return this.lastKey;
    const stack = r.stack;
    const limit = this.chainEnd(r);
    let ids = '';
    let end = 0;
    for (; end < limit; end++) {
      const f = stack[end]!;
      if (isKernelDso(f.dso) || inGroup(f)) continue;
      let code = this.frameCodes.get(f);
      if (code === undefined) {
        code = (this.frameCodes.size << 1) | (isCaller(f) ? 1 : 0);
        this.frameCodes.set(f, code);
      }
      ids += ',' + code;
      if ((code & 1) === 1) break;
    }
    let key = UNKNOWN_SITE;
    if (ids !== '') {
      const known = this.keys.get(ids);
      if (known !== undefined) key = known;
      else {
        key = PROVISIONAL + this.stacks.length;
        this.keys.set(ids, key);
        this.stacks.push({ frames: stack.slice(0, Math.min(end + 1, limit)).filter((f) => !isKernelDso(f.dso) && !inGroup(f)), info: undefined });
      }
    }
    this.lastRecord = r;
    this.lastKey = key;
    return key;
  };

  // Where the chain ends: at a frame perf could not name in anonymous memory
  // the process had mapped without exec. Frame-pointer unwinding through code
  // built without frame pointers reads a data pointer from rbp as the return
  // address (an -O2 Arena<long>::seal kept the arena's base there:
  // `7f51fa298000 [unknown] (//anon)` above `__mprotect+0x7`); it is no caller.
  private chainEnd(r: SampleRecord): number {
    if (this.codeAt !== undefined) {
      for (let i = 0; i < r.stack.length; i++) {
        const f = r.stack[i]!;
        if ((f.symbol === '[unknown]' || f.symbol === '') && ANONYMOUS.test(f.dso) && this.codeAt(r, parseInt(f.addr, 16)) === false) return i;
      }
    }
    return r.stack.length;
  }

  /** The distinct user frames the sites are chosen from: the join anchors them with the faults' own, so they count in its verdict on each listing. */
  frames(): IterableIterator<Frame> {
    return this.frameCodes.keys();
  }

  /**
   * The name of a site key from `siteOf` (`protect_young+0x28 [inferred] (guard)`);
   * any other key is its own name. Call only once every frame is anchored.
   */
  readonly siteName = (key: string): string => {
    if (!key.startsWith(PROVISIONAL)) return key;
    return this.stackInfo(key)?.key ?? key;
  };

  /** A key for the faulting instruction of a fault (the timeline's `instructionKey`), resolved to its name at the end (`instructionName`). */
  readonly instructionKey = (site: Frame): string => {
    // frames are interned: a fault's frame was mostly seen before
    let key = this.frameKeys.get(site);
    if (key !== undefined) return key;
    key = `${site.dso}\0${site.symbol}\0${site.offset}\0${site.addr}`;
    this.frameKeys.set(site, key);
    if (!this.instructionFrames.has(key)) this.instructionFrames.set(key, site);
    return key;
  };

  /** `write_field+0x0: mov %rsi,(%rdi)` for a key from `instructionKey`. */
  instructionName(key: string): string {
    const f = this.instructionFrames.get(key);
    if (f === undefined) return key;
    const s = this.resolver.resolve(f);
    const where = `${s.symbol || '[unknown]'}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
    return s.resolved ? `${where}: ${s.instruction ?? ''}` : where;
  }

  /** What a site key (from `siteOf`, or a name from `siteName`) stands for. Call only once every frame is anchored. */
  info(key: string): SiteInfo | undefined {
    if (key.startsWith(PROVISIONAL)) return this.stackInfo(key);
    this.nameStacks();
    return this.byName.get(key);
  }

  /**
   * The timeline's report with sites and instructions named: the stacks that
   * got one name are one site, their counts added. Call only once every frame
   * is anchored (after FaultAggregator.finish).
   */
  finish(report: ProtectionReport): ProtectionSection {
    const byName = new Map<string, ProtectionSiteSummary>();
    for (const s of report.sites) {
      const name = this.siteName(s.site);
      const named = { ...s, site: name, instructions: s.instructions.map((i) => ({ ...i, handlers: this.renameHandlers(i.handlers) })) };
      const prev = byName.get(name);
      byName.set(name, prev === undefined ? named : mergeSites(prev, named));
    }
    const sites = [...byName.values()].sort(bySiteOrder).map((s): ProtectionSiteView => {
      const info = this.info(s.site);
      const prot = Object.entries(s.prots)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([p]) => p)
        .join(',');
      return {
        ...s,
        instructions: s.instructions.map((i) => ({ ...i, instruction: this.instructionName(i.instruction) })),
        dso: info?.dso ?? '',
        symbol: info?.symbol ?? s.site,
        offset: info !== undefined && info.offset >= 0 ? info.offset : null,
        address: info !== undefined && info.address !== '' ? `0x${info.address}` : null,
        instruction: info?.instruction ?? null,
        source: info?.source ?? null,
        inferred: info?.inferred ?? false,
        prot,
      };
    });
    return { ...report, sites };
  }

  private renameHandlers(handlers: Record<string, number>): Record<string, number> {
    const out = new Map<string, number>();
    for (const [k, v] of Object.entries(handlers)) {
      const name = this.siteName(k);
      out.set(name, (out.get(name) ?? 0) + v);
    }
    return fromMap(out);
  }

  private stackInfo(key: string): SiteInfo | undefined {
    this.nameStacks();
    return this.stacks[Number(key.slice(PROVISIONAL.length))]?.info;
  }

  // Names every stack not named yet, in the order first seen (a frame is
  // described once, as it was first met: leaf or caller).
  private nameStacks(): void {
    for (; this.named < this.stacks.length; this.named++) {
      const stack = this.stacks[this.named]!;
      stack.info = this.nameStack(stack.frames);
    }
  }

  private nameStack(user: readonly Frame[]): SiteInfo {
    const frames = this.repair.repair(user);
    let chosen = frames[0]!;
    let isLeaf = true;
    let found = false;
    for (let i = 0; i < frames.length; i++) {
      if (isCaller(frames[i]!)) {
        chosen = frames[i]!;
        isLeaf = i === 0;
        found = true;
        break;
      }
    }
    // all in the runtime: the first frame whose dso is known (an `(inlined)` leaf nothing placed is no site)
    if (!found && !placed(chosen)) {
      const i = frames.findIndex(placed);
      if (i > 0) {
        chosen = frames[i]!;
        isLeaf = false;
      }
    }
    let info = this.byFrame.get(chosen);
    if (info === undefined) {
      info = this.describe(chosen, isLeaf);
      this.byFrame.set(chosen, info);
      this.byName.set(info.key, info);
    }
    // no caller outside the runtime, and the chain does not reach the program's entry: it stopped inside libc or ld.so
    if (!found && !frames.some((f) => ENTRY_POINTS.test(f.symbol))) this.stopped.add(info.key);
    return info;
  }

  /** Sites named in the runtime because their callchains stop inside it (frame-pointer unwinding through libc): the report says so once. */
  readonly stopped = new Set<string>();

  private describe(f: Frame, isLeaf: boolean): SiteInfo {
    if (f.inferred === true) return this.inferredSite(f);
    // the leaf of a syscall record is the instruction after the syscall: the site is the syscall (return address − 1)
    if (isLeaf) {
      const at = this.resolver.locate(f);
      const hit = at?.listing.lookup(at.address);
      const prev = at !== undefined && hit?.boundary === true ? at.listing.instructionBefore(at.address) : undefined;
      if (at !== undefined && prev !== undefined && SYSCALL.test(prev.text) && prev.functionAddress === hit!.functionAddress) {
        const byPerf = f.symbol !== '' && f.symbol !== '[unknown]' && f.offset >= 0;
        const symbol = byPerf ? f.symbol : stripVersion(prev.function);
        const offset = byPerf ? f.offset - (at.address - prev.address) : prev.address - prev.functionAddress;
        return this.site(f.dso, symbol, offset, prev.address.toString(16), prev.text, prev.source, false);
      }
    }
    if (!isLeaf && f.addr !== '') {
      const call = this.repair.callAt(f);
      if (call !== undefined) {
        const symbol = f.symbol !== '' && f.symbol !== '[unknown]' ? f.symbol : perfName(call.function);
        const offset = call.address - call.functionAddress;
        return this.site(f.dso, symbol, offset, call.address.toString(16), call.text, call.source, false);
      }
    }
    const s = this.resolver.resolve(f);
    const symbol = s.symbol || (f.addr !== '' ? `0x${f.addr}` : '[unknown]');
    return this.site(f.dso, symbol, s.offset, s.resolved ? s.address : '', s.instruction, s.source, false);
  }

  // An inferred function: its one call to a protection syscall wrapper, when it has exactly one.
  private inferredSite(f: Frame): SiteInfo {
    const listing = this.resolver.listingFor(f.dso);
    const fn = listing?.functionsNamed(f.symbol)[0];
    if (listing !== undefined && fn !== undefined) {
      const calls = listing.functionInstructions(fn.address).filter((i) => {
        if (!isCall(i)) return false;
        const t = callTarget(i);
        return t !== undefined && PROTECTION_CALLS.test(stripVersion(t.name).replace(/@plt$/, ''));
      });
      if (calls.length === 1) {
        const c = calls[0]!;
        return this.site(f.dso, f.symbol, c.address - fn.address, c.address.toString(16), c.text, c.source, true);
      }
    }
    return this.site(f.dso, f.symbol, -1, '', undefined, undefined, true);
  }

  private site(dso: string, symbol: string, offset: number, address: string, instruction: string | undefined, source: string | undefined, inferred: boolean): SiteInfo {
    const where = offset >= 0 ? `${symbol}+0x${offset.toString(16)}` : symbol;
    const key = `${where}${inferred ? ' [inferred]' : ''} (${basename(dso) || '[unknown]'})`;
    return {
      key,
      dso,
      symbol,
      offset,
      address,
      inferred,
      ...(instruction !== undefined ? { instruction } : {}),
      ...(source !== undefined ? { source } : {}),
    };
  }
}

// A frame the site can be in: outside libc, ld.so, libpthread and Go's runtime. A frame
// perf could not place (`0 [unknown] ([unknown])`) is the end of the chain, not a caller.
function isCaller(f: Frame): boolean {
  return placed(f) && !isRuntimeFrame(f);
}

// A frame whose dso is known.
function placed(f: Frame): boolean {
  return f.dso !== '' && f.dso !== '[unknown]' && f.dso !== 'inlined';
}

// A function perf printed `(inlined)` at the address of the frame after it: that frame stands for the code there.
function inGroup(f: Frame): boolean {
  return f.inlined === true && f.outermost !== true;
}
