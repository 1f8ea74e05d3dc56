// annotate on the real touch capture (samples/annotate): the per-instruction
// counts must be the ones perf annotate itself printed for the same perf.data.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotateReport, isProtectionCall, type Annotation } from '../../src/annotate.js';
import { runCli } from '../shared.js';
import { indexObjdumpFile, type DisasmIndex } from '../../src/disasm-index.js';
import type { Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { renderAnnotateJson, renderAnnotateText } from '../../viz/annotate.js';

const DIR = 'samples/annotate/';
const TRACE = DIR + 'touch.perf-script.txt';
const LISTING = DIR + 'touch.objdump-dl.txt';
const TRACEPOINT = 'exceptions:page_fault_user';

interface PerfAnnotated {
  dso: string;
  event: string;
  samples: number;
  function: string;
  address: string;
  /** instruction address → the value perf printed (period, or percent) */
  rows: Map<string, string>;
}

// perf annotate --stdio (tools/perf/util/annotate.c), one block per symbol:
//  Period      |	Source code & Disassembly of touch for page-faults (64 samples, percent: local period)
//              : 5    0000000000001236 <stamp>:
//            0 :   1236:   test   %rsi,%rsi
//           16 :   1249:   movb   $0x1,(%rdi)
//          : 56   char *p = base + i * page_size;          (a source line: no value)
// The percent form (-s FUNC without --show-total-period) prints `   25.00 :   1249:   movb …`.
function parsePerfAnnotate(text: string): PerfAnnotated[] {
  const blocks: PerfAnnotated[] = [];
  let current: PerfAnnotated | undefined;
  for (const line of text.split('\n')) {
    const head = /Source code & Disassembly of (\S+) for (\S+) \((\d+) samples/.exec(line);
    if (head !== null) {
      current = { dso: head[1]!, event: head[2]!, samples: Number(head[3]), function: '', address: '', rows: new Map() };
      blocks.push(current);
      continue;
    }
    if (current === undefined) continue;
    const fn = /^\s*:\s+\d+\s+([0-9a-f]+) <([^>]+)>:$/.exec(line);
    if (fn !== null) {
      current.address = fn[1]!.replace(/^0+/, '');
      current.function = fn[2]!;
      continue;
    }
    const row = /^\s*(\d+(?:\.\d+)?) :\s+([0-9a-f]+):\s/.exec(line);
    if (row !== null) current.rows.set(row[2]!, row[1]!);
  }
  return blocks;
}

let listing: DisasmIndex;
let byEvent: Record<string, Report>;
beforeAll(async () => {
  listing = await indexObjdumpFile(LISTING);
  byEvent = {
    'page-faults': await buildReport({ traces: [TRACE], objdump: [LISTING], events: ['page-faults'] }),
    [TRACEPOINT]: await buildReport({ traces: [TRACE], objdump: [LISTING] }),
  };
});

const annotate = (event: string, symbols?: string[]): Annotation =>
  annotateReport(byEvent[event]!, [listing], symbols !== undefined ? { symbols } : {});

const perfBlocks = () => parsePerfAnnotate(readFileSync(DIR + 'touch.perf-annotate.txt', 'utf8'));

describe('annotate against perf annotate on the same capture', () => {
  it('reads every block perf printed for touch (the file is what record.sh says)', () => {
    const blocks = perfBlocks();
    expect(blocks.map((b) => `${b.function} ${b.samples}`)).toEqual(['stamp 64', 'sum_pages 32', 'bump 8', '_start 1']);
    for (const b of blocks) expect(b.rows.size).toBeGreaterThan(2);
  });

  for (const event of ['page-faults', TRACEPOINT]) {
    it(`${event}: each instruction's count equals perf annotate's page-faults period`, () => {
      const a = annotate(event);
      for (const block of perfBlocks()) {
        const f = a.functions.find((x) => x.address === block.address && x.dso.endsWith('/touch'));
        expect(f, block.function).toBeDefined();
        expect(f!.symbol).toBe(block.function);
        expect(f!.counts[event]).toBe(block.samples);
        const ours = new Map(f!.instructions.map((i) => [i.address, String(i.counts[event] ?? 0)]));
        expect(new Map([...ours].filter(([address]) => block.rows.has(address)))).toEqual(block.rows);
        // perf stops at the symbol's size; the listing runs on to the next symbol
        // through alignment padding (_start: `hlt`, then `cs nopw`, `nopl`)
        const extra = f!.instructions.filter((i) => !block.rows.has(i.address));
        for (const i of extra) {
          expect(i.text).toMatch(/^(cs )?nop|^xchg %ax,%ax|^data16/);
          expect(i.count).toBe(0);
        }
      }
      // and nothing of touch beyond what perf annotated
      const perfFunctions = new Set(perfBlocks().map((b) => b.address));
      for (const f of a.functions) if (f.count > 0) expect(perfFunctions.has(f.address)).toBe(true);
    });
  }

  it("stamp's local percentages are the ones perf annotate -s stamp printed", () => {
    const [block] = parsePerfAnnotate(readFileSync(DIR + 'touch.perf-annotate-stamp.txt', 'utf8'));
    const stamp = annotate('page-faults').functions.find((f) => f.symbol === 'stamp')!;
    expect(block!.samples).toBe(stamp.count);
    const ours = new Map(stamp.instructions.map((i) => [i.address, ((100 * i.count) / stamp.count).toFixed(2)]));
    expect(ours).toEqual(block!.rows);
    // three stores of three widths, 16 + 16 + 32
    expect(stamp.instructions.filter((i) => i.count > 0).map((i) => `${i.text} ${i.count}`)).toEqual([
      'movb $0x1,(%rdi) 16',
      'movq $0x3,0x10(%rdi) 32',
      'movl $0x2,0x8(%rdi) 16',
    ]);
  });
});

describe('annotate', () => {
  it('accounts for every fault: annotated functions plus functions no listing covers make the report total', () => {
    for (const event of ['page-faults', TRACEPOINT]) {
      const a = annotate(event);
      const annotated = a.functions.reduce((s, f) => s + f.count, 0);
      const rest = a.unannotated.reduce((s, f) => s + f.count, 0);
      expect(annotated + rest).toBe(a.total);
      expect(a.total).toBe(byEvent[event]!.tree.value);
      for (const f of a.functions) expect(f.instructions.reduce((s, i) => s + i.count, 0)).toBe(f.count);
      // no listing for ld.so and libc: their faults are listed with the join's reason
      expect(new Set(a.unannotated.map((u) => u.reason.replace(/ for .*/, '')))).toEqual(new Set(['no objdump listing']));
    }
  });

  it("marks the protection site the report located (seal's call to mprotect) with its calls and faults", () => {
    const seal = annotate(TRACEPOINT).functions.find((f) => f.symbol === 'seal');
    expect(seal, 'seal holds a site whose pages faulted, so it is annotated without faults of its own').toBeDefined();
    expect(seal!.count).toBe(0);
    const marked = seal!.instructions.filter((i) => i.protection !== undefined);
    expect(marked.map((i) => [i.address, i.text, i.protection])).toEqual([
      ['12f5', 'call 10a0 <mprotect@plt>', { site: 'seal+0x33 [inferred] (touch)', calls: 8, faults: 8, denied: 8, prot: 'r--' }],
    ]);
    expect(marked[0]!.protectionCall).toBe(true);
  });

  it('annotates a function asked for by name even without faults: the handler’s unprotect and its site', () => {
    const a = annotate(TRACEPOINT, ['unprotect', 'bump', 'no_such_function']);
    expect(a.functions.map((f) => `${f.symbol} ${f.count}`)).toEqual(['bump 8', 'unprotect 0']);
    expect(a.missing).toEqual(['no_such_function']);
    const call = a.functions[1]!.instructions.find((i) => i.protectionCall)!;
    expect(call.protection).toEqual({ site: 'unprotect+0x10 [inferred] (touch)', calls: 8, faults: 0, denied: 0, prot: 'rw-' });
  });

  it('tells mprotect calls from other calls on real listing lines', () => {
    const calls = listing.functions().flatMap((f) => listing.functionInstructions(f.address)).filter((i) => /^(call|jmp)/.test(i.text));
    const protection = calls.filter(isProtectionCall).map((i) => `${i.function}: ${i.text}`);
    expect(protection).toEqual(['unprotect: call 10a0 <mprotect@plt>', 'seal: call 10a0 <mprotect@plt>']);
    expect(isProtectionCall({ text: 'jmp 101a30 <__mprotect>' })).toBe(true);
    expect(isProtectionCall({ text: 'callq 0x1130 <pkey_mprotect@plt>' })).toBe(true);
    expect(isProtectionCall({ text: 'call 10b0 <sysconf@plt>' })).toBe(false);
    expect(isProtectionCall({ text: 'call *%rax' })).toBe(false);
  });
});

describe('annotate goldens (refresh deliberately with vitest -u)', () => {
  it('touch, text like perf annotate --stdio', async () => {
    await expect(renderAnnotateText(annotate(TRACEPOINT))).toMatchFileSnapshot('../golden/annotate/touch.txt');
  });
  it('touch, text with 2 instructions of context', async () => {
    await expect(renderAnnotateText(annotate('page-faults'), { context: 2 })).toMatchFileSnapshot('../golden/annotate/touch-page-faults-context2.txt');
  });
  it('touch, json', async () => {
    await expect(renderAnnotateJson(annotate(TRACEPOINT))).toMatchFileSnapshot('../golden/annotate/touch.json');
  });
  it('guard: both mutators and the two protect functions', async () => {
    const guardListing = 'samples/guard/guard.objdump-dl.txt';
    const report = await buildReport({ traces: ['samples/guard/perf-script.txt.gz'], objdump: [guardListing] });
    const a = annotateReport(report, [await indexObjdumpFile(guardListing)]);
    expect(a.functions.slice(0, 2).map((f) => `${f.symbol} ${f.count}`)).toEqual(['write_field 48', 'write_header 16']);
    await expect(renderAnnotateText(a, { context: 3 })).toMatchFileSnapshot('../golden/annotate/guard-context3.txt');
  });
});

describe('annotate over a stripped library listing', () => {
  it("annotates perf's function inside the listing's exported-symbol label (libc memset)", async () => {
    const listings = ['samples/guard/guard.objdump-dl.txt', 'samples/guard/libc.objdump-dl.txt.gz'];
    const report = await buildReport({ traces: ['samples/guard/perf-script.txt.gz'], objdump: listings });
    const a = annotateReport(report, await Promise.all(listings.map((l) => indexObjdumpFile(l))));
    const memset = a.functions.find((f) => f.symbol === '__memset_avx512_unaligned_erms')!;
    // the listing calls this code <__nss_database_lookup@GLIBC_2.2.5>+0x1c07a; perf's symbol+offset gives the start
    expect(memset.address).toBe('16e040');
    expect(memset.count).toBe(16);
    expect(memset.instructions.filter((i) => i.count > 0).map((i) => `${i.address} ${i.text} ${i.count}`)).toEqual(['16e0ba rep stos %al,%es:(%rdi) 16']);
    // it stops at the alignment padding after its last fault, not at the end of the label's range
    const last = memset.instructions[memset.instructions.length - 1]!;
    expect(memset.instructions.length).toBeLessThan(200);
    expect(last.text).not.toMatch(/nop/);
    // every resolved libc fault is in some annotated function; the sums still hold
    const total = a.functions.reduce((s, f) => s + f.count, 0) + a.unannotated.reduce((s, f) => s + f.count, 0);
    expect(total).toBe(report.tree.value);
    for (const f of a.functions) expect(f.instructions.reduce((s, i) => s + i.count, 0), f.symbol).toBe(f.count);
    await expect(renderAnnotateText(a, { context: 2 })).toMatchFileSnapshot('../golden/annotate/guard-libc-context2.txt');
  });

  it("reads perf's functions inside a label a window at a time as the label's whole instructions give them", async () => {
    const listings = ['samples/guard/guard.objdump-dl.txt', 'samples/guard/libc.objdump-dl.txt.gz'];
    const report = await buildReport({ traces: ['samples/guard/perf-script.txt.gz'], objdump: listings });
    const indexes = await Promise.all(listings.map((l) => indexObjdumpFile(l)));
    // the same listings with windows of at most 3 instructions, and with none (every function read whole)
    const narrow = indexes.map((x) => Object.assign(Object.create(x) as DisasmIndex, { around: (address: number, before: number, after: number) => x.around(address, before, Math.min(after, 3)) }));
    const none = indexes.map((x) => Object.assign(Object.create(x) as DisasmIndex, { around: () => [] }));
    const strip = (a: Annotation): { symbol: string }[] => JSON.parse(JSON.stringify(a.functions)) as { symbol: string }[];
    const whole = strip(annotateReport(report, none));
    expect(strip(annotateReport(report, indexes))).toEqual(whole);
    expect(strip(annotateReport(report, narrow))).toEqual(whole);
    expect(whole.some((f) => f.symbol === '__memset_avx512_unaligned_erms')).toBe(true);
  });
});

describe('faultpath annotate (CLI)', () => {
  const run = runCli;

  it('prints what the library renders, text and json', async () => {
    const text = await run(['annotate', TRACE, '--objdump', LISTING, '-q']);
    expect(text).toEqual({ code: 0, out: renderAnnotateText(annotate(TRACEPOINT)), err: '' });
    const json = await run(['annotate', TRACE, '--objdump', LISTING, '--event', 'page-faults', '--symbol', 'stamp,bump', '-f', 'json', '-q']);
    expect(json.out).toBe(renderAnnotateJson(annotate('page-faults', ['stamp', 'bump'])));
    const context = await run(['annotate', TRACE, '--objdump', LISTING, '--context', '1', '-q']);
    expect(context.out).toBe(renderAnnotateText(annotate(TRACEPOINT), { context: 1 }));
  });

  it('rejects a bad --context with exit code 2', async () => {
    const r = await run(['annotate', TRACE, '--objdump', LISTING, '--context', '-1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("expected a whole number, got '-1'");
  });
});
