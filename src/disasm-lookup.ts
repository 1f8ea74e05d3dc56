// The lookup side of a listing index: by address, by function name and by
// range, over a listing's function table (src/listing-table.ts), whose
// functions' instructions are read on first use.
import { withoutParameters } from './demangle.js';
import type { FunctionTable } from './listing-table.js';
import type { Instruction, ObjdumpTool } from './model.js';
import { floorIndex } from './sorted.js';

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

/** A function (symbol) of the listing and the byte range it covers. */
export interface ListingFunction {
  /** As the listing names it: `write_field`, `mprotect@plt`, `geo::Circle::stamp(char*) const`. */
  readonly name: string;
  readonly address: number;
  /** One past its last byte: the end of its last instruction (or the next symbol when a `...` skip ends it). */
  readonly end: number;
}

/** Where an address falls in the listing. */
export interface ListingLookup {
  readonly function: string;
  readonly functionAddress: number;
  /** `address - functionAddress`. */
  readonly offset: number;
  /** The instruction starting at or containing the address; absent in a `...` skip. */
  readonly instruction?: Instruction;
  /** True when the address is the first byte of `instruction`. */
  readonly boundary: boolean;
}

export class ListingIndex {
  /** Binary path from the listing header, as it was given to objdump. */
  readonly path: string;
  /** BFD target from the header: `elf64-x86-64`, `elf64-littleaarch64`. */
  readonly format: string;
  /** `x86-64`, `aarch64`, `i386`, `arm`, `riscv64`, `ppc64`, `s390x`, …; `unknown` when the format says nothing. */
  readonly arch: string;
  /** Which objdump wrote the listing; undefined when it had no header. */
  readonly tool: ObjdumpTool | undefined;
  /** The binary's GNU build id, when a `.note.gnu.build-id` dump (`objdump -s -j .note.gnu.build-id`) is in front of the listing. */
  readonly buildId: string | undefined;
  readonly functionCount: number;
  readonly instructionCount: number;
  private readonly t: FunctionTable;
  private readonly fixedSize: number;
  // Function ends, and the functions that own code (for range lookups).
  private readonly ends: Float64Array;
  private readonly owners: Uint32Array;
  private readonly ownerStarts: Float64Array;
  // The functions with instructions, with the first address and the global
  // number of each one's first instruction: all instructions in address order
  // are these functions' blocks one after another.
  private readonly code: Uint32Array;
  private readonly codeAddr: Float64Array;
  private readonly codeFirst: Float64Array;
  private byName: Map<string, number[]> | undefined;
  // Set by locate().
  private f = 0;
  private i = 0;

  constructor(t: FunctionTable) {
    this.t = t;
    this.path = t.path;
    this.format = t.format;
    this.arch = archOfFormat(t.format);
    this.tool = t.tool;
    this.buildId = t.buildId;
    this.functionCount = t.names.length;
    this.instructionCount = t.instructionCount;
    this.fixedSize = FIXED_SIZE[this.arch] ?? 0;
    const nf = t.names.length;
    const ends = new Float64Array(nf);
    const code: number[] = [];
    for (let f = 0; f < nf; f++) {
      let end = t.starts[f] as number;
      if ((t.count[f] as number) > 0) {
        code.push(f);
        end = Math.max(end, (t.lastAddr[f] as number) + this.lastExtent(f));
      }
      if (t.skipEnd[f] === 1) {
        // `...` ran to the next symbol of the same section
        const next = this.nextStart(f);
        if (next !== undefined && t.sections[f + 1] === t.sections[f]) end = Math.max(end, next);
      }
      ends[f] = end;
    }
    // A symbol with no code of its own at the address of one with code is an alias: same range.
    for (let f = 0; f < nf; f++) {
      if (ends[f] !== t.starts[f]) continue;
      for (const g of [f - 1, f + 1]) {
        if (g >= 0 && g < nf && t.starts[g] === t.starts[f] && (ends[g] as number) > (ends[f] as number)) ends[f] = ends[g] as number;
      }
    }
    this.ends = ends;
    const owners: number[] = [];
    for (let f = 0; f < nf; f++) {
      if ((t.count[f] as number) === 0 && t.skipEnd[f] === 0) continue;
      if ((ends[f] as number) <= (t.starts[f] as number)) continue;
      const prev = owners[owners.length - 1];
      if (prev !== undefined && t.starts[prev] === t.starts[f]) {
        if ((t.count[f] as number) > (t.count[prev] as number)) owners[owners.length - 1] = f;
        continue;
      }
      owners.push(f);
    }
    this.owners = Uint32Array.from(owners);
    this.ownerStarts = Float64Array.from(owners, (f) => t.starts[f] as number);
    this.code = Uint32Array.from(code);
    this.codeFirst = new Float64Array(code.length);
    let k = 0;
    code.forEach((f, c) => {
      this.codeFirst[c] = k;
      k += t.count[f] as number;
    });
    this.codeAddr = Float64Array.from(code, (f) => t.firstAddr[f] as number);
  }

