// The objdump listing parser on real listings: GNU objdump 2.40 and
// llvm-objdump 14 output of the guard binary (samples/guard/), of a C++
// program, an aarch64 build and a kernel-address image (samples/listings/,
// made by record.sh there). Quoted lines are copied from those files. Where a
// test compares with "the regex reading", that is an independent, test-only
// reading of the same lines with regular expressions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ObjdumpParser, parseObjdump } from '../../parsers/objdump.js';
import type { Diagnostic, ObjdumpFunctionRecord, ObjdumpInstructionRecord, ObjdumpRecord } from '../../src/model.js';
import { linesOf } from '../shared.js';

const GUARD = 'samples/guard';
const LISTINGS = 'samples/listings';

interface Parsed {
  records: ObjdumpRecord[];
  diagnostics: Diagnostic[];
  parser: ObjdumpParser;
}

function parse(lines: readonly string[], source = 'listing'): Parsed {
  const records: ObjdumpRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const parser = new ObjdumpParser({ source, onDiagnostic: (d) => diagnostics.push(d) }, (r) => records.push(r));
  for (const l of lines) parser.line(l);
  parser.end();
  return { records, diagnostics, parser };
}

function parseFile(path: string): Parsed {
  return parse(linesOf(path), path);
}

const instructions = (p: Parsed): ObjdumpInstructionRecord[] => p.records.filter((r): r is ObjdumpInstructionRecord => r.kind === 'instruction');
const functions = (p: Parsed): ObjdumpFunctionRecord[] => p.records.filter((r): r is ObjdumpFunctionRecord => r.kind === 'function');
const at = (p: Parsed, address: number): ObjdumpInstructionRecord | undefined => instructions(p).find((r) => r.address === address);
const lineNumberOf = (lines: readonly string[], text: string): number => lines.indexOf(text) + 1;

// The regex reading: [address, size, text] of every instruction line, GNU
// continuation lines added to the instruction above.
function regexReading(lines: readonly string[]): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (const l of lines) {
    let m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]+ )+)$/.exec(l); // GNU continuation
    if (m !== null) {
      const last = out[out.length - 1];
      if (last !== undefined) last[1] += (m[2] ?? '').replace(/ /g, '').length / 2;
      continue;
    }
    m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]+ )+)\s*\t(.*)$/.exec(l) ?? /^\s*([0-9a-f]+):\t()(.*)$/.exec(l) ?? /^\s*([0-9a-f]+): ((?:[0-9a-f]{2} ?)*)\s*\t(.*)$/.exec(l);
    if (m !== null) out.push([parseInt(m[1] ?? '', 16), (m[2] ?? '').replace(/ /g, '').length / 2, (m[3] ?? '').replace(/\s+/g, ' ').trim()]);
  }
  return out;
}

const triples = (p: Parsed): [number, number, string][] => instructions(p).map((r) => [r.address, r.size, r.text]);

