// The JSON report both ways: every real report reads back to the same JSON,
// through the file reader too (plain and .gz), and a file that is not a
// report is named with the reason.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { isJsonFile, nodeJson, nodeJsonOpen, readReportFile, reportFromJson } from '../../src/report-json.js';
import type { TreeNode } from '../../src/model.js';
import { renderJson } from '../../viz/json.js';

const CAPTURES = {
  // protection sites, classes, a timeline, two fault events
  guard: { traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt'], events: ['exceptions:page_fault_user', 'page-faults'] },
  // faults in libc with no listing given: unresolved sites with their reason
  guardNoListing: { traces: ['samples/guard/perf-script.txt.gz'] },
  touch: { traces: ['samples/annotate/touch.perf-script.txt'], objdump: ['samples/annotate/touch.objdump-dl.txt'] },
  cow: { traces: ['samples/protection/cow.perf-script.txt'], objdump: ['samples/protection/cow.objdump-dl.txt'] },
  // FlameGraph's capture: page-faults without tracepoints, Java frames
  javaFaults: { traces: ['test/conformance/flamegraph/perf-java-faults-01.txt'] },
  inverted: { traces: ['samples/annotate/touch.perf-script.txt'], objdump: ['samples/annotate/touch.objdump-dl.txt'], invert: true },
} as const;
type Name = keyof typeof CAPTURES;

const reports = {} as Record<Name, Report>;
let dir: string;
beforeAll(async () => {
  for (const name of Object.keys(CAPTURES) as Name[]) reports[name] = await buildReport(CAPTURES[name]);
  dir = mkdtempSync(join(tmpdir(), 'faultpath-json-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the JSON report', () => {
  it('reads every real report back to the same JSON', () => {
    for (const name of Object.keys(CAPTURES) as Name[]) {
      const json = renderJson(reports[name]);
      const back = reportFromJson(json, `${name}.json`);
      expect(renderJson(back), name).toBe(json);
      expect(back.tree.value, name).toBe(reports[name].tree.value);
    }
  });

  it('writes the tree, a node at a time, as JSON.stringify writes it whole', () => {
    for (const name of Object.keys(CAPTURES) as Name[]) {
      const json = renderJson(reports[name]);
      const tree = json.slice(json.indexOf('"tree": ') + '"tree": '.length, -'\n}\n'.length);
      expect(tree, name).toBe(JSON.stringify(nodeJson(reports[name].tree)));
    }
  });

  it('writes a node as JSON.stringify does, whatever its names, events and classes', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('"', '\\', '\n', '\u2028', '0', '12', 'page-faults', '\ud800'));
    const counts = fc.dictionary(text, fc.oneof(fc.integer(), fc.double()), { maxKeys: 4 });
    fc.assert(
      fc.property(text, fc.constantFrom('user', 'kernel', 'instruction', 'comm'), fc.integer(), fc.double(), counts, fc.option(text, { nil: undefined }), fc.option(counts, { nil: undefined }), (name, kind, value, self, byEvent, dso, classes) => {
        const n = { name, kind, value, self, byEvent, children: [] } as TreeNode;
        if (dso !== undefined) n.dso = dso;
        if (classes !== undefined) n.classes = classes;
        const quoted = new Map<string, string>();
        expect(nodeJsonOpen(n, quoted) + ']}').toBe(JSON.stringify(nodeJson(n)));
        // and again with the names already quoted
        expect(nodeJsonOpen(n, quoted) + ']}').toBe(JSON.stringify(nodeJson(n)));
      }),
    );
  });

  it('reads a report file, plain or gzipped, and tells it from a trace', async () => {
    const json = renderJson(reports.guard);
    writeFileSync(join(dir, 'guard.json'), json);
    writeFileSync(join(dir, 'guard.json.gz'), gzipSync(json));
    for (const f of ['guard.json', 'guard.json.gz']) {
      await expect(isJsonFile(join(dir, f))).resolves.toBe(true);
      expect(renderJson(await readReportFile(join(dir, f)))).toBe(json);
    }
    await expect(isJsonFile('samples/guard/perf-script.txt.gz')).resolves.toBe(false);
  });

  it('says which file is not a report and why', () => {
    const read = (text: string) => () => reportFromJson(text, 'x.json');
    expect(read('guard  2014 [000]  7537.692729:  exceptions:page_fault_user:')).toThrow(InputError);
    expect(read('guard  2014 [000]')).toThrow(/^x\.json: not JSON/);
    expect(read('[]')).toThrow('x.json: not a faultpath JSON report (not an object)');
    expect(read('{"version": 2}')).toThrow('x.json: not a faultpath JSON report (version 2; this faultpath reads version 1)');
    const noTree = JSON.parse(renderJson(reports.touch)) as Record<string, unknown>;
    delete noTree['tree'];
    expect(read(JSON.stringify(noTree))).toThrow('(no tree)');
    const badCount = JSON.parse(renderJson(reports.touch)) as { sites: { count: unknown }[] };
    badCount.sites[0]!.count = '12';
    expect(read(JSON.stringify(badCount))).toThrow('(site count)');
  });
});
