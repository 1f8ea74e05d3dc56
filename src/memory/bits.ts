// Protection bits, as the kernel defines them and as the timeline shows them,
// and a syscall's failure.

/** PROT_* bits of mmap/mprotect (include/uapi/asm-generic/mman-common.h). */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** `rwx` text of PROT_* bits: `r--`, `rw-`, `r-x`, `---`. */
export function protText(prot: number): string {
  return PROT_TEXTS[prot & (PROT_READ | PROT_WRITE | PROT_EXEC)]!;
}

// by the three bits: one string each, not one made per call (a Map key hashed again each time)
const PROT_TEXTS = ['---', 'r--', '-w-', 'rw-', '--x', 'r-x', '-wx', 'rwx'];

/** A syscall return that is an errno (-4095..-1). */
export function failedRet(ret: number): boolean {
  return ret < 0 && ret >= -4095;
}