describe('GNU objdump -d (x86-64)', () => {
  const path = `${GUARD}/guard.objdump-d.txt`;
  const lines = linesOf(path);
  const p = parse(lines, path);

  it('reads the file header, the sections in order and every line without a diagnostic', () => {
    // guard:     file format elf64-x86-64
    expect(p.records[0]).toEqual({ kind: 'file', source: path, line: 2, path: 'guard', format: 'elf64-x86-64', tool: 'gnu' });
    expect(p.records.filter((r) => r.kind === 'section').map((r) => (r.kind === 'section' ? r.name : ''))).toEqual(['.init', '.plt', '.plt.got', '.text', '.fini']);
    expect(p.diagnostics).toEqual([]);
    expect(p.parser.lines).toBe(lines.length);
    expect(p.parser.sourceLines).toBe(0);
  });

  it('reads symbols and instructions with their line numbers', () => {
    // 00000000000012eb <write_field>:
    //     12eb:	48 89 37             	mov    %rsi,(%rdi)
    const header = '00000000000012eb <write_field>:';
    expect(functions(p).find((f) => f.name === 'write_field')).toEqual({ kind: 'function', source: path, line: lineNumberOf(lines, header), address: 0x12eb, name: 'write_field' });
    expect(at(p, 0x12eb)).toEqual({ kind: 'instruction', source: path, line: lineNumberOf(lines, '    12eb:\t48 89 37             \tmov    %rsi,(%rdi)'), address: 0x12eb, size: 3, text: 'mov %rsi,(%rdi)' });
    //     10b0:	ff 25 8a 2f 00 00    	jmp    *0x2f8a(%rip)        # 4040 <mprotect@GLIBC_2.2.5>
    expect(functions(p).find((f) => f.address === 0x10b0)?.name).toBe('mprotect@plt');
    expect(at(p, 0x10b0)?.text).toBe('jmp *0x2f8a(%rip) # 4040 <mprotect@GLIBC_2.2.5>');
    // PLT0 has no symbol; GNU names it after the next one: 0000000000001020 <_exit@plt-0x10>:
    expect(functions(p)[1]).toMatchObject({ address: 0x1020, name: '_exit@plt-0x10' });
  });

  it('folds a continuation line into the instruction above', () => {
    //     1344:	48 0f af 3d 2c 2d 00 	imul   0x2d2c(%rip),%rdi        # 4078 <page_size>
    //     134b:	00 
    expect(lines).toContain('    134b:\t00 ');
    expect(at(p, 0x1344)).toMatchObject({ size: 8, text: 'imul 0x2d2c(%rip),%rdi # 4078 <page_size>' });
    expect(at(p, 0x134b)).toBeUndefined();
  });

  it('agrees with the regex reading on every instruction', () => {
    expect(triples(p)).toEqual(regexReading(lines));
    expect(functions(p)).toHaveLength(lines.filter((l) => /^[0-9a-f]{16} <.*>:$/.test(l)).length);
  });

  it('yields the same records through parseObjdump from sync and async line sources', async () => {
    const fromSync: ObjdumpRecord[] = [];
    for await (const r of parseObjdump(lines, { source: path })) fromSync.push(r);
    async function* slowly(): AsyncGenerator<string> {
      for (const l of lines) yield l;
    }
    const fromAsync: ObjdumpRecord[] = [];
    for await (const r of parseObjdump(slowly(), { source: path })) fromAsync.push(r);
    expect(fromSync).toEqual(p.records);
    expect(fromAsync).toEqual(p.records);
  });
});

describe('GNU objdump -dl', () => {
  const path = `${GUARD}/guard.objdump-dl.txt`;
  const lines = linesOf(path);
  const p = parse(lines, path);
  const plain = parseFile(`${GUARD}/guard.objdump-d.txt`);

  it('attaches file:line to the instructions after it and drops the discriminator', () => {
    // write_field():
    // /work/main/samples/guard/guard.c:58
    //     12eb:	48 89 37             	mov    %rsi,(%rdi)
    expect(at(p, 0x12eb)?.srcline).toBe('/work/main/samples/guard/guard.c:58');
    expect(at(p, 0x12ee)?.srcline).toBe('/work/main/samples/guard/guard.c:59');
    // /work/main/samples/guard/guard.c:29 (discriminator 1)
    //     11f4:	bf 03 00 00 00       	mov    $0x3,%edi
    expect(lines).toContain('/work/main/samples/guard/guard.c:29 (discriminator 1)');
    expect(at(p, 0x11f4)?.srcline).toBe('/work/main/samples/guard/guard.c:29');
    expect(at(p, 0x11f9)?.srcline).toBe('/work/main/samples/guard/guard.c:29');
  });

  it('does not carry a file:line into a function without line info', () => {
    // 0000000000001484 <_fini>:        (after main, which has lines)
    // _fini():
    //     1484:	48 83 ec 08          	sub    $0x8,%rsp
    expect(at(p, 0x1482)?.srcline).toMatch(/guard\.c:\d+$/);
    expect(at(p, 0x1484)?.srcline).toBeUndefined();
  });

  it('gives the same instructions as -d, and counts -l lines instead of reporting them', () => {
    expect(triples(p)).toEqual(triples(plain));
    expect(p.diagnostics).toEqual([]);
    const lineInfo = lines.filter((l) => /^\S.*:\d+( \(discriminator \d+\))?$/.test(l) || /^[\w.]+\(\):$/.test(l));
    expect(p.parser.lineInfoLines).toBe(lineInfo.length);
  });

  it('reads libc -dl: relative paths, discriminators, and every line accounted for', () => {
    const libc = linesOf(`${GUARD}/libc.objdump-dl.txt.gz`);
    const q = parse(libc);
    expect(q.diagnostics).toEqual([]);
    // 0000000000101a30 <__mprotect@@GLIBC_PRIVATE>:
    // __GI_mprotect():
    // ./misc/../sysdeps/unix/syscall-template.S:117
    //   101a35:	0f 05                	syscall
    expect(at(q, 0x101a35)).toMatchObject({ text: 'syscall', size: 2, srcline: './misc/../sysdeps/unix/syscall-template.S:117' });
    const counted = q.records.length + q.parser.lineInfoLines + libc.filter((l) => l === '').length + continuationCount(libc);
    expect(counted).toBe(libc.length);
  });
});

