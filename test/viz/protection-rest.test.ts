// The page's protection fields besides the sites (client/protection-columns.ts, drawn by the script
// and written by the page without script): a field gets its label, not its JSON name.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { protectionRest } from '../../viz/html/client/protection-columns.js';

describe('the protection section’s counts on the page', () => {
  it('label the tracepoint faults printed without their payload (samples/notrace)', async () => {
    const r = await buildReport({ traces: ['samples/notrace/guard.perf-script-notrace.txt.gz'] });
    const rest = protectionRest(r.protection as unknown as Record<string, unknown>);
    const n = String(r.protection!.noAddressTracepoint);
    expect(rest).toContainEqual(["of those, tracepoint faults printed without their payload, which carries it (keep trace in perf script's -F list)", n]);
    expect(rest.map(([label]) => label)).not.toContain('noAddressTracepoint');
  });
});
