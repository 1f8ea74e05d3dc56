// x86 page-fault error codes → fault classes.
//
// The error code is the hardware's (arch/x86/include/asm/trap_pf.h, enum
// x86_pf_error_code), printed by the exceptions tracepoints
// (arch/x86/include/asm/trace/exceptions.h: "address=%ps ip=%ps error_code=0x%lx"):
//   guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
//   cow  9211 [001]  7956.663197:  exceptions:page_fault_user: address=0x7fa28359f000 ip=0x55e767a66265 error_code=0x7
//   jit  9272 [000]  7960.554087:  exceptions:page_fault_user: address=0x7f486c1f3000 ip=0x7f486c1f3000 error_code=0x15
// perf trace decodes the same tracepoint into decimal fields (builtin-trace.c
// prints integer fields with %ld unless a beautifier knows better):
//   3.784 (         ): jit/11231 exceptions:page_fault_user(address: 0x7f3cb6869000, ip: 139898737037312, error_code: 21)
//
// The software events (page-faults, minor-faults, major-faults) carry no error
// code; they classify as 'unknown' rather than as a guess.
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './memory/bits.js';

/** Classification of an x86 page fault from its error code (`classifyFault` below). */
export type FaultClass =
  | 'first-touch-read'
  | 'first-touch-write'
  | 'write-to-read-only'
  | 'copy-on-write'
  | 'code-page-in'
  | 'nx-violation'
  | 'pkey'
  | 'kernel-mode'
  | 'unknown';

/** The bits of an x86 page-fault error code, one field per bit. */
export interface ErrorCodeBits {
  /** Bit 0: the page was present (a protection violation); clear: not present. */
  readonly protection: boolean;
  /** Bit 1: the access was a write. */
  readonly write: boolean;
  /** Bit 2: the access came from user mode. */
  readonly user: boolean;
  /** Bit 3: a reserved bit was set in a paging-structure entry. */
  readonly reserved: boolean;
  /** Bit 4: the access was an instruction fetch. */
  readonly fetch: boolean;
  /** Bit 5: a protection-key violation. */
  readonly pkey: boolean;
  /** Bit 6: a shadow-stack access. */
  readonly shadowStack: boolean;
  /** Bit 15: an SGX (enclave page cache map) violation. */
  readonly sgx: boolean;
}

// The bits, also tested in place (classifyFault runs per fault: no object per call)
const PROTECTION = 0x1;
const WRITE = 0x2;
const USER = 0x4;
const RESERVED = 0x8;
const FETCH = 0x10;
const PKEY = 0x20;
const SHADOW_STACK = 0x40;
const SGX = 0x8000;

/** Splits an x86 page-fault error code into its bits. */
export function decodeErrorCode(code: number): ErrorCodeBits {
  return {
    protection: (code & PROTECTION) !== 0,
    write: (code & WRITE) !== 0,
    user: (code & USER) !== 0,
    reserved: (code & RESERVED) !== 0,
    fetch: (code & FETCH) !== 0,
    pkey: (code & PKEY) !== 0,
    shadowStack: (code & SHADOW_STACK) !== 0,
    sgx: (code & SGX) !== 0,
  };
}

/** Whether the error code says the access came from user mode (bit 2). */
export function userAccess(code: number): boolean {
  return (code & USER) !== 0;
}

/**
 * An error code as perf script (`0x14`) or perf trace (`20`) prints it;
 * undefined when absent or not a non-negative integer.
 */
export function parseErrorCode(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whether protection `prot` (PROT_* bits) forbids the access the error code describes. */
export function accessDenied(errorCode: number, prot: number): boolean {
  if ((errorCode & FETCH) !== 0) return (prot & PROT_EXEC) === 0;
  if ((errorCode & WRITE) !== 0) return (prot & PROT_WRITE) === 0;
  // x86 cannot map a page writable or executable without making it readable
  return (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) === 0;
}

/**
 * The class of a fault from its error code and, when the timeline knows one,
 * the protection covering the faulting page at that moment:
 *
 * - no error code (software events) → 'unknown'
 * - protection-key bit → 'pkey'; user bit clear → 'kernel-mode'
 * - fetch bit: from a page without execute permission (present, or covered by
 *   a protection without PROT_EXEC) → 'nx-violation'; else a code page not yet
 *   mapped in → 'code-page-in'
 * - reserved, shadow-stack or SGX bit → 'unknown'
 * - a write the covering protection forbids → 'write-to-read-only' (the guard
 *   page; on x86 a PROT_NONE page is not present, so bit 0 may be clear)
 * - a write to a present page → 'copy-on-write'; to a missing page → 'first-touch-write'
 * - a read of a missing page → 'first-touch-read', unless the covering
 *   protection is PROT_NONE: there is no class for that yet → 'unknown'
 *   (the timeline still reports it as denied)
 * - a read of a present page → 'unknown'
 */
export function classifyFault(errorCode: number | undefined, covering: { readonly prot: number } | undefined): FaultClass {
  if (errorCode === undefined || !Number.isFinite(errorCode)) return 'unknown';
  if ((errorCode & PKEY) !== 0) return 'pkey';
  if ((errorCode & USER) === 0) return 'kernel-mode';
  const denied = covering !== undefined && accessDenied(errorCode, covering.prot);
  const present = (errorCode & PROTECTION) !== 0;
  if ((errorCode & FETCH) !== 0) return denied || present ? 'nx-violation' : 'code-page-in';
  if ((errorCode & (RESERVED | SHADOW_STACK | SGX)) !== 0) return 'unknown';
  if ((errorCode & WRITE) !== 0) {
    if (denied) return 'write-to-read-only';
    return present ? 'copy-on-write' : 'first-touch-write';
  }
  if (denied || present) return 'unknown';
  return 'first-touch-read';
}