function continuationCount(lines: readonly string[]): number {
  return lines.filter((l) => /^\s*[0-9a-f]+:\t(?:[0-9a-f]+ )+$/.test(l)).length;
}

describe('GNU objdump -dS', () => {
  const path = `${LISTINGS}/guard.objdump-dS.txt`;
  const lines = linesOf(path);
  const p = parse(lines, path);

  it('skips interleaved source text without mistaking it for instructions or errors', () => {
    // 00000000000012eb <write_field>:
    //
    // // Mutator 1: a pointer store into an object field.
    // __attribute__((noinline)) void write_field(long *slot, long value) {
    //   *slot = value;
    //     12eb:	48 89 37             	mov    %rsi,(%rdi)
    // }
    expect(lines).toContain('  *slot = value;');
    expect(triples(p)).toEqual(triples(parseFile(`${GUARD}/guard.objdump-d.txt`)));
    expect(p.diagnostics).toEqual([]);
    const known = (l: string): boolean =>
      l === '' || /^\s*[0-9a-f]+:\t/.test(l) || /^[0-9a-f]{16} <.*>:$/.test(l) || l.startsWith('Disassembly of section ') || l.includes(':     file format ');
    const firstFunction = lines.findIndex((l) => /^[0-9a-f]{16} </.test(l));
    expect(p.parser.sourceLines + p.parser.lineInfoLines).toBe(lines.slice(firstFunction).filter((l) => !known(l)).length);
    expect(p.parser.sourceLines).toBeGreaterThan(50);
  });

  it('never glues an indented `#` source line onto the instruction above (only llvm continues comments)', () => {
    const [header, ...rest] = lines;
    const at12eb = rest.indexOf('    12eb:\t48 89 37             \tmov    %rsi,(%rdi)');
    const q = parse([header ?? '', ...rest.slice(0, at12eb + 1), '  #if defined(SLOW_PATH)', ...rest.slice(at12eb + 1)]);
    expect(at(q, 0x12eb)?.text).toBe('mov %rsi,(%rdi)');
    expect(q.parser.sourceLines).toBe(p.parser.sourceLines + 1);
  });

  it('reports such lines instead when told the listing has no source text', () => {
    const strict: Diagnostic[] = [];
    const parser = new ObjdumpParser({ source: path, sourceText: false, onDiagnostic: (d) => strict.push(d) }, () => undefined);
    for (const l of lines) parser.line(l);
    parser.end();
    expect(strict.length).toBe(p.parser.sourceLines);
    expect(strict[0]?.reason).toBe('not an objdump listing line');
  });
});

