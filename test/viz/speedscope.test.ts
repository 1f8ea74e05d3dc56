// The speedscope export of real reports, checked against the JSON schema that
// ships in the speedscope package (dist/release/file-format-schema.json) and
// against the report it came from.
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeReports } from '../../src/merge.js';
import type { Report, TreeNode } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { renderSpeedscope } from '../../viz/speedscope.js';

const require = createRequire(import.meta.url);
const SCHEMA = JSON.parse(readFileSync(require.resolve('speedscope/dist/release/file-format-schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(SCHEMA);

interface SpeedscopeFile {
  $schema: string;
  name: string;
  activeProfileIndex: number;
  shared: { frames: { name: string; file?: string; line?: number }[] };
  profiles: { type: string; name: string; unit: string; startValue: number; endValue: number; samples: number[][]; weights: number[] }[];
}

const reports: Record<string, Report> = {};
beforeAll(async () => {
  const guard = { traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt'] };
  reports['guard'] = await buildReport(guard);
  reports['guard, two events'] = await buildReport({ ...guard, events: ['exceptions:page_fault_user', 'page-faults'] });
  reports['guard, inverted'] = await buildReport({ ...guard, invert: true });
  reports['guard, by protection site'] = await buildReport({ ...guard, groupBy: 'site' });
  reports['touch'] = await buildReport({ traces: ['samples/annotate/touch.perf-script.txt'], objdump: ['samples/annotate/touch.objdump-dl.txt'] });
  reports['perf trace (jit)'] = await buildReport({ traces: ['samples/protection/jit.perf-trace.txt'], objdump: ['samples/protection/jit.objdump-dl.txt'] });
  reports['guard, two builds merged'] = mergeReports([
    reports['guard']!,
    await buildReport({ traces: ['samples/protection/guard.perf-script.txt.gz'], objdump: ['samples/protection/guard.objdump-dl.txt'] }),
  ]);
});

/** The dso perf script printed for a function's frames (the path of the binary where its record.sh ran). */
function dsoOf(trace: string, fn: string): string {
  const bytes = readFileSync(trace);
  const text = (trace.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  return new RegExp(`^\\s+[0-9a-f]+ ${fn}\\+0x[0-9a-f]+ \\((\\S+)\\)$`, 'm').exec(text)![1]!;
}

function names(node: TreeNode, path: string[], out: Map<string, number>, event: string): void {
  const below = node.children.reduce((s, c) => s + (c.byEvent[event] ?? 0), 0);
  const own = (node.byEvent[event] ?? 0) - below;
  if (own > 0 && path.length > 0) out.set(path.join(';'), (out.get(path.join(';')) ?? 0) + own);
  for (const c of node.children) names(c, [...path, c.name], out, event);
}

describe('speedscope export', () => {
  it("validates against speedscope's own file-format schema", () => {
    for (const [name, report] of Object.entries(reports)) {
      const file = JSON.parse(renderSpeedscope(report)) as unknown;
      expect(validate(file), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('has one sampled profile per event, whose weights are the tree’s faults, stack by stack', () => {
    for (const [name, report] of Object.entries(reports)) {
      const file = JSON.parse(renderSpeedscope(report)) as SpeedscopeFile;
      const events = Object.keys(report.tree.byEvent).sort();
      expect(file.profiles.map((p) => p.name), name).toEqual(events);
      for (const p of file.profiles) {
        expect(p.type).toBe('sampled');
        expect(p.weights.length).toBe(p.samples.length);
        expect(p.endValue).toBe(p.weights.reduce((s, w) => s + w, 0));
        expect(p.endValue).toBe(report.tree.byEvent[p.name]);
        for (const s of p.samples) for (const i of s) expect(i >= 0 && i < file.shared.frames.length && Number.isInteger(i)).toBe(true);
        // the samples are the tree's paths with their own faults
        const ours = new Map<string, number>();
        p.samples.forEach((s, i) => {
          const key = s.map((f) => file.shared.frames[f]!.name).join(';');
          ours.set(key, (ours.get(key) ?? 0) + p.weights[i]!);
        });
        const expected = new Map<string, number>();
        names(report.tree, [], expected, p.name);
        expect(ours).toEqual(expected);
      }
    }
  });

  it('puts the faulting instruction’s file:line on its frame and the dso on the others', () => {
    const file = JSON.parse(renderSpeedscope(reports['touch']!)) as SpeedscopeFile;
    // where samples/annotate/record.sh ran: the source path objdump -l printed, the binary's perf printed
    const source = /^(\/\S+\/touch\.c):85\b/m.exec(readFileSync('samples/annotate/touch.objdump-dl.txt', 'utf8'))![1];
    expect(file.shared.frames.find((f) => f.name.startsWith('0x1339:'))).toEqual({
      name: '0x1339: mov %rax,(%rdi) [touch.c:85]',
      file: source,
      line: 85,
    });
    expect(file.shared.frames.find((f) => f.name === 'bump')).toEqual({ name: 'bump', file: dsoOf('samples/annotate/touch.perf-script.txt', 'bump') });
    expect(file.shared.frames[0]).toEqual({ name: 'touch' });
  });

  it('keeps one function of two binaries as two frames', () => {
    const file = JSON.parse(renderSpeedscope(reports['guard, two builds merged']!)) as SpeedscopeFile;
    const writeField = file.shared.frames.filter((f) => f.name === 'write_field').map((f) => f.file);
    expect(writeField.sort()).toEqual([dsoOf('samples/guard/perf-script.txt.gz', 'write_field'), dsoOf('samples/protection/guard.perf-script.txt.gz', 'write_field')].sort());
    expect(new Set(writeField).size).toBe(2);
  });

  it('golden (refresh deliberately with vitest -u)', async () => {
    const pretty = JSON.stringify(JSON.parse(renderSpeedscope(reports['guard, two events']!, { name: 'guard' })), null, 1) + '\n';
    await expect(pretty).toMatchFileSnapshot('../golden/speedscope/guard-two-events.json');
  });
});
