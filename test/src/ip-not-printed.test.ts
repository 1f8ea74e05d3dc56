// Records perf script printed without ip (samples/noip, record.sh: -F comm,tid,time,event,addr,sym;
// samples/fields/*.flags-addr: -F comm,tid,time,event,addr,sym,symoff,dso,flags). perf 6.1 prints
// the ip, and the callchain with it, only when ip is in -F (builtin-script.c, process_event), then
// ends the record with a newline of its own: a record whose DWARF chain came out empty is its header
// and a blank line, a record without ip its header alone. The two say different things to the user:
// an empty chain is what perf unwound; no ip is what perf script was asked to print.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PerfScriptParser } from '../../parsers/perf-script.js';
import { NO_IP_PRINTED, type SampleRecord, type TraceRecord } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { quote, readBytesInTwo, SAMPLES } from '../parsers/perf-script-helpers.js';

const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');

function textOf(rel: string): string {
  const raw = readFileSync(SAMPLES + rel);
  return (rel.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

/** The samples of a capture by each reader: the line parser, the byte reader, reused records. */
type Kept = Pick<SampleRecord, 'line' | 'event' | 'addr' | 'stack'>;

function samplesBy(text: string): Kept[][] {
  const keep = (out: Kept[]) => (r: TraceRecord) => {
    // a reused record is valid only during the call: keep what is asked of it
    if (r.kind === 'sample') out.push({ line: r.line, event: r.event, addr: r.addr, stack: r.stack });
  };
  const lines: Kept[] = [];
  const p = new PerfScriptParser({ source: 's', reuseRecords: false }, keep(lines));
  const all = text.split('\n');
  // (no blank line after the last newline)
  if (all.at(-1) === '') all.pop();
  for (const l of all) p.line(l);
  p.end();
  expect(p.diagnostics).toBe(0);
  const bytes: Kept[] = [];
  readBytesInTwo(text, false, keep(bytes));
  const reused: Kept[] = [];
  readBytesInTwo(text, true, keep(reused));
  return [lines, bytes, reused];
}

// perf report --stdio -n: `# Samples: 109  of event 'exceptions:page_fault_user'`
function perfSamples(rel: string, event: string): number {
  const m = new RegExp(`^# Samples: (\\d+)\\s+of event '${event}'`, 'm').exec(readFileSync(SAMPLES + rel, 'utf8'));
  return Number(m![1]);
}

const NO_IP = ['noip/g.noip.txt', 'noip/nog.noip.txt', 'fields/g.flags-addr.txt.gz', 'fields/nog.flags-addr.txt.gz'];

describe('a record printed without ip', () => {
  it.each(NO_IP)('%s: every sample, by every reader, is one perf printed without ip', (rel) => {
    for (const records of samplesBy(textOf(rel))) {
      expect(records.length).toBeGreaterThan(200);
      expect(records.filter((r) => r.stack !== NO_IP_PRINTED)).toEqual([]);
    }
  });

  it('the header is the whole record: the next line is the next header', () => {
    const q = quote(
      'noip/g.noip.txt',
      [
        '          fields 13329  2038.792748:                page-faults:     7ffc22b1aea0 [unknown]',
        '          fields 13329  2038.792825: exceptions:page_fault_user:                0',
      ].join('\n'),
    );
    for (const records of samplesBy(q.lines.join('\n'))) {
      expect(records.map((r) => [r.event, r.addr, r.stack === NO_IP_PRINTED])).toEqual([
        ['page-faults', '7ffc22b1aea0', true],
        // (the tracepoint's sample addr, always 0: src/events.ts reads no data address in it)
        ['exceptions:page_fault_user', '0', true],
      ]);
    }
  });

  it('a DWARF chain that came out empty is not one: a blank line ends it (samples/findings/cow)', () => {
    const text = textOf('findings/cow.perf-script.txt.gz');
    for (const records of samplesBy(text)) {
      // cow 22542/22542 [001] 11575.203569:                      page-faults:     7ffeed070f60 [unknown] ([stack])
      const r = records.find((x) => x.line === 352)!;
      expect(r.stack).toEqual([]);
      expect(r.stack).not.toBe(NO_IP_PRINTED);
      expect(records.filter((x) => x.stack === NO_IP_PRINTED)).toEqual([]);
    }
  });

  it('-F with ip: no page-faults record is one (the default fields, and with phys_addr or page sizes after the chain)', () => {
    for (const rel of ['fields/g.default.txt.gz', 'fields/g.pagesize.txt.gz', 'fields/g.phys.txt.gz', 'fields/nog.phys.txt.gz']) {
      // (the tracepoint's records: -F +… prints no ip for it, and its payload's ip= names the instruction)
      for (const records of samplesBy(textOf(rel))) expect(records.filter((r) => r.event === 'page-faults' && r.stack === NO_IP_PRINTED), rel).toEqual([]);
    }
  });

  it("perf's default fields print a tracepoint's ip only when the capture has callchains: its payload's ip= names the instruction, nothing to say", async () => {
    // fields 22429 [001] 86544.078350: exceptions:page_fault_user: address=0x7f4ba5f6e110 ip=0x7f4ba5f57a47 error_code=0x6   (no -g: no ip field)
    for (const records of samplesBy(textOf('fields/nog.default.txt.gz'))) {
      expect(records.filter((r) => r.stack === NO_IP_PRINTED).map((r) => r.event)).toEqual(records.filter((r) => r.event === 'exceptions:page_fault_user').map((r) => r.event));
    }
    const r = await buildReport({ traces: [`${SAMPLES}fields/nog.default.txt.gz`] });
    expect(r.ipNotPrinted).toBeUndefined();
    expect(r.warnings.filter((w) => w.includes('printed without ip') || w.includes('no frame and no ip'))).toEqual([]);
  });
});

describe('the report of a capture printed without ip', () => {
  it.each([
    ['noip/g.noip.txt', 'noip/g.report.txt'],
    ['noip/nog.noip.txt', 'noip/nog.report.txt'],
  ])('%s: says how many faults and which -F fields, blames no unwinding, asks for no -g', async (rel, perfReport) => {
    const n = perfSamples(perfReport, 'exceptions:page_fault_user');
    const r = await buildReport({ traces: [SAMPLES + rel] });
    expect(r.selection.read).toBe(n);
    expect(r.ipNotPrinted).toBe(n);
    expect(r.warnings.filter((w) => w.includes('no frame and no ip'))).toEqual([]);
    expect(r.warnings.filter((w) => w.includes('printed without ip'))).toEqual([expect.stringMatching(new RegExp(`^${n} faults were printed without ip .*add ip,sym,dso to the -F list`))]);
    const capture = r.findings!.find((f) => f.kind === 'capture-quality')!;
    expect(capture.text).toContain("no fault was printed with its ip (perf script's -F list leaves ip out)");
    expect(capture.text).not.toContain('no fault has a call chain');
    expect(capture.remedy).not.toMatch(/perf record -g\b/);
    // the software event's records are the same kind
    const sw = await buildReport({ traces: [SAMPLES + rel], events: ['page-faults'] });
    expect(sw.ipNotPrinted).toBe(perfSamples(perfReport, 'page-faults'));
  });

  it('read in a worker thread, the report is the same', () => {
    const run = (env: Record<string, string>) => spawnSync(process.execPath, [CLI, 'report', '-f', 'json', `${SAMPLES}noip/g.noip.txt`], { encoding: 'utf8', env: { ...process.env, ...env } });
    const one = run({ FAULTPATH_THREADS: '1' });
    const two = run({ FAULTPATH_REPORT_PARALLEL_MIN: '0', FAULTPATH_THREADS: '2' });
    expect(one.status).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect((JSON.parse(two.stdout) as { ipNotPrinted?: number }).ipNotPrinted).toBe(perfSamples('noip/g.report.txt', 'exceptions:page_fault_user'));
  }, 30_000);
});