describe('GNU objdump -M intel and --no-show-raw-insn', () => {
  const att = parseFile(`${GUARD}/guard.objdump-d.txt`);

  it('-M intel: the same addresses and sizes, Intel operands', () => {
    const lines = linesOf(`${LISTINGS}/guard.objdump-d-intel.txt`);
    const p = parse(lines);
    //     12eb:	48 89 37             	mov    QWORD PTR [rdi],rsi
    expect(at(p, 0x12eb)?.text).toBe('mov QWORD PTR [rdi],rsi');
    expect(instructions(p).map((r) => [r.address, r.size])).toEqual(instructions(att).map((r) => [r.address, r.size]));
    expect(triples(p)).toEqual(regexReading(lines));
    expect(p.diagnostics).toEqual([]);
  });

  it('--no-show-raw-insn: the same addresses and texts, size 0', () => {
    const lines = linesOf(`${LISTINGS}/guard.objdump-d-noraw.txt`);
    const p = parse(lines);
    //     12eb:	mov    %rsi,(%rdi)
    expect(lines).toContain('    12eb:\tmov    %rsi,(%rdi)');
    expect(instructions(p).map((r) => [r.address, r.text])).toEqual(instructions(att).map((r) => [r.address, r.text]));
    expect(instructions(p).every((r) => r.size === 0)).toBe(true);
    expect(p.diagnostics).toEqual([]);
  });
});

describe('llvm-objdump 14 (x86-64)', () => {
  const path = `${LISTINGS}/guard.llvm-objdump-d.txt`;
  const lines = linesOf(path);
  const p = parse(lines, path);
  const gnu = parseFile(`${GUARD}/guard.objdump-d.txt`);

  it('reads the tab-separated header and llvm syntax', () => {
    // ../guard/guard:	file format elf64-x86-64
    expect(p.records[0]).toMatchObject({ kind: 'file', path: '../guard/guard', format: 'elf64-x86-64', tool: 'llvm' });
    //     12eb: 48 89 37                     	movq	%rsi, (%rdi)
    expect(at(p, 0x12eb)).toMatchObject({ size: 3, text: 'movq %rsi, (%rdi)' });
    // llvm never continues a line: all 8 bytes of the imul on one
    //     1344: 48 0f af 3d 2c 2d 00 00      	imulq	11564(%rip), %rdi       # 0x4078 <page_size>
    expect(at(p, 0x1344)).toMatchObject({ size: 8, text: 'imulq 11564(%rip), %rdi # 0x4078 <page_size>' });
    // 0000000000001020 <.plt>:
    expect(functions(p)[1]).toMatchObject({ address: 0x1020, name: '.plt' });
    expect(p.diagnostics).toEqual([]);
  });

  it('finds the same instruction addresses and sizes as GNU objdump', () => {
    expect(instructions(p).map((r) => [r.address, r.size])).toEqual(instructions(gnu).map((r) => [r.address, r.size]));
    expect(triples(p)).toEqual(regexReading(lines));
  });

  it('--no-show-raw-insn: blank byte column, same texts', () => {
    const q = parseFile(`${LISTINGS}/guard.llvm-objdump-d-noraw.txt`);
    //     12eb:      	movq	%rsi, (%rdi)
    expect(instructions(q).map((r) => [r.address, r.text])).toEqual(instructions(p).map((r) => [r.address, r.text]));
    expect(instructions(q).every((r) => r.size === 0)).toBe(true);
    expect(q.diagnostics).toEqual([]);
  });

  it('-dl: `; file:line` lines give the same source lines GNU -dl gives', () => {
    const q = parseFile(`${LISTINGS}/guard.llvm-objdump-dl.txt`);
    // ; write_field():
    // ; /work/main/samples/guard/guard.c:58
    expect(at(q, 0x12eb)?.srcline).toBe('/work/main/samples/guard/guard.c:58');
    const gnuDl = parseFile(`${GUARD}/guard.objdump-dl.txt`);
    const gnuLines = new Map(instructions(gnuDl).map((r) => [r.address, r.srcline]));
    const differing = instructions(q).filter((r) => gnuLines.get(r.address) !== r.srcline);
    expect(differing).toEqual([]);
    expect(q.diagnostics).toEqual([]);
  });

  it('-dS: `; source` lines are skipped and counted', () => {
    const lines = linesOf(`${LISTINGS}/guard.llvm-objdump-dS.txt`);
    const q = parse(lines);
    // ;   *slot = value;
    expect(lines).toContain(';   *slot = value;');
    expect(triples(q)).toEqual(triples(p));
    expect(q.parser.sourceLines).toBe(lines.filter((l) => l.startsWith(';')).length);
    expect(q.diagnostics).toEqual([]);
  });

  it('appends a comment continued on its own line to its instruction', () => {
    const q = parseFile(`${LISTINGS}/shapes.llvm-objdump-dC.txt`);
    //     13d2: f2 0f 10 05 96 0c 00 00      	movsd	3222(%rip), %xmm0       # xmm0 = mem[0],zero
    //                                                                        # 0x2070 <typeinfo name for geo::Square+0x18>
    expect(at(q, 0x13d2)?.text).toBe('movsd 3222(%rip), %xmm0 # xmm0 = mem[0],zero # 0x2070 <typeinfo name for geo::Square+0x18>');
    expect(at(q, 0x13da)?.text).toBe('callq 0x15b0 <Scale::operator()(double) const (.isra.0)>');
    expect(q.diagnostics).toEqual([]);
  });
});

