// Protection bits and flags as perf script (`0x00000003`) or perf trace
// (`READ|WRITE`) prints them; the fields come from src/events.ts.
import { parseNum } from '../events.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../fault-class.js';

/** `rwx` text of PROT_* bits: `r--`, `rw-`, `r-x`, `---`. */
export function protText(prot: number): string {
  return `${prot & PROT_READ ? 'r' : '-'}${prot & PROT_WRITE ? 'w' : '-'}${prot & PROT_EXEC ? 'x' : '-'}`;
}

export const PROT_NAMES: Record<string, number> = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4, SEM: 8, GROWSDOWN: 0x01000000, GROWSUP: 0x02000000 };
export const MMAP_FLAG_NAMES: Record<string, number> = { FIXED: 0x10, FIXED_NOREPLACE: 0x100000 };
export const MREMAP_FLAG_NAMES: Record<string, number> = { MAYMOVE: 1, FIXED: 2, DONTUNMAP: 4 };
export const MAP_FIXED = 0x10;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

// Numeric, or perf trace's `READ|WRITE` names; names outside `table` are ignored
// for flags (PRIVATE, ANONYMOUS) and make prot unreadable.
export function parseBits(text: string | undefined, table: Record<string, number>, strict: boolean): number {
  if (text === undefined) return NaN;
  const n = parseNum(text);
  if (!Number.isNaN(n)) return n;
  let bits = 0;
  for (const name of text.split('|')) {
    const v = table[name.trim()];
    if (v !== undefined) bits |= v;
    else if (strict) return NaN;
  }
  return bits;
}

export function failedRet(ret: number): boolean {
  return ret < 0 && ret >= -4095;
}
