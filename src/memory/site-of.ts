// Which call site a protection syscall record belongs to.
import type { Frame, SampleRecord } from '../../parsers/records.js';
import { isKernelDso, isRuntimeFrame } from '../dso.js';

/**
 * The default protection site: the first user frame not in libc, ld.so,
 * libpthread or Go's runtime and syscall packages (the caller of the
 * `__mprotect` wrapper, of `syscall.Mprotect`), else the
 * leaf user frame; keyed `dso:symbol+0xoff`. With frame-pointer callchains
 * perf loses the wrapper's direct caller (the wrapper keeps no frame), so
 * this is the caller's caller unless the pipeline repairs the chain.
 */
export function defaultSiteOf(r: SampleRecord): string {
  let leaf: Frame | undefined;
  for (const f of r.stack) {
    if (isKernelDso(f.dso)) continue;
    leaf ??= f;
    // perf's `(inlined)` frames: a callee inlined where the next frame is, or a dso nothing told (src/inlined.ts)
    if (f.dso === 'inlined' || f.dso === '' || (f.inlined === true && f.outermost !== true)) continue;
    if (!isRuntimeFrame(f)) return frameKey(f);
  }
  return leaf === undefined ? '[unknown]' : frameKey(leaf);
}

function frameKey(f: Frame): string {
  const dso = f.dso === '' ? '[unknown]' : f.dso;
  if (f.symbol === '' || f.symbol === '[unknown]') return `${dso}:0x${f.addr === '' ? '?' : f.addr}`;
  return f.offset >= 0 ? `${dso}:${f.symbol}+0x${f.offset.toString(16)}` : `${dso}:${f.symbol}`;
}

