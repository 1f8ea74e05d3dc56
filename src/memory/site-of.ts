// Which call site a protection syscall record belongs to.
import type { Frame, SampleRecord } from '../model.js';
import { isKernelDso } from '../model.js';

const RUNTIME_DSO = /^(libc[.-]|ld-linux|ld-|libpthread)/;

/**
 * The default protection site: the first user frame whose dso is not libc,
 * ld.so or libpthread (the caller of the `__mprotect` wrapper), else the
 * leaf user frame; keyed `dso:symbol+0xoff`. With frame-pointer callchains
 * perf loses the wrapper's direct caller (the wrapper keeps no frame), so
 * this is the caller's caller unless the pipeline repairs the chain.
 */
export function defaultSiteOf(r: SampleRecord): string {
  let leaf: Frame | undefined;
  for (const f of r.stack) {
    if (isKernelDso(f.dso)) continue;
    leaf ??= f;
    if (!RUNTIME_DSO.test(basename(f.dso))) return frameKey(f);
  }
  return leaf === undefined ? '[unknown]' : frameKey(leaf);
}

function frameKey(f: Frame): string {
  const dso = f.dso === '' ? '[unknown]' : f.dso;
  if (f.symbol === '' || f.symbol === '[unknown]') return `${dso}:0x${f.addr === '' ? '?' : f.addr}`;
  return f.offset >= 0 ? `${dso}:${f.symbol}+0x${f.offset.toString(16)}` : `${dso}:${f.symbol}`;
}

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}
