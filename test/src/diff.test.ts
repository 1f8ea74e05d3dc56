// diff on two real captures of samples/annotate/touch.c: `./touch` (before) and
// `./touch after` (reads a quarter of the pages, seals three times as many).
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../shared.js';
import { diffReports, foldDiff, type DiffNode } from '../../src/diff.js';
import { reportFromJson } from '../../src/report-json.js';
import type { Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { foldTree } from '../../src/tree.js';
import { deltaColor, renderDiffFolded, renderDiffHtml, renderDiffJson, renderDiffSvg, renderDiffText } from '../../viz/diff.js';
import { renderJson } from '../../viz/json.js';

const LISTING = 'samples/annotate/touch.objdump-dl.txt';
const BEFORE = 'samples/annotate/touch.perf-script.txt';
const AFTER = 'samples/annotate/touch-after.perf-script.txt';

let before: Report;
let after: Report;
beforeAll(async () => {
  before = await buildReport({ traces: [BEFORE], objdump: [LISTING] });
  after = await buildReport({ traces: [AFTER], objdump: [LISTING] });
});

// FlameGraph's difffolded.pl, line for line, as the oracle for the folded output:
//   $Folded{$stack}{1} += $count;  …  $Folded{$stack}{1} = int($Folded{$stack}{1} * $total2 / $total1) if $normalize
//   print "$stack $Folded{$stack}{1} $Folded{$stack}{2}\n";
function difffolded(folded1: readonly string[], folded2: readonly string[], normalize: boolean): string[] {
  const stacks = new Map<string, [number, number]>();
  const totals: [number, number] = [0, 0];
  [folded1, folded2].forEach((lines, side) => {
    for (const line of lines) {
      const m = /^(.*)\s+?(\d+(?:\.\d*)?)$/.exec(line)!;
      const counts = stacks.get(m[1]!) ?? [0, 0];
      counts[side] = counts[side]! + Number(m[2]);
      totals[side] = totals[side]! + Number(m[2]);
      stacks.set(m[1]!, counts);
    }
  });
  const out: string[] = [];
  for (const [stack, [c1, c2]] of stacks) {
    const n1 = normalize && totals[0] !== totals[1] ? Math.trunc((c1 * totals[1]!) / totals[0]!) : c1;
    out.push(`${stack} ${n1} ${c2}`);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function adds(n: DiffNode): boolean {
  const b = n.children.reduce((s, c) => s + c.before, 0) + n.beforeSelf;
  const a = n.children.reduce((s, c) => s + c.after, 0) + n.afterSelf;
  return b === n.before && a === n.after && n.children.every(adds);
}

function find(n: DiffNode, name: string): DiffNode | undefined {
  if (n.name === name) return n;
  for (const c of n.children) {
    const f = find(c, name);
    if (f !== undefined) return f;
  }
  return undefined;
}

describe('diffReports', () => {
  it('keeps both totals and every node adds up on each side', () => {
    const d = diffReports(before, after);
    expect([d.tree.before, d.tree.after]).toEqual([before.tree.value, after.tree.value]);
    expect(d.totals).toEqual({ before: before.tree.value, after: after.tree.value });
    expect(adds(d.tree)).toBe(true);
    expect(d.sites.reduce((s, x) => s + x.before, 0)).toBe(before.tree.value);
    expect(d.sites.reduce((s, x) => s + x.after, 0)).toBe(after.tree.value);
  });

  it('finds what the change did: fewer reads, more sealed stores, the same first-touch stores', () => {
    const d = diffReports(before, after);
    const at = (name: string): [number, number] => {
      const n = find(d.tree, name)!;
      return [n.before, n.after];
    };
    expect(at('sum_pages')).toEqual([32, 8]);
    expect(at('bump')).toEqual([8, 24]);
    expect(at('stamp')).toEqual([64, 64]);
    expect(d.sites.slice(0, 2).map((s) => `${s.symbol}+0x${s.offset.toString(16)} ${s.instruction} ${s.before}→${s.after}`)).toEqual([
      'sum_pages+0x1a mov (%rdi),%rcx 32→8',
      'bump+0x1c mov %rax,(%rdi) 8→24',
    ]);
    const stores = d.sites.filter((s) => s.symbol === 'stamp');
    expect(stores.map((s) => s.after - s.before)).toEqual([0, 0, 0]);
    // children by |delta|
    const main = find(d.tree, '__libc_start_call_main')!;
    expect(main.children.slice(0, 2).map((c) => c.name)).toEqual(['sum_pages', 'bump']);
  });

  it("folds to exactly what difffolded.pl makes of the two reports' folded stacks", () => {
    for (const normalize of [false, true]) {
      const d = diffReports(before, after, { normalize });
      expect(foldDiff(d.tree), `normalize ${normalize}`).toEqual(difffolded(foldTree(before.tree), foldTree(after.tree), normalize));
    }
  });

  it('normalizes like difffolded.pl -n: per path, truncated; the tree sums the scaled paths', () => {
    const d = diffReports(before, after, { normalize: true });
    expect(d.normalized).toBe(true);
    expect(d.scale).toBeCloseTo(after.tree.value / before.tree.value, 12);
    expect(find(d.tree, 'sum_pages')!.before).toBe(Math.trunc((32 * after.tree.value) / before.tree.value));
    expect(d.tree.before).toBeLessThanOrEqual(after.tree.value);
    expect(adds(d.tree)).toBe(true);
    // a capture against itself: nothing changes, with or without normalizing
    const same = diffReports(after, after, { normalize: true });
    expect(same.normalized).toBe(false);
    expect(foldDiff(same.tree).every((l) => / (\d+) \1$/.test(l))).toBe(true);
  });

  it('gives the same diff from JSON reports as from the traces', () => {
    const fromJson = diffReports(reportFromJson(renderJson(before), 'b.json'), reportFromJson(renderJson(after), 'a.json'));
    expect(renderDiffJson(fromJson)).toBe(renderDiffJson(diffReports(before, after)));
  });
});

describe('differential renderers', () => {
  it("colours like flamegraph.pl's color_scale: red grew, blue shrank, white unchanged", () => {
    expect(deltaColor(10, 10)).toBe('#ff0000');
    expect(deltaColor(-10, 10)).toBe('#0000ff');
    expect(deltaColor(0, 10)).toBe('#ffffff');
    expect(deltaColor(5, 10)).toBe('#ff6969'); // int(210 * 5 / 10) = 105
    expect(deltaColor(-1, 3)).toBe('#8c8cff'); // int(210 * 2 / 3) = 140
    expect(deltaColor(0, 0)).toBe('#ffffff');
  });

  it('draws a well-formed SVG whose frames carry their colour and counts', () => {
    const d = diffReports(before, after);
    for (const widths of ['after', 'before'] as const) {
      const svg = renderDiffSvg(d, { widths });
      expect(XMLValidator.validate(svg)).toBe(true);
      const frame = (name: string): string => {
        const m = new RegExp(`<g><title>${name}\\n([^<]*)</title><rect [^>]*fill="(#[0-9a-f]{6})"`).exec(svg);
        return m === null ? 'absent' : `${m[1]} ${m[2]}`;
      };
      expect(frame('sum_pages')).toBe('before 32, after 8, delta -24 (-75.0%) #0000ff');
      expect(frame('bump')).toBe('before 8, after 24, delta +16 (+200.0%) #ff4646'); // |delta| at most 24: int(210 * (24 - 16) / 24) = 70
      expect(frame('stamp')).toBe('before 64, after 64, delta 0 (0%) #ffffff');
    }
    // a frame that only BEFORE has is drawn only with BEFORE's widths
    expect(renderDiffSvg(d, { widths: 'after' })).not.toContain('<title>_dl_debug_initialize\n');
    expect(renderDiffSvg(d, { widths: 'before' })).toContain('<title>_dl_debug_initialize\n');
  });

  it('escapes names in the HTML page and needs no script', () => {
    const html = renderDiffHtml(diffReports(before, after), { labels: ['<before>', 'after & co'] });
    expect(html).toContain('<code>&lt;before&gt;</code>');
    expect(html).toContain('<code>after &amp; co</code>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<td class="n shrank">-24</td>');
  });

  it('allows its one stylesheet by hash, not with unsafe-inline', () => {
    const html = renderDiffHtml(diffReports(before, after));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    expect(csp).not.toContain('unsafe-inline');
    const style = html.slice(html.indexOf('<style>') + 7, html.indexOf('</style>'));
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}'`);
    expect(html.match(/<style/g)).toHaveLength(1);
  });
});

describe('diff goldens (refresh deliberately with vitest -u)', () => {
  it('text', async () => {
    await expect(renderDiffText(diffReports(before, after), { labels: [BEFORE, AFTER] })).toMatchFileSnapshot('../golden/diff/touch.txt');
  });
  it('text, normalized', async () => {
    await expect(renderDiffText(diffReports(before, after, { normalize: true }), { labels: [BEFORE, AFTER] })).toMatchFileSnapshot('../golden/diff/touch-normalized.txt');
  });
  it('folded (difffolded.pl form)', async () => {
    await expect(renderDiffFolded(diffReports(before, after))).toMatchFileSnapshot('../golden/diff/touch.folded');
  });
  it('svg', async () => {
    await expect(renderDiffSvg(diffReports(before, after))).toMatchFileSnapshot('../golden/diff/touch.svg');
  });
  it('html', async () => {
    await expect(renderDiffHtml(diffReports(before, after), { labels: [BEFORE, AFTER] })).toMatchFileSnapshot('../golden/diff/touch.html');
  });
});

describe('faultpath diff (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'faultpath-diff-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = runCli;

  it('takes a trace and a JSON report alike', async () => {
    const json = join(dir, 'before.json');
    expect((await run(['report', BEFORE, '--objdump', LISTING, '-f', 'json', '-o', json, '-q'])).code).toBe(0);
    const fromTraces = await run(['diff', BEFORE, AFTER, '--objdump', LISTING, '-f', 'folded', '-q']);
    const mixed = await run(['diff', json, AFTER, '--after-objdump', LISTING, '-f', 'folded', '-q']);
    expect(fromTraces.code).toBe(0);
    expect(mixed).toEqual(fromTraces);
    expect(fromTraces.out).toBe(renderDiffFolded(diffReports(before, after)));
    const normalized = await run(['diff', BEFORE, AFTER, '--objdump', LISTING, '-n', '-q']);
    expect(normalized.out).toContain('# normalized: before');
  });

  it('rejects a bad format with exit code 2 and a missing file with 1', async () => {
    expect((await run(['diff', BEFORE, AFTER, '-f', 'png'])).code).toBe(2);
    const missing = await run(['diff', BEFORE, join(dir, 'nope.txt')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nope.txt: cannot read: no such file');
  });
});


describe('diff arithmetic', () => {
  const reports = (): Report[] => [before, after];
  it('a capture against itself changes nothing; swapping the captures negates every delta', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.constantFrom(0, 1), (i, j) => {
        const [x, y] = [reports()[i]!, reports()[j]!];
        const d = diffReports(x, y);
        const swapped = diffReports(y, x);
        const deltas = (n: DiffNode, path: string, out: Map<string, number>): Map<string, number> => {
          out.set(path, n.after - n.before);
          for (const c of n.children) deltas(c, `${path};${c.kind}:${c.name}`, out);
          return out;
        };
        const a = deltas(d.tree, '', new Map());
        const b = deltas(swapped.tree, '', new Map());
        expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
        for (const [k, v] of a) expect(b.get(k)! + v).toBe(0);
        if (i === j) expect([...a.values()].every((v) => v === 0)).toBe(true);
        expect(d.sites.map((s) => s.after - s.before).reduce((s, v) => s + v, 0)).toBe(y.tree.value - x.tree.value);
      }),
    );
  });
});
