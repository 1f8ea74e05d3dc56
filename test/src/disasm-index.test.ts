// The disassembly index on real listings (samples/guard/, samples/listings/):
// golden lookups quoted from the listings, every frame perf recorded for the
// same binaries resolving to an instruction boundary, every listing variant of
// one binary giving the same code map, and property tests that chunking the
// bytes or reordering the function blocks never changes the index.
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../parsers/errors.js';
import { LineSplitter } from '../../parsers/lines.js';
import {
  archOfFormat,
  formatListingAddress,
  indexObjdump,
  indexObjdumpFile,
  indexListingBytes,
  readListing,
  nameKeys,
  parseListingAddress,
  type DisasmIndex,
} from '../../src/disasm-index.js';
import { ListingIndex } from '../../src/disasm-lookup.js';
import { readListingTable } from '../../src/listing-table.js';
import type { Diagnostic } from '../../src/model.js';
import { ROOT, linesOf } from '../shared.js';

const GUARD = 'samples/guard';
const LISTINGS = 'samples/listings';

function build(lines: Iterable<string>, diagnostics: Diagnostic[] = []): DisasmIndex {
  const onDiagnostic = (d: Diagnostic): void => {
    diagnostics.push(d);
  };
  return indexListingBytes(Buffer.from([...lines].join('\n')), { source: 'listing', onDiagnostic }).index;
}

const cache = new Map<string, DisasmIndex>();
function indexOf(path: string): DisasmIndex {
  let idx = cache.get(path);
  if (idx === undefined) {
    const diagnostics: Diagnostic[] = [];
    idx = build(linesOf(path), diagnostics);
    expect(diagnostics).toEqual([]);
    cache.set(path, idx);
  }
  return idx;
}

// Everything the index answers, as plain data.
function dump(idx: DisasmIndex): unknown {
  return {
    path: idx.path,
    format: idx.format,
    arch: idx.arch,
    functionCount: idx.functionCount,
    instructionCount: idx.instructionCount,
    functions: idx.functions(),
    code: idx.functions().map((f) => idx.functionInstructions(f.address)),
  };
}

// The regex reading (test-only, independent of the parser): for every
// instruction line, its address, its text with blanks collapsed, and the
// symbol of the last header above it.
function regexReading(lines: readonly string[]): { address: number; text: string; fn: string }[] {
  const out: { address: number; text: string; fn: string }[] = [];
  let fn = '';
  for (const l of lines) {
    const h = /^([0-9a-f]+) <(.*)>:$/.exec(l);
    if (h !== null) {
      if (!(h[2] ?? '').startsWith('$')) fn = h[2] ?? '';
      continue;
    }
    if (/^\s*[0-9a-f]+:\t(?:[0-9a-f]+ )+$/.test(l)) continue;
    const m = /^\s*([0-9a-f]+):\t(?:(?:[0-9a-f]+ )+\s*\t)?(.+)$/.exec(l) ?? /^\s*([0-9a-f]+): (?:[0-9a-f]{2} ?)*\s*\t(.+)$/.exec(l);
    if (m !== null) out.push({ address: parseInt(m[1] ?? '', 16), text: (m[2] ?? '').replace(/\s+/g, ' ').trim(), fn });
  }
  return out;
}

// `            1436 main+0xc9 (/work/main/samples/guard/guard)` from perf script callchains.
function perfFrames(path: string, dso: string): { address: number; symbol: string; offset: number }[] {
  const out: { address: number; symbol: string; offset: number }[] = [];
  for (const l of linesOf(path)) {
    const m = /^\s+([0-9a-f]+) (.+)\+0x([0-9a-f]+) \((.*)\)$/.exec(l);
    if (m !== null && m[4] === dso) out.push({ address: parseInt(m[1] ?? '', 16), symbol: m[2] ?? '', offset: parseInt(m[3] ?? '', 16) });
  }
  return out;
}

