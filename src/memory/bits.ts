// Protection bits as the timeline shows them, and a syscall's failure.
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../fault-class.js';

/** `rwx` text of PROT_* bits: `r--`, `rw-`, `r-x`, `---`. */
export function protText(prot: number): string {
  return `${prot & PROT_READ ? 'r' : '-'}${prot & PROT_WRITE ? 'w' : '-'}${prot & PROT_EXEC ? 'x' : '-'}`;
}

/** A syscall return that is an errno (-4095..-1). */
export function failedRet(ret: number): boolean {
  return ret < 0 && ret >= -4095;
}
