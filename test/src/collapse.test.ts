// The Collapser on real records: stackcollapse-perf.pl's naming rules frame by
// frame, the stream rules (event filter, process names, periods), the
// differences we keep on purpose, and properties of the aggregation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PerfScriptScanner } from '../../parsers/perf-script-scan.js';
import { Collapser, collapseFrame, collapseInput, collapseLines, type CollapseOptions } from '../../src/collapse.js';
import { quote, sampleLines } from '../parsers/perf-script-helpers.js';

function collapse(lines: string[], options: CollapseOptions = {}): { lines: string[]; droppedEvents: Record<string, number> } {
  return collapseLines(lines, options);
}

/** Collapses one frame line (from a real capture) under a minimal header of the given comm. */
/** Collapses `bytes` through the byte scanner, written in pieces cut at `cuts`. */
function scanCut(bytes: Buffer, cuts: readonly number[], options: CollapseOptions = {}): { lines: string[]; distinctFrames: number } {
  const c = new Collapser(options);
  const scanner = new PerfScriptScanner({ source: 'cuts' }, c.line);
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    scanner.write(Buffer.from(bytes.subarray(at, cut)));
    at = cut;
  }
  scanner.write(Buffer.from(bytes.subarray(at)));
  scanner.end();
  c.end();
  return { lines: c.result().lines, distinctFrames: scanner.distinctFrames };
}

/**
 * Collapses `first` written in a buffer, then `second` written in the same buffer (padded to its
 * length with a comment line), as a reader refills its chunk; then `after`, if any, in a buffer of its own.
 */
function refilled(first: string, second: string, after?: string): { folded: string[]; droppedEvents: Record<string, number> } {
  const c = new Collapser();
  const scanner = new PerfScriptScanner({ source: 'refilled' }, c.line);
  const buf = Buffer.from(first, 'latin1');
  scanner.write(buf);
  Buffer.from(second + '#'.repeat(buf.length - second.length - 1) + '\n', 'latin1').copy(buf);
  scanner.write(buf);
  if (after !== undefined) scanner.write(Buffer.from(after, 'latin1'));
  scanner.end();
  c.end();
  return c.folded();
}

function name(rel: string, frameLine: string, options: CollapseOptions = {}, comm = 'x'): string {
  quote(rel, frameLine);
  const out = collapse([`${comm} 1 1.0: 1 page-faults: `, frameLine], options).lines;
  expect(out).toHaveLength(1);
  return (out[0] ?? '').replace(/^[^;]*;/, '').replace(/ 1$/, '');
}

