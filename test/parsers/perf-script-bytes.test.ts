// The byte reader in front of PerfScriptParser gives what LineSplitter's lines
// give it: the same records, line numbers and diagnostics, for any chunking,
// with CRLF, bytes that are not UTF-8, multi-byte characters and overlong
// lines (measured in UTF-16 units, as the splitter measures them).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../parsers/lines.js';
import { PerfScriptByteReader } from '../../parsers/perf-script-bytes.js';
import { frameStarts, PerfScriptParser } from '../../parsers/perf-script.js';
import { RestBytes } from '../../parsers/perf-script-header-bytes.js';
import { viewOf } from '../../parsers/line-table.js';
import type { Diagnostic, TraceRecord } from '../../src/model.js';
import { sampleLines } from './perf-script-helpers.js';

type Read = { records: TraceRecord[]; diagnostics: Diagnostic[]; lines: number };

function viaLines(bytes: Buffer, cuts: number[], max: number): Read {
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const p = new PerfScriptParser({ source: 's', onDiagnostic: (d) => diagnostics.push(d) }, (r) => records.push(r));
  const splitter = new LineSplitter((l) => p.line(l), {
    maxLineLength: max,
    onOverlong: (line, length) => {
      diagnostics.push({ source: 's', line, reason: `line of ${length} characters is longer than the maximum line length; skipped` });
      p.skip();
    },
  });
  let at = 0;
  for (const cut of cuts) {
    splitter.write(bytes.subarray(at, cut));
    at = cut;
  }
  splitter.write(bytes.subarray(at));
  splitter.end();
  p.end();
  return { records: withoutStackIds(records), diagnostics, lines: p.lines };
}

function viaBytes(bytes: Buffer, cuts: number[], max: number): Read {
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const sink = (d: Diagnostic): number => diagnostics.push(d);
  const reader = new PerfScriptByteReader(new PerfScriptParser({ source: 's', onDiagnostic: sink }, (r) => records.push(r)), { source: 's', onDiagnostic: sink, maxLineLength: max });
  // each chunk is overwritten once written, as a file reader refills it (the reader copiesChunks)
  const write = (chunk: Buffer): void => {
    reader.write(chunk);
    chunk.fill('~');
  };
  expect(reader.copiesChunks).toBe(true);
  let at = 0;
  for (const cut of cuts) {
    write(Buffer.from(bytes.subarray(at, cut)));
    at = cut;
  }
  write(Buffer.from(bytes.subarray(at)));
  reader.end();
  return { records: withoutStackIds(records), diagnostics, lines: reader.lines };
}

// The parser numbers the stacks it keeps one array of (a callchain from the byte reader, a
// header frame), so the two paths number different ones: one number per stack array, one
// array per number, checked here, then taken off for the comparison.
function withoutStackIds(records: TraceRecord[]): TraceRecord[] {
  const stackOf = new Map<number, readonly unknown[]>();
  const idOf = new Map<readonly unknown[], number>();
  return records.map((r) => {
    if (r.kind !== 'sample' || r.stackId === undefined) return r;
    const { stackId, ...rest } = r;
    expect(stackOf.get(stackId) ?? r.stack).toBe(r.stack);
    expect(idOf.get(r.stack) ?? stackId).toBe(stackId);
    stackOf.set(stackId, r.stack);
    idOf.set(r.stack, stackId);
    return rest;
  });
}

