// Names protection sites and faulting instructions for the protection
// timeline, through the listings: the site of an mprotect is the `call`
// instruction in the first function outside libc and ld.so (the caller of the
// `__mprotect` wrapper), after repairing what frame-pointer unwinding lost.
import type { FrameResolver } from './join.js';
import { basename, stripVersion } from './join.js';
import type { Frame, ProtectionReport, ProtectionSection, ProtectionSiteView, SampleRecord } from './model.js';
import { isKernelDso } from './model.js';
import { callTarget, isCall, type UnwindRepair } from './unwind.js';

const RUNTIME_DSO = /^(libc[.-]|ld-linux|ld-|libpthread)/;
const PROTECTION_CALLS = /^_*(?:mprotect|pkey_mprotect|mmap|mmap64|munmap|mremap)$/;

/** What a site key stands for. */
export interface SiteInfo {
  readonly key: string;
  readonly dso: string;
  readonly symbol: string;
  /** Offset of the call instruction in its function, -1 when unknown. */
  readonly offset: number;
  /** Listing address of the call instruction (hex), '' when unknown. */
  readonly address: string;
  readonly instruction?: string;
  readonly source?: string;
  /** The function was inferred by the unwinding repair. */
  readonly inferred: boolean;
}

export class ProtectionSites {
  private readonly byFrame = new Map<Frame, SiteInfo>();
  private readonly byKey = new Map<string, SiteInfo>();
  private readonly instructionFrames = new Map<string, Frame>();

  constructor(
    private readonly resolver: FrameResolver,
    private readonly repair: UnwindRepair,
  ) {}

  /** The site key of a protection record (the timeline's `siteOf`). */
  readonly siteOf = (r: SampleRecord): string => {
    const user = r.stack.filter((f) => !isKernelDso(f.dso));
    if (user.length === 0) return '[unknown]';
    const frames = this.repair.repair(user);
    let chosen = frames[0]!;
    let isLeaf = true;
    for (let i = 0; i < frames.length; i++) {
      const dso = frames[i]!.dso;
      // a frame perf could not place (`0 [unknown] ([unknown])`) is the end of the chain, not a caller
      if (dso !== '' && dso !== '[unknown]' && !RUNTIME_DSO.test(basename(dso))) {
        chosen = frames[i]!;
        isLeaf = i === 0;
        break;
      }
    }
    let info = this.byFrame.get(chosen);
    if (info === undefined) {
      info = this.describe(chosen, isLeaf);
      this.byFrame.set(chosen, info);
      this.byKey.set(info.key, info);
    }
    return info.key;
  };

  /** A key for the faulting instruction of a fault, resolved to its name at the end (`instructionName`). */
  instructionKey(site: Frame): string {
    const key = `${site.dso}\0${site.symbol}\0${site.offset}\0${site.addr}`;
    if (!this.instructionFrames.has(key)) this.instructionFrames.set(key, site);
    return key;
  }

  /** `write_field+0x0: mov %rsi,(%rdi)` for a key from `instructionKey`. */
  instructionName(key: string): string {
    const f = this.instructionFrames.get(key);
    if (f === undefined) return key;
    const s = this.resolver.resolve(f);
    const where = `${s.symbol || '[unknown]'}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
    return s.resolved ? `${where}: ${s.instruction ?? ''}` : where;
  }

  info(key: string): SiteInfo | undefined {
    return this.byKey.get(key);
  }

  /** The timeline's report with sites and instructions named. */
  finish(report: ProtectionReport): ProtectionSection {
    const sites = report.sites.map((s): ProtectionSiteView => {
      const info = this.byKey.get(s.site);
      const handlerName = (k: string): string => this.byKey.get(k)?.key ?? k;
      const prot = Object.entries(s.prots)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([p]) => p)
        .join(',');
      return {
        ...s,
        instructions: s.instructions.map((i) => ({
          ...i,
          instruction: this.instructionName(i.instruction),
          handlers: Object.fromEntries(Object.entries(i.handlers).map(([k, v]) => [handlerName(k), v])),
        })),
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

  private describe(f: Frame, isLeaf: boolean): SiteInfo {
    if (f.inferred === true) return this.inferredSite(f);
    if (!isLeaf && f.addr !== '') {
      const call = this.repair.callAt(f);
      if (call !== undefined) {
        const symbol = f.symbol !== '' && f.symbol !== '[unknown]' ? f.symbol : stripVersion(call.function);
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
