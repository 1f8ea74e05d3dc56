// The findings samples (samples/findings/, recorded by its record.sh) as the tests read them.
import type { Report } from '../../src/model.js';
import { buildReport, type ReportOptions } from '../../src/pipeline.js';
import { ROOT } from '../shared.js';

export const DIR = ROOT + 'samples/findings/';
/** libc's listing: the build these captures ran with (record.sh checks). */
export const LIBC = ROOT + 'samples/guard/libc.objdump-dl.txt.gz';

/** Each pattern's capture and listings. */
export const SAMPLES = {
  guard: { trace: 'guard.perf-script.txt.gz', objdump: ['guard.objdump-dl.txt'] },
  cow: { trace: 'cow.perf-script.txt.gz', objdump: ['cow.objdump-dl.txt'] },
  touch: { trace: 'touch.perf-script.txt.gz', objdump: ['touch.objdump-dl.txt'] },
  pagein: { trace: 'pagein.perf-script.txt', objdump: ['pagein.objdump-dl.txt', 'libhot.objdump-dl.txt.gz'] },
  jit: { trace: 'jit.perf-script.txt.gz', objdump: ['jit.objdump-dl.txt'] },
  startup: { trace: 'startup.perf-script.txt', objdump: ['startup.objdump-dl.txt'] },
} as const;
export type Sample = keyof typeof SAMPLES;

/** The listings a sample's report reads. */
export function sampleListings(name: Sample): string[] {
  return [...SAMPLES[name].objdump.map((o) => DIR + o), LIBC];
}

/** A sample's report as `faultpath report` builds it (start-up folded, as the text view shows it). */
export function sampleReport(name: Sample, options: Partial<ReportOptions> = {}): Promise<Report> {
  const s = SAMPLES[name];
  return buildReport({ traces: [DIR + s.trace], objdump: sampleListings(name), foldStartup: true, ...options });
}

