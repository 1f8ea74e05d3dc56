// What `record` and `--objdump auto` need to know of a binary without running
// a tool: its GNU build id, where perf's map-relative addresses land in it,
// how much code it has, and where each function starts — the ranges objdump
// is asked for. Read from the ELF headers (System V gABI; the build id note is
// binutils' `.note.gnu.build-id`, type NT_GNU_BUILD_ID = 3, owner "GNU").
import { open } from 'node:fs/promises';
import { gnuBuildIdIn, hasGoBuildId } from '../../parsers/elf-note.js';
import { floorIndex } from '../sorted.js';

export interface ElfInfo {
  /** Lowercase hex, as perf buildid-list prints it. */
  buildId?: string;
  /** ET_EXEC (linked at a fixed address) or ET_DYN (PIE, shared object). */
  type: 'exec' | 'dyn' | 'other';
  /** First PT_LOAD's vaddr − offset: perf's map-relative address + this = the listing's address. */
  loadBias: number;
  /** Bytes in executable sections. */
  codeSize: number;
  /** Sorted, distinct start addresses of the defined symbols in executable sections (.symtab, else .dynsym). */
  symbolStarts: number[];
  /** Symbol name (without @version) → start addresses. */
  symbols: Map<string, number[]>;
  /** End of the executable sections, the last function's stop. */
  codeEnd: number;
  /** A Go program: its Go build id note (`.note.go.buildid`, owner "Go") is there. */
  go: boolean;
}

const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_DYNSYM = 11;
const SHF_EXECINSTR = 4;
const PT_LOAD = 1;

/** Reads an ELF file's headers; undefined when it is not ELF (or cannot be read). */
export async function readElf(path: string): Promise<ElfInfo | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = (await fh.stat()).size;
    const read = async (offset: number, length: number): Promise<DataView> => {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(n);
      if (n > 0) await fh.read(buf, 0, n, offset);
      return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    };
    const ident = await read(0, 64);
    if (ident.byteLength < 52 || ident.getUint32(0) !== 0x7f454c46) return undefined;
    const is64 = ident.getUint8(4) === 2;
    const le = ident.getUint8(5) === 1;
    const u16 = (v: DataView, o: number): number => v.getUint16(o, le);
    const u32 = (v: DataView, o: number): number => v.getUint32(o, le);
    const addr = (v: DataView, o: number): number => (is64 ? Number(v.getBigUint64(o, le)) : v.getUint32(o, le));
    const eType = u16(ident, 16);
    const phoff = addr(ident, is64 ? 32 : 28);
    const shoff = addr(ident, is64 ? 40 : 32);
    const phentsize = u16(ident, is64 ? 54 : 42);
    const phnum = u16(ident, is64 ? 56 : 44);
    const shentsize = u16(ident, is64 ? 58 : 46);
    const shnum = u16(ident, is64 ? 60 : 48);

    let loadBias = 0;
    const ph = await read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum && (i + 1) * phentsize <= ph.byteLength; i++) {
      const o = i * phentsize;
      if (u32(ph, o) !== PT_LOAD) continue;
      const offset = addr(ph, o + (is64 ? 8 : 4));
      const vaddr = addr(ph, o + (is64 ? 16 : 8));
      loadBias = vaddr - offset;
      break;
    }

    interface Section { type: number; flags: number; addr: number; offset: number; size: number; link: number; entsize: number }
    const sections: Section[] = [];
    const sh = await read(shoff, shentsize * shnum);
    for (let i = 0; i < shnum && (i + 1) * shentsize <= sh.byteLength; i++) {
      const o = i * shentsize;
      sections.push({
        type: u32(sh, o + 4),
        flags: addr(sh, o + 8),
        addr: addr(sh, o + (is64 ? 16 : 12)),
        offset: addr(sh, o + (is64 ? 24 : 16)),
        size: addr(sh, o + (is64 ? 32 : 20)),
        link: u32(sh, o + (is64 ? 40 : 24)),
        entsize: addr(sh, o + (is64 ? 56 : 36)),
      });
    }

    let buildId: string | undefined;
    let go = false;
    for (const s of sections) {
      if (s.type !== SHT_NOTE) continue;
      const notes = await read(s.offset, Math.min(s.size, 4096));
      buildId ??= gnuBuildIdIn(notes, le);
      go ||= hasGoBuildId(notes, le);
    }

    const exec = sections.map((s, i) => ({ s, i })).filter(({ s }) => (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0);
    const codeSize = exec.reduce((n, { s }) => n + s.size, 0);
    const codeEnd = exec.reduce((n, { s }) => Math.max(n, s.addr + s.size), 0);
    const execIndex = new Set(exec.map(({ i }) => i));
    const starts = new Set<number>();
    const symbols = new Map<string, number[]>();
    const table = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
    const strtab = table !== undefined ? sections[table.link] : undefined;
    if (table !== undefined && strtab !== undefined && table.entsize > 0) {
      const syms = await read(table.offset, table.size);
      const strings = await read(strtab.offset, strtab.size);
      const strBuf = Buffer.from(strings.buffer, strings.byteOffset, strings.byteLength);
      for (let o = 0; o + table.entsize <= syms.byteLength; o += table.entsize) {
        const nameOff = u32(syms, o);
        const value = is64 ? Number(syms.getBigUint64(o + 8, le)) : u32(syms, o + 4);
        const shndx = u16(syms, is64 ? o + 6 : o + 14);
        if (!execIndex.has(shndx) || nameOff === 0) continue;
        const end = strBuf.indexOf(0, nameOff);
        const name = strBuf.toString('latin1', nameOff, end < 0 ? strBuf.length : end);
        starts.add(value);
        const bare = name.replace(/@.*$/, '');
        const list = symbols.get(bare) ?? [];
        list.push(value);
        symbols.set(bare, list);
      }
    }
    // a section start is where objdump starts a listing too
    for (const { s } of exec) starts.add(s.addr);
    return {
      ...(buildId !== undefined ? { buildId } : {}),
      type: eType === 2 ? 'exec' : eType === 3 ? 'dyn' : 'other',
      loadBias,
      codeSize,
      codeEnd,
      symbolStarts: [...starts].sort((a, b) => a - b),
      symbols,
      go,
    };
  } finally {
    await fh.close();
  }
}

/** The function (as objdump's labels cut the code) holding a listing address: [start, stop). */
export function functionRange(elf: ElfInfo, address: number): [number, number] | undefined {
  const s = elf.symbolStarts;
  const at = floorIndex(s, address);
  if (at < 0 || address >= elf.codeEnd) return undefined;
  return [s[at]!, s[at + 1] ?? elf.codeEnd];
}
