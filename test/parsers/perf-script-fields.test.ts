// The header fields a page-fault user adds (samples/fields, record.sh): fields.c's page faults
// recorded with data addresses (-d), physical addresses, data and code page sizes, weight (-W)
// and the cpu, with and without -g, printed with the -F lists such users pass. perf 6.1 prints
// them after the event name (builtin-script.c, process_event): flags (`  %-21s `), the payload,
// addr (`%16lx sym+off (dso)`), data_src (`%16lx |OP …|`), weight (`%16lu`), the ip (` %16lx
// sym+off (dso)`, or a newline and the callchain), then phys_addr (`%16lx`) and the page sizes
// (` %s`), which with -g land on a line of their own after the last frame. Every reader must see
// in each the stacks of perf script's default fields, the data addresses of `-F +addr`, and perf
// report's symbols and counts; the line parser, the byte reader and reused records alike.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PerfScriptParser } from '../../parsers/perf-script.js';
import { PerfScriptScanner } from '../../parsers/perf-script-scan.js';
import { Collapser, collapseLines } from '../../src/collapse.js';
import type { SampleRecord, TraceRecord } from '../../src/model.js';
import { quote, readBytesInTwo, SAMPLES } from './perf-script-helpers.js';

type Read = { event: string; time: number; tid: number; addr: string | undefined; stack: string[] };

function copy(r: TraceRecord, out: Read[]): void {
  if (r.kind !== 'sample') return;
  const s = r as SampleRecord;
  out.push({ event: s.event, time: s.time, tid: s.tid, addr: s.addr, stack: s.stack.map((f) => `${f.addr} ${f.symbol}+${f.offset} (${f.dso})${f.srcline === undefined ? '' : ' ' + f.srcline}`) });
}

function viaLines(text: string): { records: Read[]; bad: number } {
  const records: Read[] = [];
  const p = new PerfScriptParser({ source: 's', reuseRecords: false }, (r) => copy(r, records));
  for (const l of text.split('\n')) p.line(l);
  p.end();
  return { records, bad: p.diagnostics };
}

function viaBytes(text: string, reuseRecords: boolean): Read[] {
  const out: Read[] = [];
  readBytesInTwo(text, reuseRecords, (r) => copy(r, out));
  return out;
}

/** What every path reads: the line parser's records, checked equal to the byte reader's, reused or not. */
function readAll(text: string): Read[] {
  const { records, bad } = viaLines(text);
  expect(bad).toBe(0);
  expect(viaBytes(text, false)).toEqual(records);
  expect(viaBytes(text, true)).toEqual(records);
  return records;
}

const text = (name: string): string => gunzipSync(readFileSync(`${SAMPLES}fields/${name}.txt.gz`)).toString('utf8');

// perf report --stdio -n --sort sym: samples per symbol of an event (`    28.83%            32  [.] read_pages`)
function perfReport(run: string, event: string): Map<string, number> {
  const m = new Map<string, number>();
  let on = false;
  for (const l of readFileSync(`${SAMPLES}fields/${run}.report.txt`, 'utf8').split('\n')) {
    if (l.startsWith('# Samples:')) on = l.includes(`'${event}'`);
    const x = /^\s+[\d.]+%\s+(\d+)\s+\[[.k]\]\s+(.*?)\s*$/.exec(l);
    if (on && x !== null) m.set(x[2]!, (m.get(x[2]!) ?? 0) + Number(x[1]));
  }
  return m;
}

/** Folded stacks of `t` by collapse's byte scanner. */
function scan(t: string): string[] {
  const c = new Collapser();
  const scanner = new PerfScriptScanner({ source: 'fields' }, c.line);
  scanner.write(Buffer.from(t, 'latin1'));
  scanner.end();
  c.end();
  return c.result().lines;
}

const RUNS = ['g', 'nog'] as const;
// -F lists (record.sh), whether each prints the data address and the ip (or callchain)
const COMBOS: { name: string; addr: boolean; ip: boolean }[] = [
  { name: 'all', addr: true, ip: true },
  { name: 'weight', addr: false, ip: true },
  { name: 'data_src', addr: false, ip: true },
  { name: 'phys', addr: true, ip: true },
  { name: 'pagesize', addr: true, ip: true },
  { name: 'flags-addr', addr: true, ip: false },
  { name: 'recipe', addr: true, ip: true },
];

