// A new input format is its parser file and one registry line: nothing in src/
// names the formats. A scratch trace format added to the registry here is read,
// counted and named in the report's inputs as itself (before, every trace input
// that was not perf trace was reported as perf-script).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';
import { buildReport } from '../../src/pipeline.js';

vi.mock('../../parsers/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../parsers/index.js')>();
  const { defineFormat } = await import('../../parsers/format.js');
  type Records = import('../../parsers/records.js').TraceRecord;
  // `FAULT pid address`: one page fault of the process at the address.
  class ScratchParser {
    lines = 0;
    constructor(
      private readonly source: string,
      private readonly onRecord: (r: Records) => void,
    ) {}
    line(text: string): void {
      const m = /^FAULT (\d+) (0x[0-9a-f]+)$/.exec(text);
      this.lines++;
      if (m === null) return;
      const pid = Number(m[1]);
      this.onRecord({ kind: 'sample', source: this.source, line: this.lines, comm: 'scratch', pid, tid: pid, cpu: -1, time: this.lines, period: 1, event: 'page-faults', payload: '', stack: [], addr: m[2]! });
    }
    skip(): void {
      this.lines++;
    }
    end(): void {}
  }
  const scratch = defineFormat<Records, ScratchParser>(
    'scratch' as never,
    { noun: 'scratch', description: 'scratch output', looksLike: 'scratch output', passAs: 'pass it as the trace' },
    (line) => (line.startsWith('FAULT ') ? 'yes' : 'no'),
    (options, onRecord) => new ScratchParser(options.source, onRecord),
  );
  return { ...real, FORMATS: [...real.FORMATS, scratch], TRACE_FORMATS: [...real.TRACE_FORMATS, scratch] };
});

test('a trace format added to the registry is read and named as itself', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'faultpath-format-')), 'trace.txt');
  writeFileSync(path, 'FAULT 7 0x7f0000001000\nFAULT 7 0x7f0000002000\nFAULT 8 0x7f0000003000\n');
  const report = await buildReport({ traces: [path] });
  expect(report.inputs).toEqual([{ name: path, format: 'scratch', lines: 3, records: 3 }]);
  expect(report.events).toEqual({ 'page-faults': 3 });
  expect(report.tree.value).toBe(3);
});
