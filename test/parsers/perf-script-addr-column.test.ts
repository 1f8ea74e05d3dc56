// A header frame is the data address or the ip by its column (perf 6.1's
// process_event): the event's `%*s: `, then the address as `%16lx` (with its
// symbol and dso for page faults: perf_sample__fprintf_addr), then, with no
// callchain, a blank and the ip as `%16lx sym+off (dso)`; with one, a newline
// and the frames — none when unwinding gave none. A lone header frame at the
// event's `: ` is the address; an ip starts a column on. Read alike by the
// line parser, the byte reader and the byte reader handing reused records.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBytesInTwo } from './perf-script-helpers.js';
import { PerfScriptParser } from '../../parsers/perf-script.js';
import type { SampleRecord, TraceRecord } from '../../src/model.js';

type Read = { line: number; event: string; addr: string | undefined; stack: string[] };

function copy(r: TraceRecord, out: Read[]): void {
  if (r.kind !== 'sample') return;
  const s = r as SampleRecord;
  out.push({ line: s.line, event: s.event, addr: s.addr, stack: s.stack.map((f) => `${f.addr} ${f.symbol} ${f.dso}`) });
}

function viaLines(text: string): Read[] {
  const out: Read[] = [];
  const p = new PerfScriptParser({ source: 's' }, (r) => copy(r, out));
  for (const l of text.split('\n')) p.line(l);
  p.end();
  return out;
}

function viaBytes(text: string, reuseRecords: boolean): Read[] {
  const out: Read[] = [];
  readBytesInTwo(text, reuseRecords, (r) => copy(r, out));
  return out;
}

function readAll(text: string): Read[] {
  const lines = viaLines(text);
  expect(viaBytes(text, false)).toEqual(lines);
  expect(viaBytes(text, true)).toEqual(lines);
  return lines;
}

describe('perf script header frames: data address or ip', () => {
  it('samples/findings/cow: a page-faults sample whose DWARF chain came out empty is a frameless fault with its data address', () => {
    const text = gunzipSync(readFileSync(new URL('../../samples/findings/cow.perf-script.txt.gz', import.meta.url))).toString('utf8');
    // cow 22542/22542 [001] 11575.203569:                      page-faults:     7ffeed070f60 [unknown] ([stack])
    // (then a blank line)
    const faults = readAll(text).filter((r) => r.event === 'page-faults');
    expect(faults).toHaveLength(128);
    const r = faults.find((f) => f.line === 352)!;
    expect(r).toEqual({ line: 352, event: 'page-faults', addr: '7ffeed070f60', stack: [] });
    // the other 127 have frames after the header: each has its address, and no frame of it in its stack
    const rest = faults.filter((f) => f !== r);
    expect(rest.every((f) => f.addr !== undefined && f.stack.length > 0 && !f.stack.some((s) => s.startsWith(`${f.addr} `)))).toBe(true);
  });

  // perf 6.1's printing of one sample (process_event): `-F …,addr,ip,sym,symoff,dso`, with or without -g.
  type Shape = { addr: string | undefined; addrSym: boolean; ip: string; chain: string[] | undefined };
  const hex = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => v.toString(16));
  const sym = fc.constantFrom('[unknown]', 'main+0x1a', '_dl_start+0x0', '__TMC_END__+0x0', 'jit::f(char*, int) [tier 1]+0x3');
  const dso = fc.constantFrom('[stack]', '//anon', '/lib/x.so', '[kernel.kallsyms]', '/memfd:shapes jit (deleted)');
  const frame = fc.tuple(hex, sym, dso).map(([a, s, d]) => `${a.padStart(16)} ${s} (${d})`);
  const shape: fc.Arbitrary<Shape & { addrFrame: string; ipFrame: string }> = fc.record({
    addr: fc.option(hex, { nil: undefined }),
    // page faults print the address's symbol and dso (sample_addr_correlates_sym); other events the bare address
    addrSym: fc.boolean(),
    ip: hex,
    chain: fc.option(fc.array(frame, { maxLength: 3 }), { nil: undefined }),
    addrFrame: fc.tuple(sym, dso).map(([s, d]) => ` ${s} (${d})`),
    ipFrame: fc.tuple(sym, dso).map(([s, d]) => ` ${s} (${d})`),
  });

  function print(s: Shape & { addrFrame: string; ipFrame: string }, i: number): string {
    const event = s.addrSym ? 'page-faults' : 'cycles:u';
    let line = `t 10/10 [000] ${100 + i}.000001: ${event.padStart(16)}: `;
    if (s.addr !== undefined) line += s.addr.padStart(16) + (s.addrSym ? s.addrFrame : '');
    if (s.chain === undefined) return `${line} ${s.ip.padStart(16)}${s.ipFrame}\n`;
    return `${line}\n${s.chain.map((f) => `\t${f}\n`).join('')}\n`;
  }

  it('reads each shape: address and ip on one line, address and frames, address and no frame, no address', () => {
    fc.assert(
      fc.property(fc.array(shape, { minLength: 1, maxLength: 12 }), (shapes) => {
        const got = readAll(shapes.map(print).join(''));
        expect(got.map((r) => ({ addr: r.addr, stack: r.stack.map((f) => f.slice(0, f.indexOf(' '))) }))).toEqual(
          shapes.map((s) => ({ addr: s.addr, stack: s.chain === undefined ? [s.ip] : s.chain.map((f) => f.trimStart().slice(0, f.trimStart().indexOf(' '))) })),
        );
      }),
      { numRuns: 200 },
    );
  });
});
