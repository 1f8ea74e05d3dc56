// merge on reports of the real captures: sums are exact, dsos stay apart,
// order does not matter.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../shared.js';
import { mergeReports, mergeTrees } from '../../src/merge.js';
import { toJson } from '../../src/report-json.js';
import type { Report, TreeNode } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { totalSelf } from '../../src/tree.js';
import { renderJson } from '../../viz/json.js';
import { renderText } from '../../viz/text.js';

const CAPTURES = {
  guard: { traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt'] },
  // the same guard.c, built and recorded again under samples/protection: another binary
  guard2: { traces: ['samples/protection/guard.perf-script.txt.gz'], objdump: ['samples/protection/guard.objdump-dl.txt'] },
  touch: { traces: ['samples/annotate/touch.perf-script.txt'], objdump: ['samples/annotate/touch.objdump-dl.txt'] },
  touchAfter: { traces: ['samples/annotate/touch-after.perf-script.txt'], objdump: ['samples/annotate/touch.objdump-dl.txt'] },
  cow: { traces: ['samples/protection/cow.perf-script.txt'], objdump: ['samples/protection/cow.objdump-dl.txt'] },
} as const;
type Name = keyof typeof CAPTURES;

const reports = {} as Record<Name, Report>;
beforeAll(async () => {
  for (const name of Object.keys(CAPTURES) as Name[]) {
    const c = CAPTURES[name];
    reports[name] = await buildReport({ traces: [...c.traces], objdump: [...c.objdump] });
  }
});

function nodes(tree: TreeNode, fn: (n: TreeNode, path: readonly TreeNode[]) => void): void {
  const walk = (n: TreeNode, path: TreeNode[]): void => {
    fn(n, path);
    for (const c of n.children) walk(c, [...path, n]);
  };
  walk(tree, []);
}

function consistent(n: TreeNode): boolean {
  const kids = n.children.reduce((s, c) => s + c.value, 0);
  const events = Object.values(n.byEvent).reduce((s, v) => s + v, 0);
  return kids + n.self === n.value && events === n.value && n.children.every(consistent);
}

describe('mergeReports', () => {
  it('one report merges to itself', () => {
    for (const name of Object.keys(CAPTURES) as Name[]) {
      expect(renderJson(mergeReports([reports[name]])), name).toBe(renderJson(reports[name]));
    }
  });

  it('adds every count exactly', () => {
    const parts = [reports.guard, reports.touch, reports.touchAfter, reports.cow];
    const m = mergeReports(parts);
    const sum = (f: (r: Report) => number): number => parts.reduce((s, r) => s + f(r), 0);
    expect(m.tree.value).toBe(sum((r) => r.tree.value));
    expect(m.lost).toBe(sum((r) => r.lost));
    expect(m.skipped.lines).toBe(sum((r) => r.skipped.lines));
    expect(m.selection).toEqual({ read: sum((r) => r.selection.read), kept: sum((r) => r.selection.kept), filteredOut: sum((r) => r.selection.filteredOut) });
    for (const e of new Set(parts.flatMap((r) => Object.keys(r.events)))) expect(m.events[e], e).toBe(sum((r) => r.events[e] ?? 0));
    expect(m.sites.reduce((s, x) => s + x.count, 0)).toBe(m.tree.value);
    expect(totalSelf(m.tree)).toBe(m.tree.value);
    expect(consistent(m.tree)).toBe(true);
    expect((m.timeline ?? []).reduce((s, b) => s + b.value, 0)).toBe(sum((r) => (r.timeline ?? []).reduce((s, b) => s + b.value, 0)));
    const classes = (r: Report): number => Object.values(r.classes ?? {}).reduce((s, v) => s + (v ?? 0), 0);
    expect(classes(m)).toBe(sum(classes));
    const sites = (r: Report): number => (r.protection?.sites ?? []).reduce((s, x) => s + x.faults, 0);
    expect(sites(m)).toBe(sum(sites));
    expect(m.inputs).toEqual(parts.flatMap((r) => r.inputs));
  });

  it('two runs of one binary add up node by node', () => {
    const m = mergeReports([reports.touch, reports.touchAfter]);
    const find = (t: TreeNode, name: string): TreeNode[] => {
      const out: TreeNode[] = [];
      nodes(t, (n) => n.name === name && out.push(n));
      return out;
    };
    for (const fn of ['stamp', 'sum_pages', 'bump']) {
      const [merged, ...more] = find(m.tree, fn);
      expect(more).toEqual([]);
      expect(merged!.value).toBe(find(reports.touch.tree, fn)[0]!.value + find(reports.touchAfter.tree, fn)[0]!.value);
    }
    // the protection site seal's call: 8 calls then 24
    const seal = m.protection!.sites.find((s) => s.symbol === 'seal')!;
    expect(seal.calls).toEqual({ mprotect: 32 });
    expect(seal.faults).toBe(32);
    expect(seal.instructions.map((i) => [i.instruction, i.faults, i.cycles])).toEqual([['bump+0x1c: mov %rax,(%rdi)', 32, 32]]);
  });

  it('keeps the same function of two different binaries apart by dso', () => {
    const m = mergeReports([reports.guard, reports.guard2]);
    const writeField = new Map<string, number>();
    nodes(m.tree, (n) => {
      if (n.name === 'write_field' && n.kind === 'user') writeField.set(n.dso!, (writeField.get(n.dso!) ?? 0) + n.value);
    });
    expect([...writeField.keys()].sort()).toEqual(['/work/main/samples/guard/guard', '/work/main/samples/protection/guard']);
    const sitesByDso = new Set(m.sites.filter((s) => s.symbol === 'write_field').map((s) => s.dso));
    expect(sitesByDso.size).toBe(2);
    expect(m.tree.value).toBe(reports.guard.tree.value + reports.guard2.tree.value);
  });

  it('does not depend on the order of the reports', () => {
    const names: Name[] = ['guard', 'guard2', 'touch', 'touchAfter', 'cow'];
    const canonical = (r: Report): unknown => {
      // lists of inputs, warnings, notes and examples follow the order of the reports
      const { inputs: _i, warnings: _w, notes: _n, skipped: _s, selectedEvents: _e, ...rest } = toJson(r) as Record<string, unknown>;
      const protection = rest['protection'] as { notes: string[] } | undefined;
      // (and rows with equal counts under a protection site keep the reports' order)
      if (protection !== undefined) {
        const sites = (protection as unknown as { sites: { instructions: { instruction: string }[] }[] }).sites.map((x) => ({
          ...x,
          instructions: [...x.instructions].sort((p, q) => (p.instruction < q.instruction ? -1 : 1)),
        }));
        rest['protection'] = { ...protection, sites, notes: [...protection.notes].sort() };
      }
      return rest;
    };
    const expected = canonical(mergeReports(names.map((n) => reports[n])));
    fc.assert(
      fc.property(fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length }), (order) => {
        expect(canonical(mergeReports(order.map((n) => reports[n])))).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('merging is associative: (a+b)+c = a+(b+c)', () => {
    const [a, b, c] = [reports.guard, reports.touch, reports.cow];
    const left = mergeReports([mergeReports([a, b]), c]);
    const right = mergeReports([a, mergeReports([b, c])]);
    expect(renderJson(left)).toBe(renderJson(right));
  });

  it('sums trees without touching its inputs', () => {
    const before = renderJson(reports.touch);
    mergeTrees([reports.touch.tree, reports.touch.tree]);
    expect(renderJson(reports.touch)).toBe(before);
    expect(() => mergeReports([])).toThrow('nothing to merge: no reports given');
  });
});

describe('faultpath merge (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'faultpath-merge-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = runCli;

  it('merges the JSON reports that report -f json wrote, per host, into one', async () => {
    const a = join(dir, 'host-a.json');
    const b = join(dir, 'host-b.json');
    for (const [path, c] of [[a, CAPTURES.touch], [b, CAPTURES.touchAfter]] as const) {
      const r = await run(['report', ...c.traces, '--objdump', ...c.objdump, '-f', 'json', '-o', path, '-q']);
      expect(r.code).toBe(0);
    }
    const all = join(dir, 'all.json');
    const r = await run(['merge', a, b, '-o', all]);
    expect(r).toEqual({ code: 0, out: '', err: '' });
    const merged = readFileSync(all, 'utf8');
    expect(merged).toBe(renderJson(mergeReports([reports.touch, reports.touchAfter])));
    // goldens of samples/annotate's captures: refreshed as its record.sh says when it runs again
    await expect(merged).toMatchFileSnapshot('../golden/merge/touch-and-after.json');
    const text = await run(['merge', a, b, '-f', 'text']);
    await expect(text.out).toMatchFileSnapshot('../golden/merge/touch-and-after.txt');
  });

  it('refuses a trace given as a report, with exit code 1', async () => {
    const r = await run(['merge', 'samples/annotate/touch.perf-script.txt']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^faultpath: samples\/annotate\/touch\.perf-script\.txt: not JSON/);
    const bad = join(dir, 'v2.json');
    writeFileSync(bad, '{"version": 2}');
    expect((await run(['merge', bad])).err).toContain('this faultpath reads version 1');
  });
});

describe('merge goldens (refresh deliberately with vitest -u)', () => {
  it('guard from two builds, as text', async () => {
    await expect(renderText(mergeReports([reports.guard, reports.guard2]))).toMatchFileSnapshot('../golden/merge/guard-two-builds.txt');
  });
});