describe('C++ (-C), .plt.sec and long encodings', () => {
  const path = `${LISTINGS}/shapes.objdump-dC.txt`;
  const lines = linesOf(path);
  const p = parse(lines, path);

  it('keeps demangled names whole: spaces, parentheses, templates', () => {
    expect(functions(p).find((f) => f.address === 0x1640)?.name).toBe('geo::Circle::stamp(char*) const');
    expect(functions(p).find((f) => f.address === 0x15b0)?.name).toBe('Scale::operator()(double) const [clone .isra.0]');
    expect(functions(p).find((f) => f.address === 0x1140)?.name).toBe('operator new(unsigned long)@plt');
    expect(functions(p).find((f) => f.name.startsWith('void std::vector<char*, std::allocator<char*> >::_M_realloc_insert<char* const&>('))?.address).toBe(0x17e0);
    // 00000000000011a0 <main.cold>:
    expect(functions(p).find((f) => f.address === 0x11a0)?.name).toBe('main.cold');
    expect(p.diagnostics).toEqual([]);
  });

  it('reads the IBT PLT section .plt.sec', () => {
    const sections = p.records.filter((r) => r.kind === 'section').map((r) => (r.kind === 'section' ? r.name : ''));
    expect(sections).toEqual(['.init', '.plt', '.plt.got', '.plt.sec', '.text', '.fini']);
    // 00000000000010f0 <printf@plt>:
    //     10f0:	f3 0f 1e fa          	endbr64
    expect(functions(p).find((f) => f.address === 0x10f0)?.name).toBe('printf@plt');
    expect(at(p, 0x10f0)?.text).toBe('endbr64');
  });

  it('adds the 10-byte movabs continuation: 7 bytes on the line, 3 on the next', () => {
    //     15c4:	48 b8 88 77 66 55 44 	movabs $0x1122334455667788,%rax
    //     15cb:	33 22 11 
    expect(at(p, 0x15c4)).toMatchObject({ size: 10, text: 'movabs $0x1122334455667788,%rax' });
    expect(at(p, 0x15ce)?.text).toBe('xor %rdi,%rax');
    expect(triples(p)).toEqual(regexReading(lines));
  });

  it('-dlC: demangled function-name lines (no extra `()`) are -l lines, not errors', () => {
    const lines = linesOf(`${LISTINGS}/shapes.objdump-dlC.txt`);
    const q = parse(lines);
    // 0000000000001640 <geo::Circle::stamp(char*) const>:
    // geo::Circle::stamp(char*) const:
    // /work/main/samples/listings/shapes.cpp:26
    expect(lines).toContain('geo::Circle::stamp(char*) const:');
    expect(at(q, 0x1640)?.srcline).toBe('/work/main/samples/listings/shapes.cpp:26');
    expect(triples(q)).toEqual(triples(p));
    expect(q.diagnostics).toEqual([]);
    expect(q.parser.sourceLines).toBe(0);
  });

  it('mangled -d and llvm -dC list the same code', () => {
    const mangled = parseFile(`${LISTINGS}/shapes.objdump-d.txt`);
    expect(functions(mangled).find((f) => f.address === 0x1640)?.name).toBe('_ZNK3geo6Circle5stampEPc');
    expect(instructions(mangled).map((r) => [r.address, r.size])).toEqual(instructions(p).map((r) => [r.address, r.size]));
    const llvm = parseFile(`${LISTINGS}/shapes.llvm-objdump-dC.txt`);
    expect(instructions(llvm).map((r) => [r.address, r.size])).toEqual(instructions(p).map((r) => [r.address, r.size]));
    // llvm prints the clone suffix its own way, and names .plt.sec after the section
    expect(functions(llvm).find((f) => f.address === 0x15b0)?.name).toBe('Scale::operator()(double) const (.isra.0)');
    expect(functions(llvm).find((f) => f.address === 0x10f0)?.name).toBe('.plt.sec');
  });
});

