// FlameGraph conformance: for each of the 13 real perf script inputs in
// test/conformance/flamegraph/ (FlameGraph's corpus, copied with its notice) and each of the 6 options, the line
// edge + PerfScriptParser + Collapser must print exactly what
// stackcollapse-perf.pl printed (results/<name>-collapsed-<opt>.txt).
//
// The expected files were made with one blank line appended to each input
// (see that folder's README): the reference drops a last record that has no
// blank line after it, we keep it. That is the only difference these inputs
// exercise; the others are listed at the top of src/collapse.ts.
import { CONFORMANCE_DIR } from './shared.js';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forEachLine, openInput } from '../parsers/lines.js';
import { PerfScriptParser } from '../parsers/perf-script.js';
import { Collapser, type CollapseOptions } from '../src/collapse.js';
import type { Diagnostic } from '../src/model.js';

const DIR = CONFORMANCE_DIR;
const INPUTS = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const OPTIONS = ['pid', 'tid', 'kernel', 'jit', 'all', 'addrs'] as const;
const CASES = INPUTS.flatMap((input) => OPTIONS.map((opt) => [input, opt] as const));

async function collapseFile(path: string, options: CollapseOptions): Promise<{ text: string; diagnostics: Diagnostic[]; dropped: Record<string, number> }> {
  const collapser = new Collapser(options);
  const diagnostics: Diagnostic[] = [];
  const parser = new PerfScriptParser({ source: path, onDiagnostic: (d) => diagnostics.push(d) }, (r) => collapser.add(r));
  await forEachLine(await openInput(path), (l) => parser.line(l));
  parser.end();
  const { lines, droppedEvents } = collapser.result();
  return { text: lines.length > 0 ? lines.join('\n') + '\n' : '', diagnostics, dropped: droppedEvents };
}

describe('stackcollapse-perf.pl conformance', () => {
  it('has all 78 cases', () => {
    expect(CASES).toHaveLength(78);
    for (const [input, opt] of CASES) expect(() => readFileSync(`${DIR}results/${input.replace(/\.txt$/, '')}-collapsed-${opt}.txt`)).not.toThrow();
  });

  it.each(CASES)('%s --%s', async (input, opt) => {
    const expected = readFileSync(`${DIR}results/${input.replace(/\.txt$/, '')}-collapsed-${opt}.txt`, 'utf8');
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