describe('samples/fields: the header fields a page-fault user adds', () => {
  describe.each(RUNS)('%s', (run) => {
    const reference = readAll(text(`${run}.default`));
    const addresses = readAll(text(`${run}.addr`));
    const faults = (rs: Read[]): Read[] => rs.filter((r) => r.event === 'page-faults');

    it('the references: every page fault with a data address (-F +addr) and a stack (default fields) whose leaves count as perf report', () => {
      expect(faults(addresses).every((r) => r.addr !== undefined && /^[0-9a-f]+$/.test(r.addr))).toBe(true);
      expect(faults(addresses).map((r) => r.stack)).toEqual(faults(reference).map((r) => r.stack));
      const leaves = new Map<string, number>();
      for (const r of faults(reference)) {
        const leaf = r.stack[0]!.split(' ')[1]!.replace(/\+-?\d+$/, '');
        leaves.set(leaf, (leaves.get(leaf) ?? 0) + 1);
      }
      const perf = perfReport(run, 'page-faults');
      expect([...perf.values()].reduce((a, b) => a + b, 0)).toBe(faults(reference).length);
      for (const [sym, n] of perf) if (!sym.startsWith('0x')) expect(leaves.get(sym), sym).toBe(n);
    });

    it.each(COMBOS)('-F $name: each record as the references read it', ({ name, addr, ip }) => {
      const got = readAll(text(`${run}.${name}`));
      expect(got.map((r) => [r.event, r.time, r.tid])).toEqual(reference.map((r) => [r.event, r.time, r.tid]));
      const want = faults(reference).map((r, i) => ({ addr: addr ? faults(addresses)[i]!.addr : undefined, stack: ip ? r.stack : [] }));
      expect(faults(got).map((r) => ({ addr: r.addr, stack: r.stack }))).toEqual(want);
    });

    it.each(COMBOS.filter((c) => c.ip))('-F $name: collapse counts perf report\'s symbols (line and byte readers)', ({ name }) => {
      // the page-faults records (the tracepoint's, whose header does not end with its event, are always kept)
      let keep = false;
      const lines = text(`${run}.${name}`)
        .split('\n')
        .filter((l) => {
          if (!l.startsWith('\t') && l.includes(': ')) keep = l.includes(' page-faults: ');
          return keep;
        });
      const t = lines.join('\n');
      const perf = perfReport(run, 'page-faults');
      const byLines = collapseLines(lines).lines;
      expect(scan(t)).toEqual(byLines);
      const leaves = new Map<string, number>();
      for (const l of byLines) {
        const sp = l.lastIndexOf(' ');
        const leaf = l.slice(0, sp).split(';').at(-1)!;
        leaves.set(leaf, (leaves.get(leaf) ?? 0) + Number(l.slice(sp + 1)));
      }
      expect([...leaves.values()].reduce((a, b) => a + b, 0)).toBe(faults(reference).length);
      for (const [sym, n] of perf) if (!sym.startsWith('0x')) expect(leaves.get(sym), sym).toBe(n);
    });
  });

  it('a weight where the address goes (-F +weight, no addr) is no data address', () => {
    const q = quote(
      'fields/nog.weight.txt.gz',
      '          fields 22429 [001] 86544.078336:          1                page-faults:                0 ffffffff8177819a elf_load+0x28a ([kernel.kallsyms])',
    );
    expect(readAll(q.lines.join('\n'))).toEqual([{ event: 'page-faults', time: 86544.078336, tid: 22429, addr: undefined, stack: ['ffffffff8177819a elf_load+650 ([kernel.kallsyms])'] }]);
  });

  it('data_src where the address goes (-F +data_src, no addr) is no data address, and no frame', () => {
    const q = quote(
      'fields/g.data_src.txt.gz',
      [
        'fields 22426 [001] 86542.874422:          1                page-faults:       1e05080021 |OP N/A|LVL N/A or N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A',
        '\t           1b7ad _dl_start+0x3d (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
        '\t           1ab78 _dl_start_user+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
        '',
      ].join('\n'),
    );
    const [r] = readAll(q.lines.join('\n'));
    expect(r!.addr).toBeUndefined();
    expect(r!.stack).toHaveLength(2);
  });

  it('the data address after blank -F flags, with no ip, is the address: no frame', () => {
    const q = quote('fields/nog.flags-addr.txt.gz', '          fields 22429 86544.078336:                page-faults:                             5576f6c40020 __TMC_END__+0x0 (/work/wt/audit/samples/fields/fields)');
    expect(readAll(q.lines.join('\n'))).toEqual([{ event: 'page-faults', time: 86544.078336, tid: 22429, addr: '5576f6c40020', stack: [] }]);
    // collapse takes no ip frame from it either: the comm alone, as for a record without frames (line and byte readers)
    expect(collapseLines([...q.lines, '']).lines).toEqual(['fields 1']);
    expect(scan([...q.lines, ''].join('\n'))).toEqual(['fields 1']);
    // nor from any record of the capture (each prints the address and its symbol, no ip)
    for (const run of RUNS) {
      const folded = scan(text(`${run}.flags-addr`));
      expect(folded).toEqual(collapseLines(text(`${run}.flags-addr`).split('\n')).lines);
      expect(folded.filter((l) => l.includes(';'))).toEqual([]);
    }
  });

  it('phys_addr and page sizes after a callchain are a line of their own, no frame and no srcline', () => {
    const q = quote(
      'fields/g.all.txt.gz',
      [
        '\t           1b7ad _dl_start+0x3d (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
        '\t           1ab78 _dl_start_user+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
        '               0 N/A 4K',
      ].join('\n'),
    );
    const header = quote('fields/g.all.txt.gz', 'fields 22426 [001] 86542.874422:          1                page-faults:                             7f0fb61e9e06 _rtld_global+0xde6 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)      1e05080021 |OP N/A|LVL N/A or N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A               0');
    expect(header.line + 1).toBe(q.line);
    const [r] = readAll([...header.lines, ...q.lines].join('\n'));
    expect(r!.addr).toBe('7f0fb61e9e06');
    expect(r!.stack).toEqual(['1b7ad _dl_start+61 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)', '1ab78 _dl_start_user+0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)']);
  });

  // perf 6.1's printing of one page-faults sample with the fields above (process_event).
  const hex = (digits: number): fc.Arbitrary<string> => fc.bigInt({ min: 0n, max: (1n << BigInt(4 * digits)) - 1n }).map((v) => v.toString(16));
  const sym = fc.constantFrom('[unknown]', 'main+0x1a', '_dl_start+0x0', 'jit::f(char*, int) [tier 1]+0x3', 'elf_load+0x28a');
  const dso = fc.constantFrom('[stack]', '//anon', '/lib/x.so', '[kernel.kallsyms]', '/memfd:shapes jit (deleted)');
  const size = fc.constantFrom('N/A', '4K', '2M', '1G', '1024B');
  const sample = fc.record({
    flags: fc.boolean(),
    showSym: fc.boolean(),
    showDso: fc.boolean(),
    addr: fc.option(hex(12), { nil: undefined }),
    addrSym: sym,
    addrDso: dso,
    dataSrc: fc.option(fc.constantFrom('1e05080021', '0', '29920842'), { nil: undefined }),
    weight: fc.option(fc.nat({ max: 100000 }).map(String), { nil: undefined }),
    ip: fc.oneof(
      fc.record({ line: fc.tuple(hex(16), sym, dso) }),
      fc.record({ chain: fc.array(fc.tuple(hex(16), sym, dso), { maxLength: 3 }) }),
      fc.constant({ none: true as const }),
    ),
    phys: fc.option(hex(13), { nil: undefined }),
    dataPageSize: fc.option(size, { nil: undefined }),
    codePageSize: fc.option(size, { nil: undefined }),
  });
  type Sample = typeof sample extends fc.Arbitrary<infer T> ? T : never;

  function frameText(s: Sample, [a, y, d]: [string, string, string]): string {
    return a.padStart(16) + (s.showSym ? ` ${y}` : '') + (s.showDso ? ` (${d})` : '');
  }

  function print(s: Sample, i: number): string {
    let line = `fields 10 [000] ${100 + i}.000001:          1 page-faults: `;
    if (s.flags) line += `  ${''.padEnd(21)} `;
    if (s.addr !== undefined) line += frameText(s, [s.addr, s.addrSym, s.addrDso]);
    if (s.dataSrc !== undefined) line += `${s.dataSrc.padStart(16)} |OP N/A|LVL N/A or N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A`;
    if (s.weight !== undefined) line += s.weight.padStart(16);
    let after = '';
    if (s.phys !== undefined) after += s.phys.padStart(16);
    if (s.dataPageSize !== undefined) after += ` ${s.dataPageSize}`;
    if (s.codePageSize !== undefined) after += ` ${s.codePageSize}`;
    if ('line' in s.ip) return `${line} ${frameText(s, s.ip.line)}${after}\n`;
    if ('chain' in s.ip) return `${line}\n${s.ip.chain.map((f) => `\t${frameText(s, f)}\n`).join('')}${after}\n`;
    return `${line}${after}\n`;
  }

  function expected(s: Sample): { addr: string | undefined; ips: string[] } {
    const ips = 'line' in s.ip ? [s.ip.line[0]] : 'chain' in s.ip ? s.ip.chain.map((f) => f[0]) : [];
    return { addr: s.addr, ips };
  }

  // where nothing tells a weight (or, with no ip, a phys_addr) from an address: no addr before it, and no frame with a symbol or dso beside it
  const knowable = (s: Sample): boolean =>
    s.addr !== undefined ||
    s.dataSrc !== undefined ||
    (s.weight !== undefined ? expected(s).ips.length > 0 && (s.showSym || s.showDso) : s.phys === undefined || !('none' in s.ip));

  it('reads each printing: flags, addr, data_src, weight, the ip or callchain (or none), phys_addr and page sizes', () => {
    fc.assert(
      fc.property(fc.array(sample.filter(knowable), { minLength: 1, maxLength: 10 }), (samples) => {
        const got = readAll(samples.map(print).join(''));
        expect(got.map((r) => ({ addr: r.addr, ips: r.stack.map((f) => f.slice(0, f.indexOf(' '))) }))).toEqual(samples.map(expected));
        expect(got.every((r) => r.stack.every((f) => !/\d[BKMGTPEZY]$|N\/A$/.test(f)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