describe('guard (GNU objdump -dl)', () => {
  const path = `${GUARD}/guard.objdump-dl.txt`;
  const lines = linesOf(path);
  const idx = indexOf(path);

  it('knows the binary and counts what the listing holds', () => {
    expect([idx.path, idx.format, idx.arch, idx.tool]).toEqual(['guard', 'elf64-x86-64', 'x86-64', 'gnu']);
    expect(idx.instructionCount).toBe(regexReading(lines).length);
    expect(idx.functionCount).toBe(lines.filter((l) => /^[0-9a-f]{16} <.*>:$/.test(l)).length);
  });

  it('finds every instruction of the regex reading at its address, in its function', () => {
    for (const r of regexReading(lines)) {
      expect(idx.instructionAt(r.address)).toMatchObject({ address: r.address, text: r.text, function: r.fn });
      expect(idx.lookup(r.address)).toMatchObject({ function: r.fn, boundary: true, offset: r.address - (idx.lookup(r.address)?.functionAddress ?? NaN) });
    }
  });

  it("write_field+0x0 (where perf saw the faults) is `mov %rsi,(%rdi)` at guard.c:58; +0x3 is its ret", () => {
    //     12eb:	48 89 37             	mov    %rsi,(%rdi)
    //     12ee:	c3                   	ret
    const [wf] = idx.functionsNamed('write_field');
    expect(wf).toEqual({ name: 'write_field', address: 0x12eb, end: 0x12ef });
    expect(idx.lookup(0x12eb)).toEqual({
      function: 'write_field',
      functionAddress: 0x12eb,
      offset: 0,
      boundary: true,
      instruction: { address: 0x12eb, size: 3, text: 'mov %rsi,(%rdi)', function: 'write_field', functionAddress: 0x12eb, source: '/work/main/samples/guard/guard.c:58' },
    });
    expect(idx.lookup(0x12ee)?.instruction?.text).toBe('ret');
    expect(idx.lookup(0x12ee)?.instruction?.source).toBe('/work/main/samples/guard/guard.c:59');
  });

  it('says when an address is inside an instruction rather than at its start', () => {
    const inside = idx.lookup(0x12ec);
    expect(inside).toMatchObject({ function: 'write_field', offset: 1, boundary: false });
    expect(inside?.instruction?.address).toBe(0x12eb);
    expect(idx.instructionAt(0x12ec)).toBeUndefined();
    // the imul whose last byte sits on a continuation line: 0x1344 + 8 bytes
    expect(idx.lookup(0x134b)?.instruction?.address).toBe(0x1344);
    expect(idx.lookup(0x134c)).toMatchObject({ boundary: true, instruction: { address: 0x134c } });
  });

  it('finds the call before each return address perf recorded in main and on_segv', () => {
    //     1431:	e8 bd fe ff ff       	call   12f3 <mutate>          (main+0xc9 = 0x1436)
    expect(idx.instructionBefore(0x1436)?.text).toBe('call 12f3 <mutate>');
    expect(idx.instructionBefore(0x142a)?.text).toBe('call 1255 <protect_young>');
    expect(idx.instructionBefore(0x142f)?.text).toBe('call 12a0 <protect_old>');
    //     124e:	e8 86 ff ff ff       	call   11d9 <unprotect_page>  (on_segv+0x55 = 0x1253)
    expect(idx.instructionBefore(0x1253)).toMatchObject({ address: 0x124e, text: 'call 11d9 <unprotect_page>', function: 'on_segv' });
    // just past an instruction start still means "the one before it"
    expect(idx.instructionBefore(0x1254)?.address).toBe(0x1253);
    expect(idx.instructionBefore(0x1000)).toBeUndefined();
  });

  it('answers nothing between sections, before the first and after the last instruction', () => {
    // .init ends with `1016: c3 ret`; .plt starts at 0x1020
    expect(idx.lookup(0x1016)?.function).toBe('_init');
    expect(idx.lookup(0x1017)).toBeUndefined();
    expect(idx.lookup(0x101f)).toBeUndefined();
    expect(idx.lookup(0x1020)?.function).toBe('_exit@plt-0x10');
    expect(idx.lookup(0xfff)).toBeUndefined();
    expect(idx.lookup(0x148d)).toBeUndefined(); // _fini's ret is at 0x148c
    expect(idx.lookup(-1)).toBeUndefined();
  });

  it('finds a PLT stub by the name of the function it calls', () => {
    // 00000000000010b0 <mprotect@plt>:
    const plt = { name: 'mprotect@plt', address: 0x10b0, end: 0x10c0 };
    expect(idx.functionsNamed('mprotect')).toEqual([plt]);
    expect(idx.functionsNamed('mprotect@plt')).toEqual([plt]);
    expect(idx.functionsNamed('protect')).toEqual([]);
  });

  it('lists a function, and the instructions around an address', () => {
    expect(idx.functionInstructions(0x12eb).map((i) => i.text)).toEqual(['mov %rsi,(%rdi)', 'ret']);
    expect(idx.functionInstructions(0x12ec)).toEqual([]);
    const addresses = regexReading(lines).map((r) => r.address);
    const k = addresses.indexOf(0x12ee);
    expect(idx.around(0x12ee, 2, 2).map((i) => i.address)).toEqual(addresses.slice(k - 2, k + 3));
    expect(idx.around(0x12ec, 1, 1).map((i) => i.address)).toEqual(addresses.slice(k - 2, k + 1)); // inside the mov
    // between sections: the last of .init and the first of .plt
    expect(idx.around(0x1018, 1, 1).map((i) => i.address)).toEqual([0x1016, 0x1020]);
    expect(idx.around(0x1000, 3, 1).map((i) => i.address)).toEqual([0x1000, 0x1004]);
    const last = addresses[addresses.length - 1] ?? NaN;
    expect(idx.around(last, 1, 5).map((i) => i.address)).toEqual(addresses.slice(-2));
  });

  it('resolves every guard frame of the perf capture to an instruction boundary of the symbol perf named', () => {
    const frames = perfFrames(`${GUARD}/perf-script.txt.gz`, '/work/main/samples/guard/guard');
    expect(frames.length).toBeGreaterThan(400);
    for (const f of frames) {
      const [fn, ...more] = idx.functionsNamed(f.symbol);
      expect(more).toEqual([]);
      expect(fn !== undefined && fn.address + f.offset).toBe(f.address);
      expect(idx.lookup(f.address)).toMatchObject({ function: f.symbol, offset: f.offset, boundary: true });
    }
  });
});