describe('frame names (stackcollapse-perf.pl rules)', () => {
  it('drops the +0x offset and keeps the symbol', () => {
    expect(name('guard/perf-script.txt.gz', '\tffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])')).toBe('elf_load');
  });

  it('names [unknown] by its dso file name, or [unknown]; with addrs, adds the address', () => {
    const inLdso = '\t           348a8 [unknown] (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)';
    const unknown = '\t    7f1611ef2ad7 [unknown] ([unknown])';
    expect(name('guard/perf-script.txt.gz', unknown)).toBe('[unknown]');
    expect(name('guard/perf-script.txt.gz', unknown, { addrs: true })).toBe('[unknown <7f1611ef2ad7>]');
    const ld = sampleLines('guard/perf-script.txt.gz').find((l) => /^\t +[0-9a-f]+ \[unknown\] \(\/usr\/lib\/x86_64-linux-gnu\/ld-linux/.test(l)) ?? inLdso;
    expect(name('guard/perf-script.txt.gz', ld)).toBe('[ld-linux-x86-64.so.2]');
    expect(name('guard/perf-script.txt.gz', ld, { addrs: true })).toMatch(/^\[ld-linux-x86-64\.so\.2 <[0-9a-f]+>\]$/);
  });

  it('annotates kernel frames with kernel (and [vdso], as the reference does), not [unknown]', () => {
    expect(name('guard/perf-script.txt.gz', '\tffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])', { kernel: true })).toBe('elf_load_[k]');
    expect(name('shapes/cpu-clock.txt', '\t             79d [unknown] ([vdso])', { kernel: true })).toBe('[[vdso]]_[k]');
    expect(name('guard/perf-script.txt.gz', '\t    7f1611ef2ad7 [unknown] ([unknown])', { all: true })).toBe('[unknown]');
    expect(name('flamegraph:perf-dd-stacks-01.txt', '\t          414b3b fsnotify (/lib/modules/4.1.0-virtual/build/vmlinux)', { kernel: true })).toBe('fsnotify_[k]');
  });

  it('cuts C++ names at the first parenthesis that is not (anonymous namespace); keeps operator< and templates', () => {
    expect(name('shapes/cxx.txt', '\t            11af heap::(anonymous namespace)::scribble+0x25 (/work/main/samples/shapes/arena)')).toBe('heap::(anonymous namespace)::scribble');
    expect(name('shapes/cxx.txt', '\t            11ef main::{lambda(char*, int)#1}::operator()+0x25 (/work/main/samples/shapes/arena)')).toBe('main::{lambda');
    expect(name('shapes/cxx.txt', '\t            1385 heap::Slot::operator<+0x3 (/work/main/samples/shapes/arena)')).toBe('heap::Slot::operator<');
    expect(name('shapes/cxx.txt', '\t            1401 heap::Arena<char>::touch+0x29 (/work/main/samples/shapes/arena)')).toBe('heap::Arena<char>::touch');
  });

  it('keeps Go method names whole', () => {
    expect(name('shapes/go.txt.gz', '\t           81412 main.(*arena).touch+0x12 (/work/main/samples/shapes/goarena.bin)')).toBe('main.(*arena).touch');
  });

  it('annotates perf-map JIT frames with jit', () => {
    const line = '\t    7fd5c5c1d000 jit::store(char*, int) [tier 1]+0x0 (/tmp/perf-20075.map)';
    expect(name('shapes/callchain.txt.gz', line)).toBe('jit::store');
    expect(name('shapes/callchain.txt.gz', line, { jit: true })).toBe('jit::store_[j]');
  });

  it('reads a dso with a blank in it the way the reference does: the last `(\\S*)` group', () => {
    // stackcollapse-perf.pl takes `deleted)` for the dso and `[unknown] (/tmp/…` for the symbol,
    // then cuts at the parenthesis: `[unknown] ` with its trailing blank.
    expect(name('shapes/callchain.txt.gz', '\t               0 [unknown] (/tmp/shapes-code-BQCWAY (deleted))')).toBe('[unknown] ');
    expect(name('shapes/callchain.txt.gz', '\t               0 [unknown] (/memfd:shapes jit (deleted))')).toBe('[unknown] ');
  });

  it('tidies Java names for processes named java*: the L prefix of paths goes, `;` becomes `:`', () => {
    const line = '7f722d142778 Ljava/io/PrintStream;::print (/tmp/perf-19982.map)';
    expect(name('flamegraph:perf-java-stacks-02.txt', line, {}, 'java')).toBe('java/io/PrintStream:::print');
    expect(name('flamegraph:perf-java-stacks-02.txt', line, {}, 'node')).toBe('Ljava/io/PrintStream:::print');
  });

  it('removes quotes (FlameGraph corpus: a V8 RegExp)', () => {
    expect(name('flamegraph:perf-js-stacks-01.txt', '            13a80b608e0a RegExp:[&<>\\"\\\'] (/tmp/perf-7539.map)')).toBe('RegExp:[&<>\\\\]');
  });

  it('names an (inlined) frame by its symbol, without annotations', () => {
    expect(name('shapes/dwarf.txt', '\t            12fa poke+0xc (inlined)', { all: true })).toBe('poke');
  });
});

describe('the stream', () => {
  const twoEvents = quote(
    'guard/perf-script.txt.gz',
    `guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
	ffffffff82260400 exc_page_fault+0x2f0 ([kernel.kallsyms])
	ffffffff81000c82 asm_exc_page_fault+0x22 ([kernel.kallsyms])
	           1ab70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)

guard  2014  7537.692821:          1                 page-faults: 
	           1ab70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
`,
  ).lines;

  it('keeps the first event type a header ends with, and counts the dropped ones; eventFilter picks another', () => {
    // As in the reference, the tracepoint's header ends with its payload, so it names no event and is kept:
    // page-faults, the first header that ends with its event, is the event kept.
    const both = ['guard;_start 1', 'guard;_start;asm_exc_page_fault;exc_page_fault 1'];
    expect(collapse(twoEvents)).toEqual({ lines: both, droppedEvents: {} });
    expect(collapse(twoEvents, { eventFilter: 'page-faults' })).toEqual({ lines: both, droppedEvents: {} });
    expect(collapse(twoEvents, { eventFilter: 'cycles' })).toEqual({ lines: ['guard;_start;asm_exc_page_fault;exc_page_fault 1'], droppedEvents: { 'page-faults': 1 } });
    const twice = [...twoEvents, '', ...twoEvents.slice(5)];
    expect(collapse(twice, { eventFilter: 'cycles' }).droppedEvents).toEqual({ 'page-faults': 2 });
  });

  it('counts each dropped event, as many as take turns, in the order first met', () => {
    const events = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', '7'];
    const lines: string[] = [];
    for (let r = 0; r < 40; r++) lines.push(`x 1 1.${r}: 1 ${events[(r * 5 + (r >> 3)) % events.length]}: `, '\tffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])', '');
    const want: Record<string, number> = {};
    for (let r = 1; r < 40; r++) {
      const e = events[(r * 5 + (r >> 3)) % events.length]!;
      if (e !== 'e0') want[e] = (want[e] ?? 0) + 1;
    }
    const got = collapse(lines).droppedEvents;
    expect(got).toEqual(want);
    expect(Object.keys(got)).toEqual(Object.keys(want));
  });

  it('names the process comm, comm-PID or comm-PID/TID, `?` when perf printed only a tid, blanks as _', () => {
    const q = quote(
      'shapes/callchain.txt.gz',
      `worker one 20077  8621.266052:          1 page-faults: 
	            12fa touch_pages+0xc (/work/main/samples/shapes/shapes)
	           891f5 start_thread+0x305 (/usr/lib/x86_64-linux-gnu/libc.so.6)
`,
    ).lines;
    expect(collapse(q).lines).toEqual(['worker_one;start_thread;touch_pages 1']);
    expect(collapse(q, { pid: true }).lines).toEqual(['worker_one-?;start_thread;touch_pages 1']);
    expect(collapse(q, { tid: true }).lines).toEqual(['worker_one-?/20077;start_thread;touch_pages 1']);
    const pidTid = quote('flamegraph:perf-iperf-stacks-pidtid-01.txt', `iperf 27409/28744 [000] 441995.133575: cpu-clock: 
	          59fef5 copy_user_enhanced_fast_string (/lib/modules/4.3.0-rc1-virtual/build/vmlinux)`).lines;
    expect(collapse(pidTid, { tid: true }).lines).toEqual(['iperf-27409/28744;copy_user_enhanced_fast_string 1']);
  });

  it('sums periods per stack', () => {
    const q = quote(
      'flamegraph:perf-dd-stacks-01.txt',
      `dd 29776 666709.771979:   10101010 cpu-clock: 
	          414b3b fsnotify (/lib/modules/4.1.0-virtual/build/vmlinux)
	          3d6b4c vfs_read (/lib/modules/4.1.0-virtual/build/vmlinux)
	          3d6b9f sys_read (/lib/modules/4.1.0-virtual/build/vmlinux)
	          968f6e system_call (/lib/modules/4.1.0-virtual/build/vmlinux)
	           e5f70 read (/lib/x86_64-linux-gnu/libc-2.15.so)
	               0 [unknown] ([unknown])
`,
    ).lines;
    expect(collapse([...q, ...q]).lines).toEqual(['dd;[unknown];read;system_call;sys_read;vfs_read;fsnotify 20202020']);
  });

  it('prints the comm alone for an empty callchain', () => {
    const q = quote('shapes/dwarf.txt', 'shapes 20169  8626.096112:          1 page-faults: \n').lines;
    expect(collapse(q).lines).toEqual(['shapes 1']);
  });

  it('ignores side-band records', () => {
    const q = quote('shapes/callchain.txt.gz', 'shapes 20075  8621.265983: PERF_RECORD_FORK(20075:20077):(20075:20075)').lines;
    expect(collapse(q)).toEqual({ lines: [], droppedEvents: {} });
  });

  // Differences from the reference, kept on purpose (see src/collapse.ts).
  it('uses the header ip frame of output without a callchain (the reference prints the comm alone)', () => {
    const q = quote('shapes/hidden-callchain.txt', '          shapes 20075  8621.263104:          1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])').lines;
    expect(collapse(q).lines).toEqual(['shapes;elf_load 1']);
  });

  it('takes no ip frame from a header whose lone frame is the data address (its DWARF chain came out empty)', () => {
    // perf prints the address at the event's `: ` (`%16lx`), an ip a column on (` %16lx`)
    const q = quote('findings/cow.perf-script.txt.gz', 'cow 22542/22542 [001] 11575.203569:                      page-faults:     7ffeed070f60 [unknown] ([stack])\n').lines;
    expect(collapse(q).lines).toEqual(['cow 1']);
  });

  it('ends a record at the next header, as a blank line does (the reference merges back-to-back headers)', () => {
    const q = quote(
      'join/tracepoint-mmap.perf-script.txt',
      `          shapes 14793 [001]  9714.150679: exceptions:page_fault_user: address=0x7f28bad76b70 ip=0x7f28bad76b70 error_code=0x14
          shapes 14793 [001]  9714.150719: exceptions:page_fault_user: address=0x7f28bad8fe06 ip=0x7f28bad777ad error_code=0x6`,
    ).lines;
    expect(collapse(q).lines).toEqual(['shapes 2']);
  });

  it('passes bytes that are not UTF-8 through unchanged', () => {
    const text = readFileSync('test/conformance/shapes/collapse-raw-bytes.txt');
    const c = new Collapser();
    const scanner = new PerfScriptScanner({ source: 'raw' }, c.line);
    scanner.write(text);
    scanner.end();
    c.end();
    const out = Buffer.from(c.result().lines.join('\n') + '\n', 'latin1');
    expect(out.equals(readFileSync('test/conformance/shapes/results/collapse-raw-bytes-collapsed-default.txt'))).toBe(true);
  });
});

describe('aggregation', () => {
  const text = sampleLines('guard/perf-script.txt.gz').join('\n');
  const blocks = text.split('\n\n');

  it('counts every kept period once, and drops exactly the other events', () => {
    const { lines, droppedEvents } = collapse(text.split('\n'), { eventFilter: 'page-faults' });
    const total = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    // headers that end with `page-faults:` count their period, tracepoints (payload after the name) count 1 each
    const headers = blocks.map((b) => b.split('\n').find((l) => /^\S.* \d+\.\d+: /.test(l))).filter((h) => h !== undefined && !h.includes('PERF_RECORD_'));
    const own = headers.filter((h) => /:\s*(\d+)\s+page-faults:\s*$/.test(h!)).map((h) => Number(/:\s*(\d+)\s+page-faults:\s*$/.exec(h!)![1]));
    const others = headers.filter((h) => !/:\s*$/.test(h!));
    expect(total).toBe(own.reduce((a, b) => a + b, 0) + others.length);
    expect(droppedEvents).toEqual({});
    expect(lines).toEqual([...lines].sort());
    expect(new Set(lines.map((l) => l.slice(0, l.lastIndexOf(' ')))).size).toBe(lines.length);
  });

  it('does not depend on the order of the records', () => {
    const expected = collapse(text.split('\n'), { all: true });
    fc.assert(
      fc.property(fc.shuffledSubarray(blocks, { minLength: blocks.length, maxLength: blocks.length }), (shuffled) => {
        expect(collapse(shuffled.join('\n\n').split('\n'), { all: true })).toEqual(expected);
      }),
      { numRuns: 10 },
    );
  });

  it('grows with distinct stacks, not records: the same records ten times give the same lines, counts ×10', () => {
    const a = collapse(text.split('\n')).lines;
    const b = collapse(Array.from({ length: 10 }, () => text + '\n').join('\n').split('\n')).lines;
    expect(b.map((l) => l.slice(0, l.lastIndexOf(' ')))).toEqual(a.map((l) => l.slice(0, l.lastIndexOf(' '))));
    expect(b.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)))).toEqual(a.map((l) => 10 * Number(l.slice(l.lastIndexOf(' ') + 1))));
  });
});

