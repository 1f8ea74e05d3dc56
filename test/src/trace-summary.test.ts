// A perf trace -s capture (samples/perf-trace/, real perf 6.1) in the report:
// the summary's counts and times are there, and what it cannot give is said.
import { expect, test } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { renderText } from '../../viz/text.js';

const P = `${import.meta.dirname}/../../samples/perf-trace`;

test('-s alone: the report carries the summary and says it has no paths (it read as "events read: none")', async () => {
  const report = await buildReport({ traces: [`${P}/guard-summary.txt`], objdump: [] });
  expect(report.inputs[0]!.traceSummary?.[0]?.syscalls.find((s) => s.name === 'mprotect')).toMatchObject({ calls: 131, totalMsec: 4.573 });
  expect(report.warnings.some((w) => w.includes('no fault addresses, call paths, protection sites or faulting instructions'))).toBe(true);
  const text = renderText(report);
  expect(text).toContain('# events read: none (the trace is a perf trace summary');
  expect(text).toMatch(/\n  mprotect +131 +0 +4\.573 +0\.139\n/);
  expect(text).toContain('thread guard/14279: 396 events (85.0%), 166 syscalls in 5.449 ms');
});

test('-S beside the events: fault counts and errnos summed, no summary-only warning', async () => {
  const report = await buildReport({ traces: [`${P}/prot-with-summary-errno.txt`], objdump: [] });
  expect(report.warnings.some((w) => w.includes('perf trace summary (-s)'))).toBe(false);
  const text = renderText(report);
  expect(text).toMatch(/\n  mprotect +22 +3 +[\d.]+ +[\d.]+  \(EACCES 1, EINVAL 2\)\n/);
});
