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
import { JsonBytes } from '../../src/json-bytes.js';
import { isJsonFile, nodeJson, nodeJsonOpen, nodeOpenWriter, readReportFile, reportFromJson } from '../../src/report-json.js';
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

  it('writes a node as JSON.stringify does, whatever its names, events, classes and site', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\u2028', '0', '12', 'page-faults', '\ud800', 'é\ud83d\ude00'));
    const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 9, 10, 4294967295, 4294967296, 2 ** 53, 1e21));
    const counts = fc.dictionary(text, number, { maxKeys: 4 });
    const site = fc.record({ address: fc.constantFrom('', '1195'), instruction: fc.option(text, { nil: undefined }), source: fc.option(text, { nil: undefined }), resolved: fc.boolean() });
    fc.assert(
      fc.property(text, fc.constantFrom('user', 'kernel', 'instruction', 'comm'), number, number, counts, fc.option(text, { nil: undefined }), fc.option(counts, { nil: undefined }), fc.option(site, { nil: undefined }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (name, kind, value, self, byEvent, dso, classes, s, chunk, frozen) => {
        // frozen: shared as the tree builder shares them, and written from the bytes kept for the object the second time
        const n = { name, kind, value, self, byEvent: frozen ? Object.freeze(byEvent) : byEvent, children: [] } as TreeNode;
        if (dso !== undefined) n.dso = dso;
        if (classes !== undefined) n.classes = classes;
        if (s !== undefined) n.site = { dso: dso ?? '', symbol: 'f', offset: 0, ...s };
        expect(nodeJsonOpen(n) + ']}').toBe(JSON.stringify(nodeJson(n)));
        // twice into one sink of small chunks: the repeated names' bytes kept, no string cut at a chunk's end,
        // the buffers of the chunks taken (and copied) written over
        const out = new JsonBytes(chunk);
        const open = nodeOpenWriter(out);
        open(n);
        const first = Buffer.concat(out.take());
        out.reuse();
        open(n);
        const once = JSON.stringify(nodeJson(n)).slice(0, -2);
        expect(Buffer.concat([first, ...out.end()]).toString('utf8')).toBe(once + once);
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
