// Plain English for findings: shares, plurals, lists, and how an instruction
// or a protection site is named in a sentence.
import type { CallSite, FaultSite, ProtectionSiteView } from '../model.js';

/** `48%`; `<1%` for a share that rounds to nothing. */
export function percent(part: number, total: number): string {
  if (total <= 0) return '0%';
  const p = (100 * part) / total;
  return p > 0 && p < 0.5 ? '<1%' : `${Math.round(p)}%`;
}

/** `1 fault`, `2 faults`; irregular plurals given. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `a`, `a and b`, `a, b and c`; more than `max` items end in `and N more`. */
export function list(items: readonly string[], max = 4): string {
  if (items.length > max) return list([...items.slice(0, max - 1), `${items.length - max + 1} more`], max);
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `list` of the items' labels, labelling only the ones it shows. */
export function listOf<T>(items: readonly T[], label: (item: T) => string, max = 4): string {
  return list(items.length > max ? [...items.slice(0, max - 1).map(label), `${items.length - max + 1} more`] : items.map(label), max);
}

export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** `write_field+0x0 (guard.c:62)`; without a source line, the dso: `memset+0x7a (libc.so.6)`; `note` goes in the parentheses. */
export function instructionLabel(s: FaultSite, note?: string): string {
  const symbol = s.symbol !== '' && s.symbol !== '[unknown]' ? s.symbol : '';
  const where = symbol !== '' ? `${symbol}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}` : s.address !== '' ? `0x${s.address}` : '[unknown]';
  const at = s.source !== undefined ? basename(s.source) : s.dso !== '' ? basename(s.dso) : '';
  const inside = [at, note].filter((x) => x !== undefined && x !== '').join(', ');
  return inside !== '' ? `${where} (${inside})` : where;
}

/** The key the protection timeline names a faulting instruction by: `write_field+0x0: mov %rsi,(%rdi)`, or `sym+0xoff` when unresolved. */
export function protectionInstructionName(s: FaultSite): string {
  const where = `${s.symbol || '[unknown]'}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
  return s.resolved ? `${where}: ${s.instruction ?? ''}` : where;
}

/** A protection site as a call instruction: `protect_old+0x28 (guard.c:57)`; its name as the section gives it when the call is not located. */
export function siteLabel(v: ProtectionSiteView, note?: string): string {
  if (v.offset === null) return note !== undefined ? `${v.site} (${note})` : v.site;
  const where = `${v.symbol}+0x${v.offset.toString(16)}`;
  const at = v.source !== null ? basename(v.source) : basename(v.dso);
  const inside = [at, note].filter((x) => x !== undefined && x !== '').join(', ');
  return inside !== '' ? `${where} (${inside})` : where;
}

/** Calls of a protection site, every syscall. */
export function callsOf(v: ProtectionSiteView): number {
  return Object.values(v.calls).reduce((a, b) => a + b, 0);
}

/** TLB flushes a protection site's calls cost, every reason (not those of the faults on its pages). */
export function flushesOf(v: ProtectionSiteView): number {
  if (v.tlbFlushCauses === undefined) return Object.values(v.tlbFlushes).reduce((a, b) => a + b, 0);
  return Object.entries(v.tlbFlushCauses).reduce((a, [cause, n]) => a + (cause.startsWith('inside ') || cause.startsWith('after ') ? n : 0), 0);
}

/** The syscall a site made most: `mprotect`. */
export function mainCall(v: ProtectionSiteView): string {
  return Object.entries(v.calls).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? 'mprotect';
}

/** A call site (a fork's): `spawn_worker+0xd (cow.c:49)`; its name when the call is not located. */
export function callSiteLabel(c: CallSite): string {
  if (c.offset === null || c.symbol === '') return c.site;
  return `${c.symbol}+0x${c.offset.toString(16)}${c.inferred ? ' [inferred]' : ''} (${c.source !== null ? basename(c.source) : basename(c.dso)})`;
}

/** `1 fault is`, `2 faults are`: the headline of a finding, `N of TOTAL faults (P%) are …`. */
export function share(n: number, total: number): string {
  return `${n} of ${count(total, 'fault')} (${percent(n, total)}) ${n === 1 ? 'is' : 'are'}`;
}

/** `32 stores`, `1 store and 2 loads`, `1 load`. */
export function accesses(stores: number, loads: number): string {
  if (loads === 0) return count(stores, 'store');
  if (stores === 0) return count(loads, 'load');
  return `${count(stores, 'store')} and ${count(loads, 'load')}`;
}