describe('libc (GNU objdump -d, .dynsym names only)', () => {
  it('resolves every libc frame perf recorded to an instruction boundary; versioned names answer to the plain name', async () => {
    const idx = await indexObjdumpFile(join(ROOT, `${GUARD}/libc.objdump-d.txt.gz`));
    expect([idx.path, idx.arch]).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', 'x86-64']);
    // 0000000000101a30 <__mprotect@@GLIBC_PRIVATE>:
    //   101a35:	0f 05                	syscall
    //   …
    //   101a5b:	0f 1f 44 00 00       	nopl   0x0(%rax,%rax,1)
    expect(idx.functionsNamed('__mprotect')).toEqual([{ name: '__mprotect@@GLIBC_PRIVATE', address: 0x101a30, end: 0x101a60 }]);
    // perf: `101a37 __mprotect+0x7` — the user ip of a syscall is the return address after it
    expect(idx.instructionBefore(0x101a37)).toMatchObject({ address: 0x101a35, text: 'syscall', function: '__mprotect@@GLIBC_PRIVATE' });
    const frames = perfFrames(`${GUARD}/perf-script.txt.gz`, '/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(frames.length).toBeGreaterThan(500);
    let byName = 0;
    for (const f of frames) {
      expect(idx.lookup(f.address)?.boundary).toBe(true);
      const named = idx.functionsNamed(f.symbol);
      if (named.length > 0) {
        byName++;
        expect(named.map((n) => n.address + f.offset)).toContain(f.address);
      }
    }
    // perf read libc's debug symbols; the listing has .dynsym only, so
    // internal names (__libc_start_call_main, _int_malloc) are not in it
    expect(byName).toBeGreaterThan(0);
    expect(byName).toBeLessThan(frames.length);
    expect(idx.functionsNamed('__libc_start_call_main')).toEqual([]);
  });
});

describe('every listing variant of guard gives the same code map', () => {
  const reference = indexOf(`${GUARD}/guard.objdump-d.txt`);
  const variants = [
    `${GUARD}/guard.objdump-dl.txt`,
    `${LISTINGS}/guard.objdump-dS.txt`,
    `${LISTINGS}/guard.objdump-d-intel.txt`,
    `${LISTINGS}/guard.objdump-d-noraw.txt`,
    `${LISTINGS}/guard.llvm-objdump-d.txt`,
    `${LISTINGS}/guard.llvm-objdump-d-noraw.txt`,
    `${LISTINGS}/guard.llvm-objdump-dl.txt`,
    `${LISTINGS}/guard.llvm-objdump-dS.txt`,
  ];
  const starts = reference.functions().flatMap((f) => reference.functionInstructions(f.address).map((i) => i.address));

  for (const path of variants) {
    it(path.split('/').pop() ?? path, () => {
      const idx = indexOf(path);
      const raw = !path.includes('noraw');
      expect(idx.functions().map((f) => f.address)).toEqual(reference.functions().map((f) => f.address));
      expect(idx.instructionCount).toBe(reference.instructionCount);
      for (const a of starts) expect(idx.lookup(a)?.functionAddress).toBe(reference.lookup(a)?.functionAddress);
      // byte by byte over all the code: same function, same instruction (without
      // raw bytes, the inside of a function's last instruction is a guess)
      for (let a = 0xff0; a < 0x1490; a++) {
        const want = reference.lookup(a);
        const got = idx.lookup(a);
        const insideLast = want?.instruction !== undefined && !want.boundary && reference.functionInstructions(want.functionAddress).at(-1)?.address === want.instruction.address;
        if (!raw && insideLast) continue;
        expect([a, got?.functionAddress, got?.instruction?.address, got?.boundary]).toEqual([a, want?.functionAddress, want?.instruction?.address, want?.boundary]);
      }
    });
  }

  it('-dl and llvm -dl attach the same source line to every instruction', () => {
    const gnu = indexOf(`${GUARD}/guard.objdump-dl.txt`);
    const llvm = indexOf(`${LISTINGS}/guard.llvm-objdump-dl.txt`);
    for (const a of starts) expect([a, llvm.instructionAt(a)?.source]).toEqual([a, gnu.instructionAt(a)?.source]);
  });
});

describe('C++ listings: perf-style names', () => {
  const gnu = indexOf(`${LISTINGS}/shapes.objdump-dC.txt`);
  const llvm = indexOf(`${LISTINGS}/shapes.llvm-objdump-dC.txt`);
  const mangled = indexOf(`${LISTINGS}/shapes.objdump-d.txt`);

  it('turns each demangled name into what c++filt -p (and so perf) prints', () => {
    const rows = linesOf(`${LISTINGS}/shapes.cxxfilt.tsv`).map((l) => l.split('\t'));
    expect(rows.length).toBeGreaterThan(30);
    for (const [, full, plain] of rows) {
      expect([full, nameKeys(full ?? '').at(-1)]).toEqual([full, plain]);
    }
  });

  it('resolves every shapes frame perf recorded, in the GNU and the llvm -dC listings', () => {
    const frames = perfFrames(`${LISTINGS}/shapes.perf-script.txt`, '/work/main/samples/listings/shapes');
    expect(frames.map((f) => f.symbol)).toContain('geo::Circle::stamp');
    for (const idx of [gnu, llvm]) {
      for (const f of frames) {
        const named = idx.functionsNamed(f.symbol);
        expect(named.map((n) => n.address + f.offset)).toEqual([f.address]);
        expect(idx.lookup(f.address)?.boundary).toBe(true);
      }
    }
  });

  it('finds templates, operators, clones, PLT stubs and overloads by their perf names', () => {
    expect(gnu.functionsNamed('sum<double>').map((f) => f.name)).toEqual(['double sum<double>(double const*, unsigned long)']);
    expect(gnu.functionsNamed('Scale::operator()').map((f) => f.name)).toEqual(['Scale::operator()(double) const [clone .isra.0]']);
    expect(llvm.functionsNamed('Scale::operator()').map((f) => f.name)).toEqual(['Scale::operator()(double) const (.isra.0)']);
    expect(gnu.functionsNamed('operator new').map((f) => [f.name, f.address])).toEqual([['operator new(unsigned long)@plt', 0x1140]]);
    // the deleting and the complete destructor: two symbols, one perf name
    expect(gnu.functionsNamed('geo::Circle::~Circle').map((f) => f.address)).toEqual([0x1670, 0x1690]);
    expect(gnu.functionsNamed('geo::Circle::stamp(char*) const').map((f) => f.address)).toEqual([0x1640]);
  });

  it('a mangled listing is demangled: it answers to the names perf prints, as a -dC one does', () => {
    expect(mangled.functionsNamed('geo::Circle::stamp').map((f) => f.address)).toEqual([0x1640]);
    expect(mangled.functionsNamed('geo::Circle::stamp(char*) const').map((f) => f.address)).toEqual([0x1640]);
    expect(mangled.instructionAt(0x15c4)).toMatchObject({ size: 10, text: 'movabs $0x1122334455667788,%rax', function: 'magic(unsigned long)' });
  });
});

describe('aarch64', () => {
  it('GNU and llvm listings agree; without raw bytes an instruction still spans 4 bytes', () => {
    const gnu = indexOf(`${LISTINGS}/guard-aarch64.objdump-d.txt`);
    const llvm = indexOf(`${LISTINGS}/guard-aarch64.llvm-objdump-d.txt`);
    const noraw = indexOf(`${LISTINGS}/guard-aarch64.objdump-d-noraw.txt`);
    expect([gnu.arch, llvm.arch, noraw.arch]).toEqual(['aarch64', 'aarch64', 'aarch64']);
    //  ba0:	f9000001 	str	x1, [x0]
    expect(gnu.lookup(0xba0)).toMatchObject({ function: 'write_field', boundary: true, instruction: { text: 'str x1, [x0]', size: 4 } });
    expect(noraw.lookup(0xba2)).toMatchObject({ function: 'write_field', boundary: false, instruction: { address: 0xba0, size: 0 } });
    // .fini's last instruction: known to be 4 bytes even with no raw bytes and no next symbol
    const last = gnu.functions().at(-1);
    expect(last?.name).toBe('_fini');
    expect(noraw.functions().at(-1)).toEqual(last);
    for (let a = 0x7f0; a < (last?.end ?? 0) + 8; a++) {
      const want = gnu.lookup(a);
      for (const idx of [llvm, noraw]) expect([a, idx.lookup(a)?.functionAddress, idx.lookup(a)?.instruction?.address]).toEqual([a, want?.functionAddress, want?.instruction?.address]);
    }
  });
});

describe('kernel addresses and `...` skips', () => {
  it('maps addresses above 2^63 to signed values and back', () => {
    expect(parseListingAddress('ffffffff81000042')).toBe(-0x7effffbe);
    expect(parseListingAddress('0xffffffff81000042')).toBe(-0x7effffbe);
    expect(formatListingAddress(-0x7effffbe)).toBe('ffffffff81000042');
    expect(parseListingAddress('12eb')).toBe(0x12eb);
    expect(formatListingAddress(0x12eb)).toBe('12eb');
    expect(parseListingAddress('7f740dbc6b70')).toBe(0x7f740dbc6b70);
    expect(parseListingAddress('0020000000000001')).toBeUndefined(); // above 2^53, below 2^63
    expect(parseListingAddress('xyz')).toBeUndefined();
    expect(parseListingAddress('')).toBeUndefined();
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }), fc.bigInt({ min: (1n << 64n) - (1n << 53n) + 1n, max: (1n << 64n) - 1n }), (low, high) => {
        for (const v of [low, high]) {
          const hex = v.toString(16);
          const n = parseListingAddress(hex);
          expect(n).toBeDefined();
          expect(formatListingAddress(n ?? NaN)).toBe(hex);
        }
      }),
    );
  });

  for (const name of ['kernel.objdump-d.txt', 'kernel.llvm-objdump-d.txt']) {
    it(`${name}: looks up kernel text, including the zero run objdump skipped`, () => {
      const idx = indexOf(`${LISTINGS}/${name}`);
      const k = (hex: string): number => parseListingAddress(hex) ?? NaN;
      // ffffffff81000000 <zero_table>:
      // ffffffff81000000:	90                   	nop
      // 	...
      // ffffffff81000041:	c3                   	ret
      expect(idx.functionsNamed('zero_table')).toEqual([{ name: 'zero_table', address: k('ffffffff81000000'), end: k('ffffffff81000042') }]);
      expect(idx.lookup(k('ffffffff81000010'))).toEqual({ function: 'zero_table', functionAddress: k('ffffffff81000000'), offset: 0x10, boundary: false });
      expect(idx.lookup(k('ffffffff81000041'))?.instruction?.text).toMatch(/^retq?$/);
      expect(idx.lookup(k('ffffffff81000042'))).toMatchObject({ function: 'bump', boundary: true });
      expect(idx.instructionBefore(k('ffffffff81000053'))?.address).toBe(k('ffffffff8100004e'));
      expect(idx.around(k('ffffffff81000020'), 1, 1).map((i) => formatListingAddress(i.address))).toEqual(['ffffffff81000000', 'ffffffff81000041']);
      expect(idx.lookup(k('ffffffff81000055'))).toBeUndefined();
    });
  }
});

