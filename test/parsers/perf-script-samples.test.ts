// Every checked-in perf script capture, read through the real line edge: no
// line is left unexplained, and the records agree with counts taken from the
// text by simpler rules (which line is a header, a frame, a srcline).
import { describe, expect, it } from 'vitest';
import { forEachLine, openInput } from '../../parsers/lines.js';
import { PerfScriptParser } from '../../parsers/perf-script.js';
import type { Diagnostic, SampleRecord, TraceRecord } from '../../src/model.js';
import { sampleLines, samplePath } from './perf-script-helpers.js';

const CAPTURES = [
  'guard/perf-script.txt.gz',
  'guard/perf-script-mmap.txt',
  'shapes/buildid-mmap.txt',
  'shapes/callchain-addr.txt.gz',
  'shapes/callchain.txt.gz',
  'shapes/cpu-clock.txt',
  'shapes/cxx-addr.txt.gz',
  'shapes/cxx.txt',
  'shapes/dwarf-srcline.txt',
  'shapes/dwarf.txt',
  'shapes/flat.txt',
  'shapes/go.txt.gz',
  'shapes/hidden-callchain.txt',
  'shapes/lost.txt',
  'shapes/pmu-events.txt',
  'shapes/switch-events.txt.gz',
  'shapes/tracepoints-ip.txt',
  'shapes/tracepoints.txt',
  'flamegraph:perf-cycles-instructions-01.txt',
  'flamegraph:perf-dd-stacks-01.txt',
  'flamegraph:perf-funcab-cmd-01.txt',
  'flamegraph:perf-funcab-pid-01.txt',
  'flamegraph:perf-iperf-stacks-pidtid-01.txt',
  'flamegraph:perf-java-faults-01.txt',
  'flamegraph:perf-java-stacks-01.txt',
  'flamegraph:perf-java-stacks-02.txt',
  'flamegraph:perf-js-stacks-01.txt',
  'flamegraph:perf-mirageos-stacks-01.txt',
  'flamegraph:perf-numa-stacks-01.txt',
  'flamegraph:perf-rust-Yamakaky-dcpu.txt',
  'flamegraph:perf-vertx-stacks-01.txt',
];

async function parseCapture(rel: string): Promise<{ records: TraceRecord[]; diagnostics: Diagnostic[]; lines: number }> {
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const parser = new PerfScriptParser({ source: rel, onDiagnostic: (d) => diagnostics.push(d) }, (r) => records.push(r));
  const n = await forEachLine(await openInput(samplePath(rel)), (l) => parser.line(l));
  parser.end();
  expect(parser.lines).toBe(n);
  return { records, diagnostics, lines: n };
}

// The simpler rules. A header has a timestamp (`123.456: `) — or, in the
// corpus files without one, starts at column 0 and is not `<hex> <symbol>`.
// A frame starts with a tab, or is `<hex> … (dso)` indented with blanks
// (perf-js-stacks-01) or at column 0 (perf-java-stacks-02). A srcline starts
// with two blanks and is none of these.
interface TextCounts {
  samples: number;
  sideBand: Record<string, number>;
  callchainFrames: number;
  srclines: number;
}

function countText(lines: string[]): TextCounts {
  const c: TextCounts = { samples: 0, sideBand: {}, callchainFrames: 0, srclines: 0 };
  for (const l of lines) {
    if (l === '' || l.startsWith('#')) continue;
    if (l.startsWith('\t')) {
      c.callchainFrames++;
      continue;
    }
    const side = /PERF_RECORD_([A-Z0-9]+)/.exec(l);
    if (side !== null && side[1] === 'SWITCH') continue;
    if (side !== null) {
      const kind = (side[1] ?? '').replace('MMAP2', 'MMAP');
      c.sideBand[kind] = (c.sideBand[kind] ?? 0) + 1;
      continue;
    }
    if (/\s\d+\.\d+: /.test(l)) c.samples++;
    else if (/^ *[0-9a-f]+ .*\)$/.test(l)) c.callchainFrames++;
    else if (l.startsWith('  ')) c.srclines++;
    else c.samples++;
  }
  return c;
}

describe.each(CAPTURES)('%s', (rel) => {
  it('parses with no diagnostics (but unread side-band lines), and its records agree with the text', async () => {
    const { records, diagnostics, lines } = await parseCapture(rel);
    const text = sampleLines(rel);
    // the only reported lines are side-band records faultpath does not read
    expect(diagnostics.map((d) => text[d.line - 1])).toEqual(text.filter((l) => l.includes('PERF_RECORD_SWITCH')));
    expect(lines).toBe(text.length);
    const want = countText(text);

    const samples = records.filter((r): r is SampleRecord => r.kind === 'sample');
    expect(samples.length).toBe(want.samples);
    const sideBand: Record<string, number> = {};
    for (const r of records) {
      if (r.kind === 'sample') continue;
      const kind = r.kind === 'mmap' ? 'MMAP' : r.kind.toUpperCase();
      sideBand[kind] = (sideBand[kind] ?? 0) + 1;
    }
    expect(sideBand).toEqual(want.sideBand);

    // A record with header frames has no callchain, or only a data-address frame above it.
    let callchainFrames = 0;
    let srclines = 0;
    for (const r of samples) {
      const header = text[r.line - 1] ?? '';
      const headerHasFrames = r.payload !== '' && /\s[ 0-9a-f]{16}( |$)/.test(header.slice(header.indexOf(r.event + ':')));
      const firstBelow = text[r.line] ?? '';
      const hasCallchain = firstBelow.startsWith('\t') || /^ *[0-9a-f]+ .*\)$/.test(firstBelow);
      if (hasCallchain || !headerHasFrames) callchainFrames += r.stack.length;
      for (const f of r.stack) if (f.srcline !== undefined) srclines++;
      // origins point at the header, which names the comm, the event and the period
      expect(header).toContain(r.comm);
      expect(header).toContain(r.event + ':');
      if (r.period !== 1) expect(header).toContain(` ${r.period} `);
    }
    expect(callchainFrames).toBe(want.callchainFrames);
    expect(srclines).toBe(want.srclines);
    // records come in input order
    const origins = records.map((r) => r.line);
    expect(origins).toEqual([...origins].sort((a, b) => a - b));
  });
});

describe('interning', () => {
  it('hands out one Frame object per distinct frame line, far fewer than frame lines', async () => {
    const rel = 'guard/perf-script.txt.gz';
    const parser = new PerfScriptParser({ source: rel }, () => undefined);
    let frameLines = 0;
    const distinct = new Set<string>();
    await forEachLine(await openInput(samplePath(rel)), (l) => {
      parser.line(l);
      if (l.startsWith('\t')) {
        frameLines++;
        distinct.add(l);
      }
    });
    parser.end();
    expect(parser.distinctFrames).toBe(distinct.size);
    expect(parser.distinctFrames * 2).toBeLessThan(frameLines);
  });
});