describe('perf script from bytes', () => {
  const lines = sampleLines('guard/perf-script.txt.gz').slice(0, 600);
  // a frame line of multi-byte characters: more bytes than UTF-16 units
  const wide = `\t    7f1611ef2ad7 ${'€'.repeat(30)}+0x1 (/lib/x.so)`;
  const odd = ['\xff\xfe', 'é', '€', '\r', ' ', '\t'];

  it('reads what the line splitter reads, for any chunking, edits and maximum line length', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(lines.length - 1), fc.nat(odd.length - 1), fc.nat(200), fc.boolean()), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.constantFrom(40, 64, 100, 1 << 20),
        (edits, cutAt, max) => {
          const text = [...lines];
          for (const [i, o, pos, wideLine] of edits) {
            const l = text[i]!;
            const p = pos % (l.length + 1);
            text[i] = wideLine ? wide : l.slice(0, p) + odd[o]! + l.slice(p);
          }
          const bytes = Buffer.from(text.join('\n') + '\n', 'latin1');
          const cuts = cutAt.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
          expect(viaBytes(bytes, cuts, max)).toEqual(viaLines(bytes, cuts, max));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps a line with more bytes than the maximum but fewer characters, also across a chunk edge', () => {
    const bytes = Buffer.from(['guard  2014  7537.692370:          1                 page-faults: ', wide, ''].join('\n'));
    const wideBytes = Buffer.byteLength(wide);
    const max = wide.length + 2;
    expect(wideBytes).toBeGreaterThan(max);
    const cut = bytes.indexOf('€') + 20;
    const read = viaBytes(bytes, [cut], max);
    expect(read.diagnostics).toEqual([]);
    expect(read).toEqual(viaLines(bytes, [cut], max));
    expect(viaBytes(bytes, [cut], wide.length - 1).diagnostics.map((d) => d.reason)).toContain(`line of ${wide.length} characters is longer than the maximum line length; skipped`);
  });

  it('reads a header from its bytes as from its text: any comm, time, period, event and rest, blanks beyond ASCII too', () => {
    // pieces of headers as perf prints them, and what may break a byte scan: multi-byte and non-ASCII blanks (U+00A0, U+2003), colons, long digit runs
    const comms = ['guard', 'worker one', '          shapes', 'jé t€st', 'a:b 1.5: x', 'sp\u00a0ace', '\u2003em', 'n\u00a02.5: b', 'n 2.5:\u00a0b', ''];
    const tasks = [' 2014', ' 2014/2015', '  10377/10377 [001]', ' -1/0 [000]', ' 12 2026-11-25 11:02:26.673708'];
    const times = [' 7537.692370:', ' 1081.407826:', '  0.000000:', ' 123456789012.123456789:', ' 1.5:\u00a0', ' 1.5:', '\u00a0261.747218:'];
    const periods = ['', '          1 ', ' 250000 ', ' 123456789012345678901 ', '\u00a012 '];
    const events = [' page-faults:', ' exceptions:page_fault_user:', '                 page-faults:', ' cycles:u:', ' sys\u00e9:', ' ev:\u2003', ' noevent'];
    const rests = [
      '',
      ' ',
      '     5623dd329060 __TMC_END__+0x0 (/work/fanout)',
      ' address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14',
      '     7f305a5d9000 [unknown] (//anon)     7f305a5e1000 [unknown] (/memfd:shapes jit (deleted))',
      ' start: 0x7f740db86000, len: 0x00004000, prot: 0x00000001               0  \t',
      '     5623dd329060 caf\u00e9+0x0 (/tmp/x)',
      ' PERF_RECORD_COMM exec: shapes:12256/12256',
      ' x 3.25: y:',
    ];
    const frame = '\t    7f1611ef2ad7 main+0x1 (/lib/x.so)';
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(comms.length - 1), fc.nat(tasks.length - 1), fc.nat(times.length - 1), fc.nat(periods.length - 1), fc.nat(events.length - 1), fc.nat(rests.length - 1), fc.nat(3)), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (headers, cutAt) => {
          const text: string[] = [];
          for (const [c, t, ti, p, e, r, frames] of headers) {
            text.push(comms[c]! + tasks[t]! + times[ti]! + periods[p]! + events[e]! + rests[r]!);
            for (let i = 0; i < frames; i++) text.push(frame);
            if (frames > 1) text.push('');
          }
          const bytes = Buffer.from(text.join('\n') + '\n', 'utf8');
          const cuts = cutAt.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b);
          expect(viaBytes(bytes, cuts, 1 << 20)).toEqual(viaLines(bytes, cuts, 1 << 20));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds the header frames of a rest from its bytes where frameStarts finds them in its text', () => {
    const tokens = [' ', '     ', '                ', '5623dd329060', 'ffffffff817554ea', '1ab78', '7f', 'a', 'g', '__TMC_END__+0x0', '(/work/fanout)', '[unknown]', '(//anon)', 'address=0x7f740dbc6b70', ':', 'ABC'];
    const out = new Int32Array(64);
    fc.assert(
      fc.property(fc.array(fc.nat(tokens.length - 1), { maxLength: 40 }), (picks) => {
        const text = picks.map((i) => tokens[i]!).join('');
        const rest = new RestBytes();
        const bytes = Buffer.from(text, 'latin1');
        expect(rest.read(bytes, viewOf(bytes), 0, text.length, out)).toBe(true);
        expect([...out.subarray(0, rest.frames)]).toEqual(frameStarts(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes a rest whose trimmed bytes are ASCII, and copies them when asked to, whatever their length and place', () => {
    const out = new Int32Array(64);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 90 }), fc.nat(20), fc.nat(20), fc.boolean(), (body, lead, trail, copy) => {
        // blanks around a body, cut out of a bigger chunk (unaligned)
        const chunk = Buffer.concat([Buffer.from('x\t'), Buffer.alloc(lead, 32), body, Buffer.alloc(trail, 9), Buffer.from('y')]);
        const rest = new RestBytes();
        if (copy) rest.bytes = Buffer.alloc(8, 255);
        const end = chunk.length - 1;
        const text = chunk.toString('latin1', 2, end);
        // (ASCII blanks: a byte past ASCII makes the rest the text's to read)
        const trimmed = text.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
        const ascii = !/[^\x00-\x7f]/.test(trimmed);
        expect(rest.read(chunk, viewOf(chunk), 2, end, out)).toBe(ascii);
        if (!ascii) return;
        expect(chunk.toString('latin1', rest.trimAt, rest.trimEnd)).toBe(trimmed);
        if (copy) expect(rest.bytes!.toString('latin1', 0, rest.trimEnd - rest.trimAt)).toBe(trimmed);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a header like the one before it (its bytes but the time the same) as from its text, whichever piece changes', () => {
    // each header is the previous one with at most one piece changed: the byte reader's template of the last header meets its like, and each way of differing from it
    // (one comm longer than the template keeps)
    const comms = ['guard', 'fanout', 'a:b 1.5: x', 'n\u00a02.5: b', 'jé', '', 'x'.repeat(300)];
    const tasks = [' 10155', ' 10155/10156 [001]', ' 1015', ' 1.5:'];
    const times = [' 261.747218:', ' 261.9:', ' 1261.747218:', ' 7.0:', ' 261.747218:\u00a0', ' 261.747218', ' 261.:', ' 1.5: 2.5:'];
    const periods = ['', '          1 ', '          12 ', ' 1:', ' 123456789012345678901 '];
    const events = ['                 page-faults:', ' syscalls:sys_enter_mprotect:', ' page-faults', ' page-faults:x', ' sys\u00e9:', ' e:\u2003'];
    const rests = ['', '     5623dd329060 __TMC_END__+0x0 (/work/fanout)', ' start: 0x7f740db86000, len: 0x00004000', ':', '\u00a0x', ' PERF_RECORD_MMAP x'];
    const pieces = [comms, tasks, times, periods, events, rests];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(pieces.length), fc.nat(20), fc.nat(2)), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (changes, cutAt) => {
          const at = [0, 0, 0, 1, 0, 1];
          const text: string[] = [];
          for (const [piece, choice, frames] of changes) {
            if (piece < pieces.length) at[piece] = choice % pieces[piece]!.length;
            text.push(pieces.map((p, i) => p[at[i]!]!).join(''));
            for (let i = 0; i < frames; i++) text.push('\t    7f1611ef2ad7 main+0x1 (/lib/x.so)');
            if (frames > 1) text.push('');
          }
          const bytes = Buffer.from(text.join('\n') + '\n', 'utf8');
          const cuts = cutAt.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b);
          expect(viaBytes(bytes, cuts, 1 << 20)).toEqual(viaLines(bytes, cuts, 1 << 20));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('perf script from bytes: what takes turns', () => {
  it('reads headers whose task and event take turns (with a cpu and without, bytes that are not UTF-8) as from their text', () => {
    const heads = [
      'fanout 10155   261.747218:          1                 page-faults:     5623dd329060 __TMC_END__+0x0 (/work/fanout)',
      'fanout 10155 [003]   261.747219: syscalls:sys_enter_mprotect: start: 0x7f740db86000, len: 0x00004000',
      'fanout 10155 [003]   261.747220:  syscalls:sys_exit_mprotect: 0x0',
      'fanout 10156   261.747221:          1                 page-faults:     5623dd329060 __TMC_END__+0x0 (/work/fanout)',
      '\xff\xfe 10157   261.747222:          1                 page-faults:     5623dd329060 main+0x0 (/work/fanout)',
      '\xff\xfd 10157   261.747223:          1                 page-faults:     5623dd329060 main+0x0 (/work/fanout)',
      'guard 1/2 [000]   261.747224:       exceptions:page_fault_user: address=0x7f1 ip=0x401 error_code=0x6',
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(heads.length - 1), fc.nat(3)), { minLength: 1, maxLength: 60 }), fc.array(fc.nat(), { maxLength: 4 }), (picks, cutAt) => {
        const text: string[] = [];
        for (const [h, frames] of picks) {
          text.push(heads[h]!);
          for (let i = 0; i < frames; i++) text.push(`\t    7f1611ef2a${i}7 main+0x${h} (/lib/x.so)`);
          if (frames > 0) text.push('');
        }
        const bytes = Buffer.from(text.join('\n') + '\n', 'latin1');
        const cuts = cutAt.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b);
        expect(viaBytes(bytes, cuts, 1 << 20)).toEqual(viaLines(bytes, cuts, 1 << 20));
      }),
      { numRuns: 300 },
    );
  });

  it('reads records without callchain (the last header frame their stack) as from their text, with srclines and callchains between, for any chunking', () => {
    const flat = sampleLines('shapes/flat.txt').slice(0, 200);
    const between = ['  rtld.c:1234', '', '\t    7f1611ef2ad7 main+0x1 (/lib/x.so)', 'fanout 10155   261.747218:          1                 page-faults:     5623dd329060 __TMC_END__+0x0 (/work/fanout)'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(flat.length), fc.nat(between.length - 1)), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), (inserts, cutAt) => {
        const text = [...flat];
        for (const [at, b] of inserts) text.splice(at, 0, between[b]!);
        const bytes = Buffer.from(text.join('\n') + '\n');
        const cuts = cutAt.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b);
        expect(viaBytes(bytes, cuts, 1 << 20)).toEqual(viaLines(bytes, cuts, 1 << 20));
      }),
      { numRuns: 60 },
    );
    // (the header frames were read from bytes: one Frame per distinct one, shared by the records)
    const read = viaBytes(Buffer.from(flat.join('\n') + '\n'), [], 1 << 20);
    const byText = new Map<string, Set<unknown>>();
    for (const r of read.records) {
      if (r.kind !== 'sample' || r.stack.length !== 1) continue;
      const key = JSON.stringify(r.stack[0]);
      byText.set(key, (byText.get(key) ?? new Set()).add(r.stack[0]));
    }
    expect(byText.size).toBeGreaterThan(10);
    for (const objects of byText.values()) expect(objects.size).toBe(1);
  });

  it('gives one stack array and number per distinct callchain, however many come back far apart', () => {
    // 3000 distinct callchains (the parser's stack table grows several times), each met three times in a shuffled order
    const chains = Array.from({ length: 3000 }, (_, c) => Array.from({ length: 1 + (c % 7) }, (_, i) => `\t    7f1611ef${(c * 7 + i).toString(16).padStart(4, '0')} f${c % 13}+0x${i} (/lib/x.so)`));
    const order = [...chains.keys(), ...chains.keys(), ...chains.keys()];
    let seed = 7;
    for (let i = order.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const text = order.flatMap((c, i) => [`fanout 10155   ${261 + i}.5:          1                 page-faults:     5623dd329060 x+0x0 (/f)`, ...chains[c]!, '']);
    const bytes = Buffer.from(text.join('\n') + '\n');
    const read = viaBytes(bytes, [], 1 << 20);
    expect(read).toEqual(viaLines(bytes, [], 1 << 20));
    const stacks = new Set(read.records.map((r) => (r.kind === 'sample' ? r.stack : undefined)));
    expect(stacks.size).toBe(chains.length);
  });
});
