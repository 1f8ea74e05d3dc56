// FlameGraph conformance: for each of the 13 real perf script inputs in
// test/conformance/flamegraph/ (FlameGraph's corpus, copied with its notice) and each of the 6 options,
// for the shapes in test/conformance/shapes/ and for every perf script sample in samples/, collapse
// must print exactly what stackcollapse-perf.pl printed.
//
// The expected files were made with one blank line appended to each input
// (see that folder's README): the reference drops a last record that has no
// blank line after it, we keep it. The other places where faultpath keeps
// samples the reference loses are listed at the top of src/collapse.ts; the
// samples that show them are listed below.
import { CONFORMANCE_DIR } from './shared.js';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Collapser, collapseInput, type CollapseOptions } from '../src/collapse.js';
import type { Diagnostic } from '../src/model.js';
import { ROOT } from './shared.js';

const DIR = CONFORMANCE_DIR;
const INPUTS = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const OPTIONS = ['pid', 'tid', 'kernel', 'jit', 'all', 'addrs'] as const;
const CASES = INPUTS.flatMap((input) => OPTIONS.map((opt) => [input, opt] as const));

async function collapseFile(path: string, options: CollapseOptions): Promise<{ text: string; diagnostics: Diagnostic[]; dropped: Record<string, number> }> {
  const diagnostics: Diagnostic[] = [];
  const collapser = new Collapser({ ...options, onDiagnostic: (d) => diagnostics.push(d) });
  await collapseInput(path, collapser, { onDiagnostic: (d) => diagnostics.push(d) });
  const { lines, droppedEvents } = collapser.result();
  // latin1 text: the bytes as read
  return { text: lines.length > 0 ? Buffer.from(lines.join('\n') + '\n', 'latin1').toString('latin1') : '', diagnostics, dropped: droppedEvents };
}

describe('stackcollapse-perf.pl conformance', () => {
  it('has all 78 cases', () => {
    expect(CASES).toHaveLength(78);
    for (const [input, opt] of CASES) expect(() => readFileSync(`${DIR}results/${input.replace(/\.txt$/, '')}-collapsed-${opt}.txt`)).not.toThrow();
  });

  it.each(CASES)('%s --%s', async (input, opt) => {
    const expected = readFileSync(`${DIR}results/${input.replace(/\.txt$/, '')}-collapsed-${opt}.txt`, 'latin1');
    const { text, diagnostics } = await collapseFile(DIR + input, { [opt]: true });
    expect(diagnostics).toEqual([]);
    expect(text).toBe(expected);
  });

  it('drops and counts the events after the first type, as the reference does (cycles + instructions)', async () => {
    const { dropped } = await collapseFile(DIR + 'perf-cycles-instructions-01.txt', {});
    const all = readFileSync(DIR + 'perf-cycles-instructions-01.txt', 'utf8');
    expect(dropped).toEqual({ cycles: all.split('\n').filter((l) => /\scycles: *$/.test(l)).length });
  });
});

const SHAPES = `${ROOT}test/conformance/shapes/`;

describe('stackcollapse-perf.pl on the shapes captures take', () => {
  const inputs = readdirSync(SHAPES).filter((f) => f.endsWith('.txt'));
  it.each(inputs.flatMap((f) => [[f, 'default'] as const, [f, 'all'] as const]))('%s (%s)', async (input, opt) => {
    const expected = readFileSync(`${SHAPES}results/${input.replace(/\.txt$/, '')}-collapsed-${opt}.txt`, 'latin1');
    const { text } = await collapseFile(SHAPES + input, opt === 'all' ? { all: true } : {});
    expect(text).toBe(expected);
  });
});

const SAMPLES = `${ROOT}test/conformance/samples/`;
// Samples where the reference loses samples and faultpath keeps them (src/collapse.ts, README).
const EXIT_LINES = 'PERF_RECORD_EXIT lines';
const KEPT: Record<string, string> = {
  'join/flat.perf-script.txt': 'back-to-back headers (no callchain)',
  'join/tracepoint-mmap.perf-script.txt': 'back-to-back headers',
  'odd/guard-run1.F-tid-time-event-ip-sym.txt.gz': 'headers without a comm',
  'odd/guard-tod.F-tod.txt.gz': 'back-to-back headers',
  'protection/cow.perf-script-pid.txt': EXIT_LINES,
  'protection/cow.perf-script.txt': EXIT_LINES,
  'protection/guard.perf-script-pid.txt.gz': EXIT_LINES,
  'protection/guard.perf-script.txt.gz': EXIT_LINES,
  'protection/jit.perf-script-pid.txt': EXIT_LINES,
  'protection/jit.perf-script.txt': EXIT_LINES,
  'protection/mapping.perf-script-pid.txt': EXIT_LINES,
  'protection/mapping.perf-script.txt': EXIT_LINES,
  'protection/threads.perf-script-pid.txt': EXIT_LINES,
  'protection/threads.perf-script.txt': EXIT_LINES,
  'shapes/callchain.txt.gz': EXIT_LINES,
  'shapes/flat.txt': 'right-aligned back-to-back headers (no callchain)',
  'shapes/hidden-callchain.txt': 'right-aligned back-to-back headers',
  'shapes/tracepoints-ip.txt': 'right-aligned back-to-back headers with ip frames',
  'shapes/tracepoints.txt': 'right-aligned back-to-back headers',
};

function counts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of text.split('\n')) if (l !== '') m.set(l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1)));
  return m;
}

function total(text: string): number {
  return text.split('\n').reduce((n, l) => n + (l === '' ? 0 : Number(l.slice(l.lastIndexOf(' ') + 1))), 0);
}

describe('stackcollapse-perf.pl on the sample traces', () => {
  const refs = readdirSync(SAMPLES).filter((f) => f.includes('.collapsed.txt'));
  const sampleOf = (ref: string): string => {
    const rel = ref.replace(/\.collapsed\.txt(\.gz)?$/, '').replace('__', '/');
    for (const ext of ['.txt', '.txt.gz', '']) {
      try {
        readFileSync(`${ROOT}samples/${rel}${ext}`, { flag: 'r' });
        return rel + ext;
      } catch {
        // next
      }
    }
    throw new Error(`no sample for ${ref}`);
  };
  it('covers every perf script sample', () => {
    expect(refs.length).toBeGreaterThanOrEqual(50);
    for (const k of Object.keys(KEPT)) expect(refs.map(sampleOf)).toContain(k);
  });
  it.each(refs)('%s', async (ref) => {
    const raw = readFileSync(SAMPLES + ref);
    const expected = (ref.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
    const rel = sampleOf(ref);
    const { text } = await collapseFile(`${ROOT}samples/${rel}`, {});
    if (KEPT[rel] === undefined) {
      expect(text).toBe(expected);
    } else if (KEPT[rel] === EXIT_LINES) {
      // the reference's extra samples are the exiting task's comm alone, one per EXIT line
      const mine = counts(text);
      const theirs = counts(expected);
      expect(text).not.toBe(expected);
      for (const [stack, n] of theirs) if (mine.get(stack) !== n) expect(stack, KEPT[rel]).not.toContain(';');
      for (const [stack, n] of mine) expect(theirs.get(stack) ?? 0).toBeGreaterThanOrEqual(n);
    } else {
      expect(text, KEPT[rel]).not.toBe(expected);
      expect(total(text)).toBeGreaterThanOrEqual(total(expected));
    }
  });
});
