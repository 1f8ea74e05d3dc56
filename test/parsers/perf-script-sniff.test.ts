// sniffFormat on the first lines of real files: every perf script capture, the
// perf trace captures, objdump and llvm-objdump listings, a binary, perf.data.
import { CONFORMANCE_DIR } from '../shared.js';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sniffFor, sniffFormat } from '../../parsers/sniff.js';
import { perfScriptFormat } from '../../parsers/perf-script.js';
import { perfTraceFormat } from '../../parsers/perf-trace.js';
import { SAMPLES, sampleLines } from './perf-script-helpers.js';

const head = (rel: string, n = 50): string[] => sampleLines(rel).slice(0, n);
const list = (dir: string, re: RegExp): string[] =>
  readdirSync(SAMPLES + dir)
    .filter((f) => re.test(f))
    .map((f) => `${dir}/${f}`);

describe('sniffFormat', () => {
  it.each([...list('shapes', /\.txt(\.gz)?$/), 'guard/perf-script.txt.gz', 'guard/perf-script-mmap.txt'])('names %s perf script output', (rel) => {
    expect(sniffFormat(head(rel))).toEqual({ format: 'perf-script', description: 'perf script output' });
  });

  it.each(readdirSync(CONFORMANCE_DIR).filter((f) => f.endsWith('.txt')))('names FlameGraph corpus %s perf script output', (f) => {
    expect(sniffFormat(head(`flamegraph:${f}`)).format).toBe('perf-script');
  });

  it.each(list('perf-trace', /^(?!.*objdump).*\.txt(\.gz)?$/))('names %s perf trace output', (rel) => {
    expect(sniffFormat(head(rel)).format).toBe('perf-trace');
  });

  it.each([...list('listings', /objdump.*\.txt$/), 'guard/guard.objdump-d.txt', 'guard/libc.objdump-dl.txt.gz'])('names %s an objdump listing', (rel) => {
    expect(sniffFormat(head(rel))).toEqual({ format: 'objdump', description: 'looks like an objdump listing' });
  });

  it('decides on the first decisive line, however few lines it has', () => {
    const lines = sampleLines('guard/perf-script-mmap.txt');
    expect(sniffFormat(lines.slice(0, 1)).format).toBe('perf-script');
    expect(sniffFormat(['# ========', '#', ...sampleLines('shapes/flat.txt').slice(0, 1)]).format).toBe('perf-script');
  });

  it('says a binary is binary data and a perf.data file needs perf script', () => {
    const elf = readFileSync(SAMPLES + 'guard/guard').toString('utf8').split('\n').slice(0, 50);
    expect(sniffFormat(elf)).toEqual({ format: 'unknown', description: 'looks like binary data' });
    // perf.data starts with the PERFILE2 magic (tools/perf/util/header.c)
    const perfData = ['PERFILE2h\u0000\u0000\u0000\u0000\u0000\u0000\u0000\ufffd\u0000'];
    expect(sniffFormat(perfData).description).toMatch(/perf\.data file: run `perf script/);
  });

  it('says what it could not recognise in text that is none of the formats', () => {
    const c = sniffFormat(sampleLines('guard/guard.c').slice(0, 50));
    expect(c.format).toBe('unknown');
    expect(c.description).toMatch(/no line looks like a perf script header/);
    expect(sniffFormat(['', '# only a comment']).format).toBe('unknown');
  });

  // samples/noip/*.ip-only.txt: perf script -F ip,sym,symoff,dso,addr, with -g (frames after each addr) and without
  it.each(['noip/g.ip-only.txt', 'noip/nog.ip-only.txt'])('says once of %s that its -F list leaves out the record headers, and which fields to add', (rel) => {
    const c = sniffFormat(head(rel));
    expect(c.format).toBe('unknown');
    expect(c.description).toMatch(/^perf script output without record headers: its -F list leaves out comm, tid, time and event .*add them to the list \(perf script -F comm,tid,time,event,/);
    // the same answer whatever the reader was asked for: one sentence, not a line's diagnostic each
    const a = sniffFor(head(rel), [perfScriptFormat, perfTraceFormat], true);
    expect(a).toEqual({ answer: 'no', reason: c.description });
  });
});
