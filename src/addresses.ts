// Runtime addresses ↔ dso-relative addresses, from PERF_RECORD_MMAP/MMAP2.
//
// perf prints a user frame's address as the mapping-relative `map_ip`:
// ip - map.start + map.pgoff (builtin-script.c → map__map_ip). So with the
// mappings of a process we can turn a runtime ip (a tracepoint's `ip=0x…`)
// into the same number perf would have printed for that frame, and into the
// dso it belongs to.
import type { ThreadOwners } from './memory/threads.js';
import type { MmapRecord, TaskRecord } from './model.js';

interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly pgoff: number;
  readonly filename: string;
  readonly prot: string;
}

/** Where a runtime address lies: the dso and the address perf would print for it. */
export interface MappedAddress {
  readonly dso: string;
  /** ip - start + pgoff, in perf's frame-address terms. */
  readonly dsoAddress: number;
  readonly executable: boolean;
}

/**
 * Per-process mappings, kept in trace order. Threads share their process's
 * maps (`owners`, fed every record by the caller, says whose); a forked
 * process starts with a copy of its parent's (COW); exec replaces them
 * (`relro 2 [001] 75078.148616: PERF_RECORD_COMM exec: relro:2/2`, its
 * MMAP records follow).
 */
export class AddressSpaces {
  private readonly maps = new Map<number, Mapping[]>();

  constructor(private readonly owners: ThreadOwners) {
    owners.onFork((child, parent, reused) => {
      if (reused) this.maps.delete(child);
      const from = this.maps.get(parent);
      if (from !== undefined && !this.maps.has(child)) this.maps.set(child, from.slice());
    });
  }

  addMmap(r: MmapRecord): void {
    if (r.pid < 0) return; // the kernel's own map (`-1/0`)
    let list = this.maps.get(r.pid);
    if (list === undefined) {
      list = [];
      this.maps.set(r.pid, list);
    }
    const m: Mapping = { start: r.start, end: r.start + r.len, pgoff: r.pgoff, filename: r.filename, prot: r.prot };
    // a new mapping replaces what it overlaps, as mmap(MAP_FIXED) does
    const kept = list.filter((o) => o.end <= m.start || o.start >= m.end);
    kept.push(m);
    kept.sort((a, b) => a.start - b.start);
    this.maps.set(r.pid, kept);
  }

  /** A task record: exec (`PERF_RECORD_COMM exec`) gives its process a new address space. */
  addTask(r: TaskRecord): void {
    if (r.kind === 'comm' && r.exec === true && r.pid >= 0) this.maps.delete(r.pid);
  }

  /** The process a thread belongs to, as far as the trace told; else the tid itself. */
  processFor(pid: number, tid: number): number {
    return this.owners.processOf(pid, tid);
  }

  get hasMappings(): boolean {
    return this.maps.size > 0;
  }

  /**
   * Whether the process maps code of `dso` at `dsoAddress` (perf's frame-address
   * terms: an executable mapping with pgoff ≤ it < pgoff + length); undefined
   * when the process has no mapping of that dso.
   */
  codeOf(pid: number, dso: string, dsoAddress: number): boolean | undefined {
    let seen = false;
    for (const m of this.maps.get(pid) ?? []) {
      if (m.filename !== dso) continue;
      seen = true;
      if (m.prot.includes('x') && dsoAddress >= m.pgoff && dsoAddress < m.pgoff + (m.end - m.start)) return true;
    }
    return seen ? false : undefined;
  }

  lookup(pid: number, address: number): MappedAddress | undefined {
    const list = this.maps.get(pid);
    if (list === undefined) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = list[mid]!;
      if (address < m.start) hi = mid - 1;
      else if (address >= m.end) lo = mid + 1;
      else return { dso: m.filename, dsoAddress: address - m.start + m.pgoff, executable: m.prot.includes('x') };
    }
    return undefined;
  }
}

/**
 * Parses perf's hex text (with or without 0x) to a number; NaN when it is not
 * hex or needs more than 52 bits (kernel addresses), which a double cannot hold exactly.
 */
export function parseHex(text: string): number {
  const t = (text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text).replace(/^0+(?=.)/, '');
  return /^[0-9a-fA-F]{1,13}$/.test(t) ? parseInt(t, 16) : NaN;
}

