// What the join produces: the instruction a fault is attributed to, and a
// call instruction named as protection sites are. Types only, but for the
// keys that name an instruction alike everywhere (findings, the HTML page).

/** The user-space instruction a fault is attributed to. */
export interface FaultSite {
  /** Dso path as perf names it, or '' when unknown. */
  readonly dso: string;
  /** Function symbol (from the listing when resolved, else perf's). */
  readonly symbol: string;
  /** Offset within the symbol, or -1 when unknown. */
  readonly offset: number;
  /** Address in the listing's terms when resolved, else perf's frame address; hex without 0x. */
  readonly address: string;
  /** Instruction text when the listing resolved it. */
  readonly instruction?: string;
  /** `file:line` when known. */
  readonly source?: string;
  /** Whether an objdump listing resolved this site to an instruction. */
  readonly resolved: boolean;
  /** Why it is unresolved (no listing for the dso, outside every function, not an instruction boundary…). */
  readonly unresolvedReason?: string;
}

/**
 * Key of a faulting instruction's listing context in `Report.disassembly`: its
 * listing address (hex, no 0x) and its dso — two binaries have code at the
 * same addresses.
 */
export function disassemblyKey(dso: string, address: string): string {
  return `${address} ${dso}`;
}

/** The id findings give a faulting instruction: `disassemblyKey` of its dso and address. */
export function instructionId(site: FaultSite): string {
  return disassemblyKey(site.dso, site.address);
}

/** A call instruction named as protection sites are: `spawn_worker+0xc (cow)`, with its parts (null when unknown). */
export interface CallSite {
  readonly site: string;
  readonly dso: string;
  readonly symbol: string;
  readonly offset: number | null;
  readonly source: string | null;
  readonly inferred: boolean;
}
