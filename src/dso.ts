// Dso naming, once: what kind of code a dso path holds, its file name, a
// symbol without its version, and the string order every sorted output uses.
// Paths are perf's (`/usr/lib/x86_64-linux-gnu/libc.so.6`, `[kernel.kallsyms]`,
// `//anon`, `/tmp/perf-1234.map`) or a listing's binary as given to objdump.

export const KERNEL_DSO = '[kernel.kallsyms]';

/** Kernel frames: perf's `[kernel.kallsyms]`, `[kernel.vmlinux]`, and kernel modules `[xfs]`. */
export function isKernelDso(dso: string): boolean {
  return dso.startsWith('[kernel') || (dso.startsWith('[') && dso !== '[vdso]' && dso !== '[vsyscall]' && dso !== '[unknown]' && dso !== '[heap]' && dso !== '[stack]' && dso !== '[anon]');
}

/** JIT code: perf map files and anonymous executable memory. */
export function isJitDso(dso: string): boolean {
  return dso === '//anon' || dso === '[anon]' || (dso.startsWith('/tmp/perf-') && dso.endsWith('.map')) || dso.startsWith('/memfd:');
}

/** The C runtime: libc, ld.so and libpthread, whose syscall wrappers and start-up code are never the call site a user looks for. */
export function isRuntimeDso(dso: string): boolean {
  return /^(?:libc[.-]|ld-linux|ld-|libpthread)/.test(basename(dso));
}

// Go links its runtime and syscall wrappers into the program: `runtime.sysMmap.abi0`,
// `runtime/internal/syscall.Syscall6`, `syscall.Mprotect`, `golang.org/x/sys/unix.Mprotect`,
// `internal/cpu.doinit`. C never names a function so (gcc's clones are `f.cold`, `f.part.0`).
const GO_RUNTIME = /^(?:runtime|syscall|(?:runtime\/)?internal\/[\w/]+|golang\.org\/x\/sys\/unix)\.(?!(?:cold|part|constprop|isra|lto_priv|localalias)(?:\.\d+)?$)[\w(*]/;

/** A frame of a Go program's runtime or syscall package, the Go counterpart of libc's wrappers. */
export function isGoRuntimeSymbol(symbol: string): boolean {
  return GO_RUNTIME.test(symbol);
}

/** A frame of the runtime: in libc, ld.so or libpthread, or a Go program's runtime and syscall packages. */
export function isRuntimeFrame(f: { readonly dso: string; readonly symbol: string }): boolean {
  return isRuntimeDso(f.dso) || isGoRuntimeSymbol(f.symbol);
}

/**
 * A Go function's name: package-qualified (`main.worker`, `main.(*arena).write`,
 * `golang.org/x/sys/unix.Mprotect`). C names hold no dot but gcc's clone suffixes.
 */
export function isGoName(symbol: string): boolean {
  return /^[A-Za-z_][\w./-]*\.(?:\(\*?\w+\)\.)?\w/.test(symbol) && !/\.(?:cold|part|constprop|isra|lto_priv|localalias|clone)(?:\.\d+)?(?:$|\.)/.test(symbol);
}

/** The file name: what follows the last `/`. */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** `memcpy@GLIBC_2.2.5` and `strnlen@@GLIBC_2.2.5` → the bare name; `mprotect@plt` stays. */
export function stripVersion(name: string): string {
  return name.replace(/@@?[A-Za-z_][\w.]*$/, (suffix) => (suffix === '@plt' ? suffix : ''));
}

/** Code-unit order of two strings, the same in every locale (not localeCompare): how outputs sort names. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