describe('order, chunking and repetition never change the index', () => {
  const paths = [`${GUARD}/guard.objdump-dl.txt`, `${LISTINGS}/shapes.objdump-dC.txt`, `${LISTINGS}/guard.llvm-objdump-dl.txt`];

  it('any chunking of the bytes', () => {
    for (const path of paths) {
      const bytes = readFileSync(join(ROOT, path));
      const want = dump(indexOf(path));
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
          const lines: string[] = [];
          const s = new LineSplitter((l) => lines.push(l));
          let from = 0;
          for (const c of [...cuts].sort((a, b) => a - b)) {
            s.write(bytes.subarray(from, c));
            from = c;
          }
          s.write(bytes.subarray(from));
          s.end();
          expect(dump(build(lines))).toEqual(want);
        }),
        { numRuns: 15 },
      );
    }
  });

  it('any order of the function blocks', () => {
    for (const path of paths) {
      const lines = linesOf(path);
      const firstHeader = lines.findIndex((l) => /^[0-9a-f]{16} </.test(l));
      const preamble = lines.slice(0, firstHeader);
      const blocks: string[][] = [];
      for (let i = firstHeader; i < lines.length; i++) {
        if (/^[0-9a-f]{16} </.test(lines[i] ?? '')) blocks.push([]);
        blocks[blocks.length - 1]?.push(lines[i] ?? '');
      }
      const want = dump(indexOf(path));
      fc.assert(
        fc.property(fc.shuffledSubarray(blocks, { minLength: blocks.length, maxLength: blocks.length }), (shuffled) => {
          expect(dump(build([...preamble, ...shuffled.flat()]))).toEqual(want);
        }),
        { numRuns: 20 },
      );
    }
  });

  it('code listed twice is indexed once, with one diagnostic', () => {
    const lines = linesOf(`${GUARD}/guard.objdump-d.txt`);
    const firstHeader = lines.findIndex((l) => /^[0-9a-f]{16} </.test(l));
    const diagnostics: Diagnostic[] = [];
    const twice = build([...lines, ...lines.slice(firstHeader)], diagnostics);
    expect(dump(twice)).toMatchObject({ instructionCount: indexOf(`${GUARD}/guard.objdump-d.txt`).instructionCount });
    expect(twice.functionsNamed('write_field')).toHaveLength(1);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.reason).toMatch(/^290 instructions overlap code listed before them/);
  });

  it('a second binary in one listing is reported and left out', () => {
    const diagnostics: Diagnostic[] = [];
    const idx = build([...linesOf(`${GUARD}/guard.objdump-d.txt`), ...linesOf(`${LISTINGS}/kernel.objdump-d.txt`)], diagnostics);
    expect(dump(idx)).toEqual(dump(indexOf(`${GUARD}/guard.objdump-d.txt`)));
    expect(diagnostics.map((d) => d.reason)).toEqual(['a second binary (kernel) in one listing; only guard is indexed']);
  });
});