describe('aarch64', () => {
  it('GNU: the instruction word gives the size', () => {
    const lines = linesOf(`${LISTINGS}/guard-aarch64.objdump-d.txt`);
    const p = parse(lines);
    // guard-aarch64:     file format elf64-littleaarch64
    expect(p.records[0]).toMatchObject({ kind: 'file', path: 'guard-aarch64', format: 'elf64-littleaarch64', tool: 'gnu' });
    //  ba0:	f9000001 	str	x1, [x0]
    expect(at(p, 0xba0)).toMatchObject({ size: 4, text: 'str x1, [x0]' });
    expect(functions(p).find((f) => f.address === 0xba0)?.name).toBe('write_field');
    expect(instructions(p).every((r) => r.size === 4)).toBe(true);
    expect(triples(p)).toEqual(regexReading(lines));
    expect(p.diagnostics).toEqual([]);
  });

  it('GNU -dl: line info as on x86-64 (the path as the compiler was given it)', () => {
    const p = parseFile(`${LISTINGS}/guard-aarch64.objdump-dl.txt`);
    // /work/main/samples/listings/../guard/guard.c:58
    //  ba0:	f9000001 	str	x1, [x0]
    expect(at(p, 0xba0)?.srcline).toBe('/work/main/samples/listings/../guard/guard.c:58');
    expect(p.diagnostics).toEqual([]);
  });

  it('llvm: mapping symbols ($x) do not split functions', () => {
    const lines = linesOf(`${LISTINGS}/guard-aarch64.llvm-objdump-d.txt`);
    const p = parse(lines);
    // 0000000000000808 <$x>:
    //      808: fd 7b c1 a8  	ldp	x29, x30, [sp], #16
    expect(lines).toContain('0000000000000808 <$x>:');
    expect(p.parser.mappingSymbols).toBe(lines.filter((l) => / <\$x>:$/.test(l)).length);
    expect(functions(p).some((f) => f.name.startsWith('$'))).toBe(false);
    const gnu = parseFile(`${LISTINGS}/guard-aarch64.objdump-d.txt`);
    // .plt starts with one: named after its section, as GNU names it
    expect(functions(p).map((f) => [f.address, f.name])).toEqual(functions(gnu).map((f) => [f.address, f.name]));
    expect(instructions(p).map((r) => [r.address, r.size])).toEqual(instructions(gnu).map((r) => [r.address, r.size]));
    //      ba0: 01 00 00 f9  	str	x1, [x0]
    expect(at(p, 0xba0)?.text).toBe('str x1, [x0]');
    expect(p.diagnostics).toEqual([]);
  });
});