describe('the byte scanner', () => {
  // Frames sharing their first 32 bytes (long C++ names with no address) are
  // told apart by their length and last bytes once a prefix is crowded.
  const frames = Array.from({ length: 40 }, (_, i) => `\tstd::vector<int, std::allocator<int> >::push_back${'_'.repeat(i % 7)}+0x${i.toString(16)} (/lib${i % 3}.so)`);
  const records = frames.flatMap((f, i) => [`xx 1 1.0: 1 page-faults: `, f, frames[(i * 7) % frames.length]!, '']);
  const expected = (): string[] => {
    const counts = new Map<string, number>();
    for (let i = 0; i < frames.length; i++) {
      const leaf = collapseFrame(frames[i]!, false, false, false, false);
      const caller = collapseFrame(frames[(i * 7) % frames.length]!, false, false, false, false);
      const k = `xx;${caller};${leaf}`;
      counts.set(k, (counts.get(k) ?? 0) + 2);
    }
    return [...counts].map(([k, v]) => `${k} ${v}`).sort();
  };

  it('tells apart many frames with the same first bytes, at any chunk cut', () => {
    const bytes = Buffer.from([...records, ...records].join('\n') + '\n');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 }), (cuts) => {
        const { lines, distinctFrames } = scanCut(bytes, cuts);
        expect(lines).toEqual(expected());
        expect(distinctFrames).toBe(frames.length);
      }),
      { numRuns: 30 },
    );
  });

  it('reads frame lines shorter than 32 bytes (`-F ip,sym`) from their bytes as it reads long ones, whole callchains included, at any chunk cut', () => {
    // short and long frames, each seen many times: found again by their bytes, their callchains as runs
    const short = Array.from({ length: 12 }, (_, i) => `\t${(0x1269 + i * 0x40).toString(16)} fn${i}+0x${i} (/x)`);
    const long = Array.from({ length: 4 }, (_, i) => `\tffffffff8177${i}b9a elf_load_with_a_long_name_${i}+0x28a ([kernel.kallsyms])`);
    const all = [...short, ...long];
    const chains = Array.from({ length: 40 }, (_, i) => [all[i % all.length]!, all[(i * 5 + 1) % all.length]!, short[(i * 7) % short.length]!]);
    const lines = Array.from({ length: 3 }, () => chains.flatMap((c, i) => [`xx ${i % 3} 1.0: 1 page-faults: `, ...c, ''])).flat();
    const want = collapse(lines, { pid: true }).lines;
    expect(want.length).toBeGreaterThan(30);
    expect(short.every((l) => l.length < 32)).toBe(true);
    const bytes = Buffer.from(lines.join('\n') + '\n');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 }), (cuts) => {
        const { lines, distinctFrames } = scanCut(bytes, cuts, { pid: true });
        expect(lines).toEqual(want);
        expect(distinctFrames).toBe(all.length);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps nothing of a chunk once write returns (the file reader reuses it): chunks scribbled over after each write', () => {
    // headers with and without callchains (a record without one takes its header's ip frame when it
    // ends), lines cut by the chunks, a last record with no blank line after it
    const headerOnly = Array.from({ length: 30 }, (_, i) => `zz${i % 4} 7 1.0: 1 page-faults:  ffffffff8177${i % 10}b9a fn${i % 13}+0x28a ([kernel.kallsyms])\n`);
    const text = [
      ...records,
      ...headerOnly,
      readFileSync('samples/odd/guard-c4.perf-script.txt', 'latin1'),
      readFileSync('samples/join/flat.perf-script.txt', 'latin1'),
      readFileSync('samples/odd/latin1.perf-script.txt', 'latin1').slice(0, 20000),
      ...headerOnly,
      'yy 2 2.0: 1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])',
    ].join('\n');
    const bytes = Buffer.from(text, 'latin1');
    const ends: number[] = [];
    for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) ends.push(i);
    const collapsed = (cuts: number[], scribble: boolean): { folded: string[]; droppedEvents: Record<string, number> } => {
      const c = new Collapser();
      const scanner = new PerfScriptScanner({ source: 'reused' }, c.line);
      let at = 0;
      for (const cut of [...cuts, bytes.length].sort((a, b) => a - b)) {
        const chunk = Buffer.from(bytes.subarray(at, cut));
        scanner.write(chunk);
        if (scribble) chunk.fill(0x41);
        at = cut;
      }
      scanner.end();
      c.end();
      return c.folded();
    };
    const expected = collapsed([], false);
    expect(expected.folded.join('')).toContain('zz3;fn3 ');
    // cuts anywhere, and at line ends (a record's blank line in the next chunk)
    const cut = fc.oneof(fc.integer({ min: 0, max: bytes.length }), fc.nat(ends.length - 1).chain((k) => fc.constantFrom(ends[k]!, ends[k]! + 1)));
    fc.assert(
      fc.property(fc.array(cut, { maxLength: 40 }), (cuts) => {
        expect(collapsed(cuts, true)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('finds side-band records in a buffer the reader refills: a chunk with none, then the same buffer with some', () => {
    // the scanner remembers where `PERF_RECORD_` is next in a chunk; a refilled buffer is another chunk
    const sample = 'xx 1 1.0: 1 page-faults: \n\tffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])\n\n';
    const side = 'xx 1 1.0: PERF_RECORD_MMAP2 1/1: [0x1(0x2) @ 0 fd:01 3 0]: r-xp /lib/x.so\n\n';
    expect(refilled(sample.repeat(4), (side + sample).repeat(2), side + sample)).toEqual({ folded: ['xx;elf_load 7\n'], droppedEvents: {} });
  });

  it("reads header frames in a buffer the reader refills: a chunk with no `)`, then the same buffer with some", () => {
    // the scanner remembers where the next `)` is in a chunk (headers without callchain hold none
    // but for their frames); a refilled buffer is another chunk
    const none = 'xx 1 1.0: 1 tp:x: a=1 b=2\n\n';
    const framed = 'yy 2 2.0: 1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])\n\n';
    expect(refilled(none.repeat(6), framed.repeat(2)).folded.join('')).toBe('xx 6\nyy;elf_load 2\n');
  });

  it('reads a file of many chunks (the reader reusing them) as it reads the same bytes gzipped', async () => {
    const guard = gunzipSync(readFileSync('samples/guard/perf-script.txt.gz')).toString('latin1');
    // ~4 MB: each round renames the task, so later chunks bring new roots, headers and frames
    const rounds: string[] = [];
    for (let r = 0, size = 0; size < 4 << 20; r++, size += guard.length) rounds.push(guard.replaceAll(/^guard /gm, `guard${r % 7} `).replaceAll('+0x1', `+0x${r % 3}`));
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-reuse-'));
    writeFileSync(join(dir, 'big.txt'), rounds.join('\n'), 'latin1');
    writeFileSync(join(dir, 'big.txt.gz'), gzipSync(Buffer.from(rounds.join('\n'), 'latin1')));
    const read = async (path: string): Promise<string> => {
      const c = new Collapser();
      await collapseInput(path, c);
      return c.folded().folded.join('');
    };
    const plain = await read(join(dir, 'big.txt'));
    expect(plain.split('\n').length).toBeGreaterThan(50);
    expect(plain).toBe(await read(join(dir, 'big.txt.gz')));
  });

  it("reports each bad line of a dropped event's callchain every time it comes, and no good one (checked once per distinct line)", () => {
    // no blank line between records: their callchains are read line by line, not as runs
    const record = (event: string, frames: string[]): string[] => [`xx 1 1.0: 1 ${event}: `, ...frames];
    const good = '\t    401136 main_of_the_program+0x10 (/a/b)';
    const bad = '\t    401136 main_of_the_program+0x10';
    const lines = [...record('page-faults', [good]), ...record('cycles', [good, bad]), ...record('cycles', [bad, good]), ...record('cycles', [good, bad])];
    const seen: number[] = [];
    const c = new Collapser({ onDiagnostic: (d) => seen.push(d.line) });
    const scanner = new PerfScriptScanner({ source: 'dropped' }, c.line);
    scanner.write(Buffer.from(lines.join('\n') + '\n'));
    scanner.end();
    c.end();
    expect(seen).toEqual([5, 7, 11]);
    expect(c.result()).toEqual({ lines: ['xx;main_of_the_program 1'], droppedEvents: { cycles: 3 } });
  });

  it("reports every bad line of a callchain met again as a run, kept or dropped, as when it is read line by line", () => {
    // `-F tid,time,event,ip,sym`: frames without (dso), which the reference cannot read; page-faults
    // kept, the other events dropped; and the same records again under another task, and with a dso
    const sample = gunzipSync(readFileSync('samples/odd/guard-run1.F-tid-time-event-ip-sym.txt.gz')).toString('latin1');
    const records = sample.split('\n\n').slice(0, 400);
    const renamed = records.map((r) => r.replace(/^ *\d+ /, ' 4242 '));
    const named = records.map((r) => r.replace(/^(\t *[0-9a-f]+ \S+)$/gm, '$1 (/a/b)'));
    const text = [...records, ...renamed, ...named, ...records].join('\n\n') + '\n';
    const read = (pieces: Buffer[], options: CollapseOptions): { lines: number[]; folded: string[] } => {
      const lines: number[] = [];
      const c = new Collapser({ ...options, onDiagnostic: (d) => lines.push(d.line) });
      const scanner = new PerfScriptScanner({ source: 'runs' }, c.line);
      for (const p of pieces) scanner.write(p);
      scanner.end();
      c.end();
      return { lines: lines.sort((a, b) => a - b), folded: c.result().lines };
    };
    // (with tid, the renamed records are another process's: their runs are met under two roots)
    for (const options of [{}, { tid: true }]) {
      const whole = read([Buffer.from(text, 'latin1')], options);
      // a line per write: no callchain is whole in a chunk, so none is found as a run
      const byLine = read(text.split('\n').map((l) => Buffer.from(l + '\n', 'latin1')), options);
      expect(whole.lines.length).toBeGreaterThan(3000);
      expect(whole).toEqual(byLine);
    }
  });

  it('answers perf script printed without record headers (-F ip,sym,symoff,dso,addr) with the error report gives it, from the first lines only', async () => {
    // samples/noip/*.ip-only.txt: with -g each line was a bad line; without -g no line was, and no stack came out
    for (const rel of ['samples/noip/g.ip-only.txt', 'samples/noip/nog.ip-only.txt']) {
      const seen: number[] = [];
      await expect(collapseInput(rel, new Collapser({ onDiagnostic: (d) => seen.push(d.line) }))).rejects.toMatchObject({
        name: 'InputError',
        message: `${rel}: perf script output without record headers: its -F list leaves out comm, tid, time and event (as -F ip,sym,symoff,dso,addr does), so no record tells its event, thread or time, and none is counted; add them to the list (perf script -F comm,tid,time,event,ip,sym,symoff,dso,addr)`,
      });
      expect(seen).toEqual([]);
    }
    // a record of a page fault at address 0 (a bare addr, no frame shape)
    const headerless = '               0';
    quote('noip/g.ip-only.txt', headerless);
    const record = ['xx 1 1.0: 1 page-faults: ', '\t401136 main+0x10 (/a/b)', ''];
    // after a record header, or past the first lines, it is a bad line as before
    const bad: number[] = [];
    expect(collapse([...record, headerless, ''], { onDiagnostic: (d) => bad.push(d.line) }).lines).toEqual(['xx;main 1']);
    const late = [...Array.from({ length: 50 }, () => '\t401136 main+0x10 (/a/b)'), '', headerless];
    expect(collapse([...late, ...record], { onDiagnostic: (d) => bad.push(d.line) }).lines).toEqual(['xx;main 1']);
    expect(bad).toEqual([4, 52]);
    // a record header without comm has the same shape, and is read as a header
    expect(collapse([' 5729 12446.891952:          1 page-faults:  401136 main+0x10 (/a/b)', '']).lines).toHaveLength(1);
  });

  it('reads a CRLF frame line the same as its LF twin', () => {
    const lf = collapse(['xx 1 1.0: 1 page-faults: ', '\t    401136 main_of_the_program+0x10 (/a/b)', '', 'xx 1 1.0: 1 page-faults: ', '\t    401136 main_of_the_program+0x10 (/a/b)\r', '']).lines;
    expect(lf).toEqual(['xx;main_of_the_program 2']);
  });
});