describe('entry points', () => {
  it('indexObjdump over sync and async lines and indexObjdumpFile on a .gz give the same index', async () => {
    const path = `${GUARD}/guard.objdump-dl.txt`;
    const lines = linesOf(path);
    async function* slowly(): AsyncGenerator<string> {
      for (const l of lines) yield l;
    }
    const want = dump(indexOf(path));
    expect(dump(await indexObjdump(lines, { source: path }))).toEqual(want);
    expect(dump(await indexObjdump(slowly(), { source: path }))).toEqual(want);
    expect(dump(await indexObjdumpFile(join(ROOT, path)))).toEqual(want);
  });

  it('reports a bad line inside a function once, with its line number, as the listing is read; reading that function later reports nothing more', () => {
    const path = `${GUARD}/guard.objdump-d.txt`;
    const lines = linesOf(path);
    const at = lines.findIndex((l) => l.endsWith('<write_field>:')) + 2; // after its first instruction
    const bad = [...lines.slice(0, at), '    1234:\t00 ', ...lines.slice(at)];
    const diagnostics: Diagnostic[] = [];
    const idx = build(bad, diagnostics);
    const want = [{ source: 'listing', line: at + 1, reason: 'continuation bytes at an address that does not follow the instruction above' }];
    expect(diagnostics).toEqual(want);
    expect(idx.lookup(0x12eb)?.instruction?.text).toBe('mov %rsi,(%rdi)');
    expect(dump(idx)).toEqual(dump(indexOf(path)));
    expect(diagnostics).toEqual(want);
  });

  it('indexing reads no instructions; a lookup reads those of the function it lands in, and no other', () => {
    const bytes = Buffer.from(linesOf(`${GUARD}/libc.objdump-d.txt.gz`).join('\n'));
    const { table } = readListingTable(bytes, { source: 'libc' });
    const reads: number[] = [];
    const idx = new ListingIndex({ ...table, block: (f) => (reads.push(f), table.block(f)) });
    expect(reads).toEqual([]);
    const abort = idx.functionsNamed('abort')[0]!;
    expect(reads).toEqual([]);
    expect(idx.lookup(abort.address)?.instruction?.address).toBe(abort.address);
    expect(idx.instructionAt(abort.address)?.address).toBe(abort.address);
    expect(new Set(reads)).toEqual(new Set([table.names.indexOf(abort.name)]));
    expect(idx.instructionCount).toBe(336865);
  });

  it('a listing on stdin with CRLF endings and an overlong line indexes as the file does, the line reported by number', async () => {
    const path = `${GUARD}/guard.objdump-dl.txt`;
    const lines = linesOf(path);
    const at = lines.findIndex((l) => l.endsWith('<write_field>:')) + 1;
    const text = [...lines.slice(0, at), 'x'.repeat(300), ...lines.slice(at)].join('\r\n') + '\r\n';
    const diagnostics: Diagnostic[] = [];
    const read = await readListing('-', { stdin: Readable.from([Buffer.from(text)]), maxLineLength: 200, onDiagnostic: (d) => diagnostics.push(d) });
    expect(diagnostics).toEqual([{ source: '-', line: at + 1, reason: 'line of 301 characters is longer than the maximum line length; skipped' }]);
    expect(read.lines).toBe(lines.length + 1);
    expect(dump(read.index)).toEqual(dump(indexOf(path)));
  });

  it('a plain listing file is read again for the functions lookups land in: the same answers as from memory, for every listing shape; a file changed since is an input error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-listing-'));
    const paths = [`${GUARD}/guard.objdump-dl.txt`, `${LISTINGS}/guard.objdump-dS.txt`, `${LISTINGS}/guard.llvm-objdump-dS.txt`, `${LISTINGS}/shapes.objdump-dlC.txt`, `${LISTINGS}/kernel.objdump-d.txt`];
    for (const path of paths) {
      // CRLF endings and no newline at the end: the pieces read again are cut where the first pass cut them
      const file = join(dir, 'listing.txt');
      writeFileSync(file, linesOf(path).join('\r\n'));
      expect(dump((await readListing(file)).index)).toEqual(dump(indexOf(path)));
    }
    const file = join(dir, 'guard.txt');
    writeFileSync(file, readFileSync(join(ROOT, `${GUARD}/guard.objdump-d.txt`)));
    const { index } = await readListing(file);
    appendFileSync(file, '\n');
    expect(() => index.lookup(0x12eb)).toThrow(InputError);
    expect(() => index.lookup(0x12eb)).toThrow(/guard\.txt: changed while faultpath was reading it/);
  });

  it('a plain listing file read in pieces of any size indexes as read whole: the same index, bad and overlong lines by number, line counts and head', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-pieces-'));
    const paths = [`${GUARD}/guard.objdump-dl.txt`, `${LISTINGS}/guard.llvm-objdump-dS.txt`, `${LISTINGS}/kernel.objdump-d.txt`];
    for (const [k, path] of paths.entries()) {
      const lines = linesOf(path);
      const at = lines.findIndex((l) => l.endsWith('>:')) + 2;
      // an overlong line and a stray one inside a function, CRLF endings, no newline at the end on one
      const text = [...lines.slice(0, at), 'x'.repeat(300), 'bad line', ...lines.slice(at)].join(k === 1 ? '\r\n' : '\n') + (k === 0 ? '' : '\n');
      const file = join(dir, `listing${k}.txt`);
      writeFileSync(file, text);
      const read = async (piece?: number): Promise<{ index: unknown; lines: number; sourceLines: number; head: string[]; diagnostics: Diagnostic[] }> => {
        const diagnostics: Diagnostic[] = [];
        const r = await readListing(file, { maxLineLength: 200, onDiagnostic: (d) => diagnostics.push(d), ...(piece !== undefined ? { piece } : {}) });
        return { index: dump(r.index), lines: r.lines, sourceLines: r.sourceLines, head: r.head(), diagnostics };
      };
      const whole = await read();
      expect(whole.diagnostics.length).toBeGreaterThanOrEqual(1);
      const inMemory = indexListingBytes(Buffer.from(text), { source: file, maxLineLength: 200 });
      expect(whole.index).toEqual(dump(inMemory.index));
      expect(whole.head).toEqual(inMemory.head());
      for (const piece of [1, 7, 100, 4096]) expect(await read(piece)).toEqual(whole);
    }
  });

  it('a function the first pass keeps (a big one, by default) answers as one read again on its first lookup: every listing shape, in memory and from a file read in pieces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-kept-'));
    const paths = [`${GUARD}/guard.objdump-d.txt`, `${GUARD}/guard.objdump-dl.txt`, `${LISTINGS}/guard.objdump-dS.txt`, `${LISTINGS}/guard.llvm-objdump-dS.txt`, `${LISTINGS}/shapes.objdump-dlC.txt`, `${LISTINGS}/kernel.objdump-d.txt`];
    for (const [k, path] of paths.entries()) {
      const want = dump(indexOf(path));
      const bytes = Buffer.from(linesOf(path).join('\n') + '\n');
      expect(dump(indexListingBytes(bytes, { keep: 1 }).index)).toEqual(want);
      const file = join(dir, `listing${k}.txt`);
      writeFileSync(file, bytes);
      // small pieces: an instruction is taken (at the next line that is one) after the piece it is in ended
      for (const piece of [100, 1 << 20]) expect(dump((await readListing(file, { keep: 1, piece })).index)).toEqual(want);
    }
    // libc's big functions, kept by default
    const file = join(dir, 'libc.txt');
    writeFileSync(file, Buffer.from(linesOf(`${GUARD}/libc.objdump-d.txt.gz`).join('\n') + '\n'));
    const kept = (await readListing(file)).index;
    const read = (await readListing(file, { keep: Infinity })).index;
    const big = read.functions().filter((f) => read.functionInstructions(f.address).length >= 4096);
    expect(big.length).toBeGreaterThan(0);
    for (const f of big) expect(kept.functionInstructions(f.address)).toEqual(read.functionInstructions(f.address));
    // a window deep in a big block (the page's listing), then single instructions from its end back: texts read a run at a time
    for (const f of big) {
      const fresh = (await readListing(file)).index;
      const all = read.functionInstructions(f.address);
      const middle = all[Math.floor(all.length / 2) + 7]!.address;
      expect(fresh.around(middle, 3, 300)).toEqual(read.around(middle, 3, 300));
      for (let j = all.length - 1; j >= 0; j -= 97) expect(fresh.instructionAt(all[j]!.address)).toEqual(all[j]);
    }
  });

  it('an empty or garbage listing gives an empty index, never an exception', async () => {
    const diagnostics: Diagnostic[] = [];
    const idx = await indexObjdump(['', 'hello', '\t...', '    12eb:\t48 89 37 \tmov %rsi,(%rdi)'], { source: 'x', onDiagnostic: (d) => diagnostics.push(d) });
    expect([idx.path, idx.arch, idx.functionCount, idx.instructionCount]).toEqual(['', 'unknown', 0, 0]);
    expect(idx.lookup(0x12eb)).toBeUndefined();
    expect(idx.around(0, 3, 3)).toEqual([]);
    expect(idx.instructionBefore(10)).toBeUndefined();
    expect(diagnostics.map((d) => d.line)).toEqual([2, 3, 4]);
  });

  it('names architectures from BFD targets', () => {
    expect(['elf64-x86-64', 'elf64-littleaarch64', 'elf32-i386', 'elf32-littlearm', 'elf64-littleriscv', 'elf64-powerpcle', 'elf64-little'].map(archOfFormat)).toEqual([
      'x86-64',
      'aarch64',
      'i386',
      'arm',
      'riscv64',
      'ppc64le',
      'unknown',
    ]);
  });
});

