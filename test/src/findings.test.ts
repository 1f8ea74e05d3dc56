// Findings on captures of each pattern (samples/findings/, recorded by its
// record.sh): what each states, and that it comes from the capture's events.
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { buildReport, type ReportOptions } from '../../src/pipeline.js';
import { ROOT } from '../shared.js';

const DIR = ROOT + 'samples/findings/';
const LIBC = ROOT + 'samples/guard/libc.objdump-dl.txt.gz';

/** Each pattern's capture and listings. */
export const SAMPLES = {
  guard: { trace: 'guard.perf-script.txt.gz', objdump: ['guard.objdump-dl.txt'] },
  cow: { trace: 'cow.perf-script.txt', objdump: ['cow.objdump-dl.txt'] },
  touch: { trace: 'touch.perf-script.txt.gz', objdump: ['touch.objdump-dl.txt'] },
  pagein: { trace: 'pagein.perf-script.txt', objdump: ['pagein.objdump-dl.txt', 'libhot.objdump-dl.txt.gz'] },
  jit: { trace: 'jit.perf-script.txt', objdump: ['jit.objdump-dl.txt'] },
  startup: { trace: 'startup.perf-script.txt', objdump: ['startup.objdump-dl.txt'] },
} as const;
export type Sample = keyof typeof SAMPLES;

/** A sample's report as `faultpath report` builds it (start-up folded, as the text view shows it). */
export function sampleReport(name: Sample, options: Partial<ReportOptions> = {}): Promise<Report> {
  const s = SAMPLES[name];
  return buildReport({ traces: [DIR + s.trace], objdump: [...s.objdump.map((o) => DIR + o), LIBC], foldStartup: true, ...options });
}

describe('the guard-page finding', () => {
  it('counts the signals a retry costs from signal:signal_deliver records, per retry cycle', async () => {
    const r = await sampleReport('guard');
    expect(r.signals).toEqual({ generated: { SIGSEGV: 64 }, delivered: { SIGSEGV: 64 } });
    const f = r.findings!.find((x) => x.kind === 'guard-retries')!;
    expect(f.text).toContain('(64 retry cycles). Cost: 64 SIGSEGV deliveries (1 per retry cycle), 128 mprotect calls');
  });

  it('says the signals are inferred, one per retry cycle, when the trace has no signal records', async () => {
    // an older capture of the program, recorded before signals were: samples/guard/record.sh
    const r = await buildReport({ traces: [ROOT + 'samples/guard/perf-script.txt.gz'] });
    expect(r.signals).toBeUndefined();
    const f = r.findings!.find((x) => x.kind === 'guard-retries')!;
    expect(f.text).toContain('Cost: 64 signals (inferred, one per retry cycle: the trace has no signal:signal_deliver records)');
    const capture = r.findings!.find((x) => x.kind === 'capture-quality')!;
    expect(capture.text).toContain('no signal:signal_deliver records, so the signals the retry cycles cost are inferred');
    expect(capture.remedy).toContain('-e signal:signal_deliver');
  });

  it('counts only the signals of the processes and times the filters keep', async () => {
    const r = await sampleReport('guard', { pids: [1] });
    expect(r.signals).toEqual({ generated: {}, delivered: {} });
  });
});
