// Two functions with one name in different dsos are two nodes everywhere: the
// guard capture has a fault in the program's `_start` and one in ld.so's.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { mergeReports } from '../../src/merge.js';
import { diffReports } from '../../src/diff.js';
import { foldTree } from '../../src/tree.js';
import type { TreeNode } from '../../src/model.js';
import { linesOf } from '../shared.js';

const G = 'samples/guard';

function starts(children: readonly { name: string; dso?: string | undefined; value?: number }[]) {
  return children.filter((c) => c.name.startsWith('_start')).map((c) => [c.name, c.dso, c.value ?? (c as { after?: number }).after]);
}

describe('one name, two dsos (samples/guard: _start of guard and of ld.so)', async () => {
  // independent: the faults whose leaf user frame is a _start, by dso, from the raw text
  const raw = linesOf(`${G}/perf-script.txt.gz`).join('\n');
  const leaves = [...raw.matchAll(/page_fault_user:.*\n(?:\t.*\(\[kernel\.kallsyms\]\)\n)*\t\s*[0-9a-f]+ _start\+0x[0-9a-f]+ \(([^)]+)\)/g)].map((m) => m[1]);
  const report = await buildReport({ traces: [`${G}/perf-script.txt.gz`], objdump: [`${G}/guard.objdump-dl.txt`] });
  const guard = report.tree.children.find((c) => c.name === 'guard')!;

  it('keeps the program’s _start and ld.so’s apart, each named with its dso', () => {
    expect(leaves.sort()).toEqual(['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', expect.stringMatching(/\/guard$/)].sort());
    expect(starts(guard.children)).toEqual([
      ['_start (guard)', expect.stringMatching(/\/guard$/), 1],
      ['_start (ld-linux-x86-64.so.2)', '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 1],
    ]);
    const folded = foldTree(report.tree).filter((l) => l.startsWith('guard;_start'));
    expect(folded).toEqual(['guard;_start (guard);0x10f0: xor %ebp,%ebp 1', 'guard;_start (ld-linux-x86-64.so.2);_start+0x0 1']);
  });

  it('keeps them apart inverted, merged and diffed', async () => {
    const inverted = await buildReport({ traces: [`${G}/perf-script.txt.gz`], objdump: [`${G}/guard.objdump-dl.txt`], invert: true });
    const comm = inverted.tree.children.find((c) => c.name === 'guard')!;
    const under = (leaf: string): string[] => comm.children.find((c) => c.name === leaf)!.children.map((c: TreeNode) => c.name);
    expect(under('0x10f0: xor %ebp,%ebp')).toEqual(['_start (guard)']);
    expect(under('_start+0x0')).toEqual(['_start (ld-linux-x86-64.so.2)']);
    const merged = mergeReports([report, report]);
    expect(starts(merged.tree.children.find((c) => c.name === 'guard')!.children)).toEqual([
      ['_start (guard)', expect.stringMatching(/\/guard$/), 2],
      ['_start (ld-linux-x86-64.so.2)', '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 2],
    ]);
    const d = diffReports(report, report);
    expect(starts(d.tree.children.find((c) => c.name === 'guard')!.children).map((s) => s[0])).toEqual(['_start (guard)', '_start (ld-linux-x86-64.so.2)']);
  });
});
