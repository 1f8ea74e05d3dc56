// The lookup side of a listing index: the sorted typed arrays DisasmIndexBuilder
// fills, answering by address, by function name and by range.
export interface IndexParts {
  path: string;
  format: string;
  tool: ObjdumpTool | undefined;
  buildId: string | undefined;
  n: number;
  addr: Float64Array;
  size: Uint8Array;
  func: Uint32Array;
  src: Int32Array;
  textStart: Uint32Array;
  textEnd: Uint32Array;
  pool: string;
  srcNames: string[];
  names: string[];
  starts: Float64Array;
  sections: Uint32Array;
  skipEnd: Uint8Array;
  first: Uint32Array;
  count: Uint32Array;
}

import { withoutParameters } from './demangle.js';
import type { DisasmIndex, ListingFunction, ListingLookup } from './disasm-index.js';
import type { Instruction, ObjdumpTool } from './model.js';

/** The BFD target's architecture, as faultpath names it. */
export function archOfFormat(format: string): string {
  if (format.includes('x86-64')) return 'x86-64';
  if (format.includes('aarch64')) return 'aarch64';
  if (format.includes('i386')) return 'i386';
  if (format.includes('littlearm') || format.includes('bigarm')) return 'arm';
  if (format.includes('riscv')) return format.startsWith('elf32') ? 'riscv32' : 'riscv64';
  if (format.includes('powerpcle')) return 'ppc64le';
  if (format.includes('powerpc')) return 'ppc64';
  if (format.includes('s390')) return 's390x';
  if (format.includes('mips')) return 'mips';
  return 'unknown';
}

// Architectures whose every instruction is 4 bytes: the extent of an
// instruction when the listing shows no raw bytes.
const FIXED_SIZE: Readonly<Record<string, number>> = { aarch64: 4, ppc64: 4, ppc64le: 4, mips: 4 };

export class CompactDisasmIndex implements DisasmIndex {
  readonly path: string;
  readonly format: string;
  readonly arch: string;
  readonly tool: ObjdumpTool | undefined;
  readonly buildId: string | undefined;
  readonly functionCount: number;
  readonly instructionCount: number;
  private readonly p: IndexParts;
  private readonly fixedSize: number;
  // Function ends, and the functions that own code (for range lookups).
  private readonly ends: Float64Array;
  private readonly owners: Uint32Array;
  private readonly ownerStarts: Float64Array;
  private byName: Map<string, number[]> | undefined;

  constructor(p: IndexParts) {
    this.p = p;
    this.path = p.path;
    this.format = p.format;
    this.arch = archOfFormat(p.format);
    this.tool = p.tool;
    this.buildId = p.buildId;
    this.functionCount = p.names.length;
    this.instructionCount = p.n;
    this.fixedSize = FIXED_SIZE[this.arch] ?? 0;
    const nf = p.names.length;
    const ends = new Float64Array(nf);
    for (let f = 0; f < nf; f++) {
      const c = p.count[f] as number;
      let end = p.starts[f] as number;
      if (c > 0) {
        const last = (p.first[f] as number) + c - 1;
        end = Math.max(end, (p.addr[last] as number) + this.extent(last));
      }
      if (p.skipEnd[f] === 1) {
        // `...` ran to the next symbol of the same section
        const next = this.nextStart(f);
        if (next !== undefined && p.sections[f + 1] === p.sections[f]) end = Math.max(end, next);
      }
      ends[f] = end;
    }
    // A symbol with no code of its own at the address of one with code is an alias: same range.
    for (let f = 0; f < nf; f++) {
      if (ends[f] !== p.starts[f]) continue;
      for (const g of [f - 1, f + 1]) {
        if (g >= 0 && g < nf && p.starts[g] === p.starts[f] && (ends[g] as number) > (ends[f] as number)) ends[f] = ends[g] as number;
      }
    }
    this.ends = ends;
    const owners: number[] = [];
    for (let f = 0; f < nf; f++) {
      if ((p.count[f] as number) === 0 && p.skipEnd[f] === 0) continue;
      if ((ends[f] as number) <= (p.starts[f] as number)) continue;
      const prev = owners[owners.length - 1];
      if (prev !== undefined && p.starts[prev] === p.starts[f]) {
        if ((p.count[f] as number) > (p.count[prev] as number)) owners[owners.length - 1] = f;
        continue;
      }
      owners.push(f);
    }
    this.owners = Uint32Array.from(owners);
    this.ownerStarts = Float64Array.from(owners, (f) => p.starts[f] as number);
  }

  instructionAt(address: number): Instruction | undefined {
    const k = this.floor(address, 0, this.p.n);
    return k >= 0 && this.p.addr[k] === address ? this.materialize(k) : undefined;
  }

  lookup(address: number): ListingLookup | undefined {
    const p = this.p;
    const o = floorIn(this.ownerStarts, address, 0, this.ownerStarts.length);
    if (o < 0) return undefined;
    const f = this.owners[o] as number;
    if (address >= (this.ends[f] as number)) return undefined;
    const name = p.names[f] as string;
    const functionAddress = p.starts[f] as number;
    const offset = address - functionAddress;
    const from = p.first[f] as number;
    const k = this.floor(address, from, from + (p.count[f] as number));
    if (k >= 0) {
      const a = p.addr[k] as number;
      if (a === address) return { function: name, functionAddress, offset, instruction: this.materialize(k), boundary: true };
      if (address < a + this.extent(k)) return { function: name, functionAddress, offset, instruction: this.materialize(k), boundary: false };
    }
    return { function: name, functionAddress, offset, boundary: false };
  }