describe('kernel addresses and `...`', () => {
  for (const name of ['kernel.objdump-d.txt', 'kernel.llvm-objdump-d.txt']) {
    it(`${name}: addresses at 2^63 and above come as signed 64-bit values; \`...\` is a skip`, () => {
      const lines = linesOf(`${LISTINGS}/${name}`);
      const p = parse(lines);
      // ffffffff81000042 <bump>:
      // ffffffff81000042:	48 83 07 01          	addq   $0x1,(%rdi)
      const bump = Number(BigInt('0xffffffff81000042') - (1n << 64n));
      expect(functions(p).find((f) => f.name === 'bump')?.address).toBe(bump);
      expect(at(p, bump)?.size).toBe(4);
      // ffffffff81000000:	90                   	nop
      // 	...
      // ffffffff81000041:	c3                   	ret
      const kinds = p.records.map((r) => r.kind);
      const skip = kinds.indexOf('skip');
      expect(p.records[skip - 1]).toMatchObject({ kind: 'instruction', text: 'nop', address: Number(BigInt('0xffffffff81000000') - (1n << 64n)) });
      expect(p.records[skip + 1]).toMatchObject({ kind: 'instruction', address: Number(BigInt('0xffffffff81000041') - (1n << 64n)) });
      expect(p.diagnostics).toEqual([]);
    });
  }
});

describe('bad input', () => {
  it('reports every line of a perf script, never throws, makes no records', () => {
    const lines = linesOf(`${GUARD}/perf-script-mmap.txt`);
    const p = parse(lines);
    expect(p.records).toEqual([]);
    expect(p.diagnostics.length).toBe(lines.filter((l) => l !== '').length);
    expect(p.parser.bad).toBe(p.diagnostics.length);
    expect(p.diagnostics[0]).toEqual({ source: 'listing', line: 1, reason: 'not an objdump listing line' });
  });

  it('reports broken address lines inside a function with their line numbers', () => {
    const p = parse([
      'guard:     file format elf64-x86-64',
      'Disassembly of section .text:',
      '00000000000012eb <write_field>:',
      '    12eb:\t48 89 37             \tmov    %rsi,(%rdi)',
      '    12f0:\t00 ', // continuation at the wrong address
      '12345678901234567890 <too_long>:',
      '    12ee:\t', // nothing after the tab
      '    12ee:\tc3                   \tret',
      '\t...',
    ]);
    expect(p.diagnostics.map((d) => [d.line, d.reason])).toEqual([
      [5, 'continuation bytes at an address that does not follow the instruction above'],
      [6, 'address longer than 64 bits'],
    ]);
    // `    12ee:\t` with nothing after it is no instruction: in a GNU function it counts as source text
    expect(p.parser.sourceLines).toBe(1);
    expect(instructions(p).map((r) => r.text)).toEqual(['mov %rsi,(%rdi)', 'ret']);
    expect(p.records[p.records.length - 1]?.kind).toBe('skip');
  });

  it('reports instructions, continuations and `...` before any symbol header', () => {
    const p = parse(['guard:     file format elf64-x86-64', '    12eb:\t48 89 37             \tmov    %rsi,(%rdi)', '    134b:\t00 ', '\t...', '; a comment']);
    expect(p.records.map((r) => r.kind)).toEqual(['file']);
    expect(p.diagnostics.map((d) => d.line)).toEqual([2, 3, 4, 5]);
  });

  it('reports an address a double cannot hold exactly', () => {
    const p = parse(['0020000000000001 <odd>:']);
    expect(p.diagnostics[0]?.reason).toContain('above 2^53');
    expect(p.records).toEqual([]);
  });

  it('takes a header naming a hex-looking binary for a header', () => {
    // objdump -d add ; llvm-objdump -d add
    expect(parse(['add:     file format elf64-x86-64']).records[0]).toMatchObject({ kind: 'file', path: 'add', tool: 'gnu' });
    expect(parse(['add:\tfile format elf64-x86-64']).records[0]).toMatchObject({ kind: 'file', path: 'add', tool: 'llvm' });
  });

  it('never throws on arbitrary lines, and counts each bad one once', () => {
    const listing = linesOf(`${GUARD}/guard.objdump-dl.txt`);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom(...listing), fc.constantFrom('\t...', '    12eb:\t', ' 0:', '0 <>:', ':     file format ', ';', '    #', '00:\t00 \tx')), { maxLength: 60 }),
        (lines) => {
          const p = parse(lines);
          expect(p.parser.bad).toBe(p.diagnostics.length);
          expect(p.parser.lines).toBe(lines.length);
          for (const d of p.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