  /** The instruction starting exactly at `address`, else undefined. */
  instructionAt(address: number): Instruction | undefined {
    const k = this.floor(address);
    if (k < 0) return undefined;
    this.locate(k);
    return this.t.block(this.f).addr[this.i] === address ? this.materialize(this.f, this.i) : undefined;
  }

  /** The function containing `address` (start ≤ address < end), with `boundary` false when address is inside an instruction rather than at its start. */
  lookup(address: number): ListingLookup | undefined {
    const t = this.t;
    const o = floorIndex(this.ownerStarts, address);
    if (o < 0) return undefined;
    const f = this.owners[o] as number;
    if (address >= (this.ends[f] as number)) return undefined;
    const name = t.names[f] as string;
    const functionAddress = t.starts[f] as number;
    const offset = address - functionAddress;
    const b = t.block(f);
    const i = floorIndex(b.addr, address);
    if (i >= 0) {
      const a = b.addr[i] as number;
      if (a === address) return { function: name, functionAddress, offset, instruction: this.materialize(f, i), boundary: true };
      if (address < a + this.extent(f, i)) return { function: name, functionAddress, offset, instruction: this.materialize(f, i), boundary: false };
    }
    return { function: name, functionAddress, offset, boundary: false };
  }

  /**
   * Functions by name: the exact listing name, and also what perf would call it —
   * `name@plt` for `name`, `abort@@GLIBC_2.2.5` for `abort`, and a demangled
   * `geo::Circle::stamp(char*) const` or `double sum<double>(double const*, unsigned long)`
   * for `geo::Circle::stamp` / `sum<double>` (perf prints demangled names without
   * parameters, return type or clone suffix). Several may match → all, by address.
   */
  functionsNamed(name: string): ListingFunction[] {
    this.byName ??= this.buildNames();
    const hits = this.byName.get(name);
    if (hits === undefined) return [];
    return hits.map((f) => this.fn(f));
  }

  /** All instructions of the function starting at `functionAddress` (for annotate). */
  functionInstructions(functionAddress: number): Instruction[] {
    const o = floorIndex(this.ownerStarts, functionAddress);
    if (o < 0 || this.ownerStarts[o] !== functionAddress) return [];
    const f = this.owners[o] as number;
    const out: Instruction[] = [];
    const n = this.t.count[f] as number;
    for (let i = 0; i < n; i++) out.push(this.materialize(f, i));
    return out;
  }

  /** Up to `before` instructions before and `after` after the one at (or containing) `address`, in address order. Without such an instruction: `before` below the address and `after` above it. */
  around(address: number, before: number, after: number): Instruction[] {
    const n = this.instructionCount;
    let k = this.floor(address);
    let from: number;
    let to: number;
    if (k >= 0 && this.contains(k, address)) {
      from = k - before;
      to = k + after + 1;
    } else {
      k++; // first instruction above the address
      from = k - before;
      to = k + after;
    }
    const out: Instruction[] = [];
    for (let j = Math.max(0, from); j < Math.min(n, to); j++) {
      this.locate(j);
      out.push(this.materialize(this.f, this.i));
    }
    return out;
  }

