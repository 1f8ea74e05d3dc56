// The one input path: sniffing across chunk edges, overlong lines met before
// the format is known, the registry's answers, and a byte-level parser.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ByteParser, Format } from '../../parsers/format.js';
import { FORMATS, TRACE_FORMATS } from '../../parsers/index.js';
import { readInput } from '../../parsers/input.js';
import { sniffFor } from '../../parsers/sniff.js';
import { InputError } from '../../src/errors.js';
import type { Diagnostic, TraceRecord } from '../../src/model.js';
import { ROOT } from '../shared.js';

const TRACE = 'samples/perf-trace/guard-replay.txt';
const SCRIPT = 'samples/guard/perf-script-mmap.txt';

async function read(path: string, stdin?: Readable): Promise<{ records: TraceRecord[]; diagnostics: Diagnostic[]; format: string; lines: number }> {
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const r = await readInput(path, { formats: TRACE_FORMATS, onRecord: (x) => records.push(x), onDiagnostic: (d) => diagnostics.push(d), ...(stdin ? { stdin } : {}) });
  return { records, diagnostics, format: r.format, lines: r.lines };
}

function byteAtATime(bytes: Buffer): Readable {
  return Readable.from([...bytes].map((b) => Buffer.from([b])));
}

describe('readInput', () => {
  it.each([TRACE, SCRIPT])('reads %s from stdin one byte at a time as it reads the file', async (rel) => {
    const whole = await read(ROOT + rel);
    const bytes = readFileSync(ROOT + rel);
    const piecemeal = await read('-', byteAtATime(bytes));
    expect(piecemeal.format).toBe(whole.format);
    expect(piecemeal.lines).toBe(whole.lines);
    expect(piecemeal.records.map((r) => ({ ...r, source: '' }))).toEqual(whole.records.map((r) => ({ ...r, source: '' })));
    expect(whole.records.length).toBeGreaterThan(10);
  });

  it('reports an overlong line met before the format is known, and later lines keep their numbers', async () => {
    const lines = ['a 7 1.000001: page-faults: ', '\t1234 f+0x1 (/bin/a)', '', 'a 7 1.000002: page-faults: ', '\t1235 g+0x2 (/bin/a)', ''];
    const long = 'x'.repeat(40);
    const text = ['# comment', long, ...lines, 'not a perf line'].join('\n');
    const records: TraceRecord[] = [];
    const diagnostics: Diagnostic[] = [];
    await readInput('-', { formats: TRACE_FORMATS, onRecord: (r) => records.push(r), onDiagnostic: (d) => diagnostics.push(d), stdin: byteAtATime(Buffer.from(text)), maxLineLength: 30 });
    expect(diagnostics[0]).toEqual({ source: '-', line: 2, reason: 'line of 40 characters is longer than the maximum line length; skipped' });
    expect(diagnostics.map((d) => d.line)).toEqual([2, 9]);
    expect(records.map((r) => r.line)).toEqual([3, 6]);
  });

  it('names what a file of another known format is and where to pass it', async () => {
    const listing = Readable.from([Buffer.from('guard:     file format elf64-x86-64\n\nDisassembly of section .text:\n')]);
    await expect(read('-', listing)).rejects.toThrow(new InputError('-: not perf script or perf trace output (it looks like an objdump listing: pass it with --objdump)'));
    const ids = Readable.from([Buffer.from('90c00d71d970b9cc31e9a04d89adf13d0af44146 /work/main/samples/guard/guard\n')]);
    await expect(read('-', ids)).rejects.toThrow(/it looks like perf buildid-list output: pass it with --buildid-list\)$/);
  });

  it('waits for more lines while nothing decides, up to the end of the input', () => {
    expect(sniffFor(['# header', ''], TRACE_FORMATS, false)).toEqual({ answer: 'need-more' });
    expect(sniffFor(['# header', ''], TRACE_FORMATS, true).answer).toBe('yes'); // only comments: an empty session
    expect(sniffFor([''], TRACE_FORMATS, true)).toEqual({ answer: 'no', reason: 'no events: the file is empty or has only comment lines; expected perf script or perf trace output' });
    expect(sniffFor(['hello'], TRACE_FORMATS, false)).toEqual({ answer: 'need-more' });
    expect(sniffFor(Array(50).fill('hello'), TRACE_FORMATS, false).answer).toBe('no');
  });

  it('sniffs a chunk a piece at a time and answers as the whole chunk does', async () => {
    // 60 lines that decide nothing (SNIFF_LINES of them in its first 64 KiB), then a record: one chunk
    const junk = Array.from({ length: 60 }, (_, i) => `junk ${i} ${'x'.repeat(1200)}`);
    const record = ['a 7 1.000001: page-faults: ', '\t1234 f+0x1 (/bin/a)', ''];
    const late = await read('-', Readable.from([Buffer.from([...junk, ...record].join('\n'))]));
    expect(late.format).toBe('perf-script');
    expect(late.records.map((r) => r.line)).toEqual([61]);
    expect(late.diagnostics.map((d) => d.line)).toEqual(junk.map((_, i) => i + 1));
    await expect(read('-', Readable.from([Buffer.from(junk.join('\n'))]))).rejects.toThrow(
      new InputError('-: not perf script or perf trace output (no line looks like a perf script header (`comm tid time: event:`) or a perf trace event)'),
    );
  });

  it('hands the bytes themselves to a format whose parser takes bytes', async () => {
    // a format of its own: one record per NUL-separated field
    const nulFormat: Format<string, ByteParser & { fields: string[] }> = {
      name: 'perf-script',
      noun: 'nul',
      description: 'nul-separated fields',
      looksLike: 'nul-separated fields',
      passAs: 'pass it as nul',
      sniff: (line) => (line.includes('\0') ? 'yes' : 'no'),
      createParser: (_options, onRecord) => {
        let rest = Buffer.alloc(0);
        const p = {
          lines: 0,
          fields: [] as string[],
          write(chunk: Buffer) {
            rest = Buffer.concat([rest, chunk]);
            for (let at = rest.indexOf(0); at >= 0; at = rest.indexOf(0)) {
              onRecord(rest.subarray(0, at).toString());
              rest = rest.subarray(at + 1);
            }
          },
          end() {},
        };
        return p;
      },
    };
    const got: string[] = [];
    await readInput('-', { formats: [nulFormat], onRecord: (s) => got.push(s), stdin: byteAtATime(Buffer.from('a\0bc\0d\n\0')) });
    expect(got).toEqual(['a', 'bc', 'd\n']);
  });

  it('lists every format once, each with a sniff and a parser', () => {
    expect(new Set(FORMATS.map((f) => f.name)).size).toBe(FORMATS.length);
    for (const f of FORMATS) expect(f.createParser({ source: 'x' }, () => undefined)).toBeDefined();
  });
});