describe('instruction texts are parsed when a lookup asks for them', () => {
  const listings = [
    `${GUARD}/guard.objdump-dl.txt`,
    `${LISTINGS}/guard.objdump-dS.txt`,
    `${LISTINGS}/guard.objdump-d-noraw.txt`,
    `${LISTINGS}/guard.llvm-objdump-dl.txt`,
    `${LISTINGS}/guard.llvm-objdump-dS.txt`,
    `${LISTINGS}/guard-aarch64.objdump-dl.txt`,
    // llvm's second comment of an instruction on a line of its own: part of the text
    `${LISTINGS}/shapes.llvm-objdump-dC.txt`,
    `${LISTINGS}/shapes.objdump-dlC.txt`,
    `${LISTINGS}/kernel.objdump-d.txt`,
  ];

  it('one at a time, in any order, or a whole function at once: the text and source line the parser gives', async () => {
    const { parseObjdump } = await import('../../parsers/objdump.js');
    for (const path of listings) {
      const want = new Map<number, { text: string; source: string | undefined }>();
      for await (const r of parseObjdump(linesOf(path), { source: path })) if (r.kind === 'instruction') want.set(r.address, { text: r.text, source: r.srcline });
      expect(want.size, path).toBeGreaterThan(5);
      // last address first: a few texts per function alone, then the rest of its block at once
      const one = build(linesOf(path));
      for (const a of [...want.keys()].reverse()) {
        const got = one.instructionAt(a);
        expect([path, a, got?.text, got?.source]).toEqual([path, a, want.get(a)!.text, want.get(a)!.source]);
      }
      const whole = build(linesOf(path));
      const texts = whole.functions().flatMap((f) => whole.functionInstructions(f.address).map((i) => [i.address, i.text, i.source]));
      expect(texts, path).toEqual([...want].filter(([a]) => texts.some((t) => t[0] === a)).map(([a, w]) => [a, w.text, w.source]));
    }
  });
});
