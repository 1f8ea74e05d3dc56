import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { layoutTree } from '../../viz/layout.js';
import { frameLabel } from '../../viz/labels.js';
import { renderSvg } from '../../viz/svg.js';
import { TreeBuilder } from '../../src/tree.js';
import { captureReport, countNodes, GUARD_DIR, guardReport, scaleReport } from './fixtures.js';

const guard = await guardReport();

interface Frame {
  title: string;
  rect: Record<string, string>;
  text?: string | Record<string, string>;
  [attr: string]: unknown;
}

function parse(svg: string): { root: Record<string, unknown>; frames: Frame[] } {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', cdataPropName: '#cdata', parseAttributeValue: false, parseTagValue: false, trimValues: false, isArray: (name) => name === 'g' });
  const doc = parser.parse(svg) as { svg: Record<string, unknown> };
  const outer = (doc.svg['g'] as Record<string, unknown>[])[0]!;
  return { root: doc.svg, frames: (outer['g'] ?? []) as Frame[] };
}

function titleName(f: Frame): string {
  return String(f.title).split('\n')[0]!;
}

function oneFrameReport(name: string): Report {
  const tree = new TreeBuilder();
  tree.add([{ name: 'guard', kind: 'comm' }, { name, kind: 'user' }, { name: 'leaf', kind: 'instruction' }], 5, 'page-faults');
  return { ...guard, tree: tree.finish() };
}