  /** The instruction with the greatest address below `address` (the `call` before a return address). */
  instructionBefore(address: number): Instruction | undefined {
    let k = this.floor(address);
    if (k >= 0) {
      this.locate(k);
      if (this.t.block(this.f).addr[this.i] === address) k--;
    }
    if (k < 0) return undefined;
    this.locate(k);
    return this.materialize(this.f, this.i);
  }

  /** Every function, in address order (aliases with no instructions of their own included). */
  functions(): ListingFunction[] {
    return this.t.names.map((_, f) => this.fn(f));
  }

  private fn(f: number): ListingFunction {
    return { name: this.t.names[f] as string, address: this.t.starts[f] as number, end: this.ends[f] as number };
  }

  // Whether instruction k covers `address`, in the range of the function that owns it.
  private contains(k: number, address: number): boolean {
    this.locate(k);
    const f = this.f;
    const a = this.t.block(f).addr[this.i] as number;
    return address < a + this.extent(f, this.i) && address < (this.ends[f] as number);
  }

  // The global number of the last instruction at or below `address`, or -1.
  private floor(address: number): number {
    const c = floorIndex(this.codeAddr, address);
    if (c < 0) return -1;
    return (this.codeFirst[c] as number) + floorIndex(this.t.block(this.code[c] as number).addr, address);
  }

  // Instruction k as (this.f, this.i): function and place in its block.
  private locate(k: number): void {
    const c = floorIndex(this.codeFirst, k);
    this.f = this.code[c] as number;
    this.i = k - (this.codeFirst[c] as number);
  }

  // Bytes instruction i of function f covers: its size; else (no raw bytes)
  // the fixed size of the architecture, or up to the next instruction or symbol.
  private extent(f: number, i: number): number {
    const b = this.t.block(f);
    const s = b.size[i] as number;
    if (s > 0) return s;
    if (this.fixedSize > 0) return this.fixedSize;
    const a = b.addr[i] as number;
    if (i + 1 < b.addr.length) return (b.addr[i + 1] as number) - a;
    return this.pastLast(f, a);
  }

  // The extent of a function's last instruction, from the table alone.
  private lastExtent(f: number): number {
    const s = this.t.lastSize[f] as number;
    if (s > 0) return s;
    if (this.fixedSize > 0) return this.fixedSize;
    return this.pastLast(f, this.t.lastAddr[f] as number);
  }

  // A last instruction without raw bytes runs to the next symbol of its section.
  private pastLast(f: number, a: number): number {
    const next = this.nextStart(f);
    if (next !== undefined && this.t.sections[f + 1] === this.t.sections[f] && next > a) return next - a;
    return 1;
  }

  // Start of the first function after f at a higher address.
  private nextStart(f: number): number | undefined {
    const starts = this.t.starts;
    const here = starts[f] as number;
    for (let g = f + 1; g < starts.length; g++) {
      const s = starts[g] as number;
      if (s > here) return s;
    }
    return undefined;
  }

  private materialize(f: number, i: number): Instruction {
    const b = this.t.block(f);
    const address = b.addr[i] as number;
    const size = b.size[i] as number;
    const text = b.text(i);
    const source = b.source(i);
    const name = this.t.names[f] as string;
    const functionAddress = this.t.starts[f] as number;
    if (source === undefined) return { address, size, text, function: name, functionAddress };
    return { address, size, text, function: name, functionAddress, source };
  }

  private buildNames(): Map<string, number[]> {
    const map = new Map<string, number[]>();
    const names = this.t.names;
    for (let f = 0; f < names.length; f++) {
      for (const key of nameKeys(names[f] as string)) {
        const list = map.get(key);
        if (list === undefined) {
          map.set(key, [f]);
          continue;
        }
        // the same symbol listed twice at one address counts once
        const dup = list.some((g) => names[g] === names[f] && this.t.starts[g] === this.t.starts[f]);
        if (!dup) list.push(f);
      }
    }
    return map;
  }
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