  functionsNamed(name: string): ListingFunction[] {
    this.byName ??= this.buildNames();
    const hits = this.byName.get(name);
    if (hits === undefined) return [];
    return hits.map((f) => this.fn(f));
  }

  functionInstructions(functionAddress: number): Instruction[] {
    const o = floorIn(this.ownerStarts, functionAddress, 0, this.ownerStarts.length);
    if (o < 0 || this.ownerStarts[o] !== functionAddress) return [];
    const f = this.owners[o] as number;
    const from = this.p.first[f] as number;
    const to = from + (this.p.count[f] as number);
    const out: Instruction[] = [];
    for (let k = from; k < to; k++) out.push(this.materialize(k));
    return out;
  }

  around(address: number, before: number, after: number): Instruction[] {
    const n = this.p.n;
    let k = this.floor(address, 0, n);
    let from: number;
    let to: number;
    if (k >= 0 && address < (this.p.addr[k] as number) + this.extent(k) && this.sameCode(k, address)) {
      from = k - before;
      to = k + after + 1;
    } else {
      k++; // first instruction above the address
      from = k - before;
      to = k + after;
    }
    const out: Instruction[] = [];
    for (let i = Math.max(0, from); i < Math.min(n, to); i++) out.push(this.materialize(i));
    return out;
  }

  instructionBefore(address: number): Instruction | undefined {
    let k = this.floor(address, 0, this.p.n);
    if (k >= 0 && this.p.addr[k] === address) k--;
    return k >= 0 ? this.materialize(k) : undefined;
  }

  functions(): ListingFunction[] {
    return this.p.names.map((_, f) => this.fn(f));
  }

  private fn(f: number): ListingFunction {
    return { name: this.p.names[f] as string, address: this.p.starts[f] as number, end: this.ends[f] as number };
  }

  // The instruction containing `address` must belong to the function whose range holds it.
  private sameCode(k: number, address: number): boolean {
    const f = this.p.func[k] as number;
    return address < (this.ends[f] as number);
  }

  // Bytes instruction k covers: its size; else (no raw bytes) the fixed size
  // of the architecture, or up to the next instruction or symbol.
  private extent(k: number): number {
    const p = this.p;
    const s = p.size[k] as number;
    if (s > 0) return s;
    if (this.fixedSize > 0) return this.fixedSize;
    const a = p.addr[k] as number;
    const f = p.func[k] as number;
    if (k + 1 < p.n && p.func[k + 1] === f) return (p.addr[k + 1] as number) - a;
    const next = this.nextStart(f);
    if (next !== undefined && p.sections[f + 1] === p.sections[f] && next > a) return next - a;
    return 1;
  }

  // Start of the first function after f at a higher address.
  private nextStart(f: number): number | undefined {
    const p = this.p;
    const here = p.starts[f] as number;
    for (let g = f + 1; g < p.starts.length; g++) {
      const s = p.starts[g] as number;
      if (s > here) return s;
    }
    return undefined;
  }

  // Last instruction index in [from, to) with address ≤ `address`, or -1.
  private floor(address: number, from: number, to: number): number {
    const k = floorIn(this.p.addr, address, from, to);
    return k;
  }

  private materialize(k: number): Instruction {
    const p = this.p;
    const f = p.func[k] as number;
    const text = p.pool.slice(p.textStart[k] as number, p.textEnd[k] as number);
    const s = p.src[k] as number;
    const address = p.addr[k] as number;
    const size = p.size[k] as number;
    const name = p.names[f] as string;
    const functionAddress = p.starts[f] as number;
    if (s < 0) return { address, size, text, function: name, functionAddress };
    return { address, size, text, function: name, functionAddress, source: p.srcNames[s] as string };
  }

  private buildNames(): Map<string, number[]> {
    const map = new Map<string, number[]>();
    const names = this.p.names;
    for (let f = 0; f < names.length; f++) {
      for (const key of nameKeys(names[f] as string)) {
        const list = map.get(key);
        if (list === undefined) {
          map.set(key, [f]);
          continue;
        }
        // the same symbol listed twice at one address counts once
        const dup = list.some((g) => names[g] === names[f] && this.p.starts[g] === this.p.starts[f]);
        if (!dup) list.push(f);
      }
    }
    return map;
  }
}

// Last index in [from, to) of a sorted array with value ≤ x, or from - 1 (as -1 when from is 0).
function floorIn(a: Float64Array, x: number, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1 >= from ? lo - 1 : -1;
}

// The names a listing symbol answers to (see DisasmIndex.functionsNamed):
//   mprotect@plt                         → mprotect@plt, mprotect
//   abort@@GLIBC_2.2.5                   → abort@@GLIBC_2.2.5, abort
//   abort@@GLIBC_2.2.5-0x1f              → itself only (objdump's name for code before a symbol)
//   operator new(unsigned long)@plt      → …, operator new(unsigned long), operator new
//   double sum<double>(double const*, unsigned long)          → …, sum<double>
//   Scale::operator()(double) const [clone .isra.0]           → …, Scale::operator()
//   Scale::operator()(double) const (.isra.0)   (llvm -C)     → …, Scale::operator()
export function nameKeys(name: string): string[] {
  const keys = [name];
  let base = name;
  if (base.endsWith('@plt')) {
    base = base.slice(0, -4);
    keys.push(base);
  }
  const at = base.indexOf('@');
  if (at > 0) {
    if (!/^@@?[A-Za-z_][\w.]*$/.test(base.slice(at))) return keys;
    base = base.slice(0, at);
    keys.push(base);
  }
  if (base.endsWith(')') || base.endsWith(']') || base.endsWith('const')) {
    const plain = withoutParameters(base);
    if (plain !== undefined && plain !== base && !keys.includes(plain)) keys.push(plain);
  }
  return keys;
}