describe('renderSvg', () => {
  test('draws one <g> per laid-out box of the guard tree, as valid XML', () => {
    const report = guard;
    const svg = renderSvg(report);
    expect(XMLValidator.validate(svg)).toBe(true);
    const { root, frames } = parse(svg);
    expect(root['width']).toBe('1200');
    expect(frames).toHaveLength(layoutTree(report.tree, { width: 1180 }).boxes.length);
    expect(frames).toHaveLength(countNodes(report.tree));
    expect(titleName(frames[0]!)).toBe('all');
    expect(frames[0]!.rect['width']).toBe('1180');
  });

  test('an instruction frame reads the instruction first and its address last, so a narrow one keeps the instruction', () => {
    const { frames } = parse(renderSvg(guard, { width: 600 }));
    const leaf = frames.find((f) => titleName(f) === '0x12eb: mov %rsi,(%rdi) [guard.c:58]')!;
    const label = typeof leaf.text === 'object' ? String(leaf.text['#text'] ?? '') : String(leaf.text ?? '');
    expect(label.startsWith('mov %rsi,(%rdi)')).toBe(true);
    expect(leaf['data-l']).toBe('mov %rsi,(%rdi) [guard.c:58] @0x12eb');
    expect(frameLabel('instruction', '0x12eb: mov %rsi,(%rdi) [guard.c:58]')).toBe('mov %rsi,(%rdi) [guard.c:58] @0x12eb');
    expect(frameLabel('instruction-unresolved', 'write_field+0x0')).toBe('write_field+0x0');
    expect(frameLabel('user', '0x1: not an instruction')).toBe('0x1: not an instruction');
  });

  test('tooltips name the faulting instruction with its share, events, dso and source line', () => {
    const { frames } = parse(renderSvg(guard));
    const leaf = frames.find((f) => titleName(f).startsWith('0x12eb: mov %rsi,(%rdi)'));
    expect(leaf).toBeDefined();
    const lines = String(leaf!.title).split('\n');
    expect(lines[0]).toBe('0x12eb: mov %rsi,(%rdi) [guard.c:58]');
    expect(lines[1]).toBe('96 (35.2% of all, 100.0% of parent)');
    expect(lines).toContain('exceptions:page_fault_user: 48');
    expect(lines).toContain('page-faults: 48');
    expect(lines).toContain('/work/main/samples/guard/guard');
    expect(lines).toContain('write_field+0x0 @ 0x12eb  mov %rsi,(%rdi)  /work/main/samples/guard/guard.c:58');
  });

  test('labels fit their frame, cut with ".." like FlameGraph', () => {
    const { frames } = parse(renderSvg(guard, { width: 600 }));
    for (const f of frames) {
      const label = typeof f.text === 'object' ? String(f.text['#text'] ?? '') : String(f.text ?? '');
      const width = Number(f.rect['width']);
      expect(label.length * 12 * 0.59).toBeLessThanOrEqual(Math.max(0, width - 6) + 1e-9);
      // An instruction reads instruction first, address last; other frames read their name.
      const full = frameLabel(/^0x[0-9a-f]+: /.test(titleName(f)) ? 'instruction' : 'user', titleName(f));
      if (label !== '' && label !== full) expect(label.endsWith('..') && full.startsWith(label.slice(0, -2))).toBe(true);
    }
  });

  test('a hostile symbol stays text: escaped in XML and read back unchanged', () => {
    const evil = '</script><img src=x onerror=alert(1)> & "quoted" \'x\' ]]>';
    const svg = renderSvg(oneFrameReport(evil));
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain('<img');
    const { frames } = parse(svg);
    expect(frames.map(titleName)).toContain(evil);
  });

  test('characters XML cannot hold become U+FFFD, and the document stays valid', () => {
    const svg = renderSvg(oneFrameReport('bad\u0001name\uD800x'));
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(parse(svg).frames.map(titleName)).toContain('bad\uFFFDname\uFFFDx');
  });

  test('property: any symbol name yields valid XML and reads back (modulo U+FFFD)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (name) => {
        const svg = renderSvg(oneFrameReport(name), { interactive: false });
        expect(XMLValidator.validate(svg)).toBe(true);
        const expected = name.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
        // XML parsers normalise line ends (CR, CRLF → LF); the title's first line ends at the first of them.
        const firstLine = expected.replace(/\r\n?/g, '\n').split('\n')[0]!;
        expect(parse(svg).frames.map(titleName)).toContain(firstLine);
      }),
      { numRuns: 300 },
    );
  });

  test('interactive adds the zoom/search script in CDATA and frame coordinates; static has neither', async () => {
    const report = await captureReport('perf-java-faults-01');
    const interactive = parse(renderSvg(report));
    expect(String((interactive.root['script'] as Record<string, string>)['#cdata'])).toContain('Matched: ');
    expect(interactive.frames.every((f) => f['data-x'] !== undefined && f['data-w'] !== undefined && f['data-d'] !== undefined)).toBe(true);
    const still = renderSvg(report, { interactive: false });
    expect(XMLValidator.validate(still)).toBe(true);
    expect(still).not.toContain('<script');
    expect(still).not.toContain('data-x=');
  });

  test('the subtitle sits above the top row, not on it', () => {
    const svg = renderSvg(guard);
    const subtitle = Number(/<text id="subtitle" x="[\d.]+" y="([\d.]+)"/.exec(svg)![1]);
    const top = Number(/<g id="frames" transform="translate\([\d.]+,([\d.]+)\)"/.exec(svg)![1]);
    // The baseline plus the font's descent (about a quarter of its 12 px) stays above the frames.
    expect(subtitle + 3).toBeLessThan(top);
    const frames = parse(svg).frames.map((f) => Number(f.rect['y']));
    expect(Math.min(...frames)).toBeGreaterThanOrEqual(0);
  });

  test('is deterministic', () => {
    expect(renderSvg(guard)).toBe(renderSvg(guard));
  });

  test('a 100k-node tree becomes a bounded picture with merged boxes that say how many frames they hold', async () => {
    const report = await scaleReport();
    const svg = renderSvg(report, { title: 'scale' });
    expect(XMLValidator.validate(svg)).toBe(true);
    const { frames } = parse(svg);
    expect(frames.length).toBeLessThan(countNodes(report.tree) / 5);
    const merged = frames.filter((f) => / narrow frames$/.test(titleName(f)));
    expect(merged.length).toBeGreaterThan(0);
    for (const f of merged) {
      const held = Number(/^(\d+) narrow frames$/.exec(titleName(f))![1]);
      expect(held).toBeGreaterThanOrEqual(2);
      expect(String(f.title)).toContain(`${held} frames narrower than the minimum width, merged`);
    }
    expect(svg.length).toBeLessThan(15 * 1024 * 1024);
  });

  test('the report the pipeline builds from the guard sample is valid XML with a frame per node', async () => {
    const report = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt')] });
    const svg = renderSvg(report);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(parse(svg).frames).toHaveLength(layoutTree(report.tree, { width: 1180 }).boxes.length);
  });

  test('minWidthPx = 0 draws every frame', async () => {
    const report = await captureReport('perf-vertx-stacks-01');
    const { frames } = parse(renderSvg(report, { minWidthPx: 0, interactive: false }));
    expect(frames).toHaveLength(countNodes(report.tree));
  });
});
