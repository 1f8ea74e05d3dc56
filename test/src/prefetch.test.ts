// The report reads each new frame's listing code while the trace is read
// (FrameResolver.prefetch, from the aggregator), before the anchors that
// decide which listing and which distance hold. Reading ahead must change no
// answer: not the instructions frames resolve to, not the verdict on a
// listing of another program, not which listings matched no dso.
import { describe, expect, it } from 'vitest';
import { indexObjdumpFile } from '../../src/disasm-index.js';
import { FrameResolver } from '../../src/join.js';
import { ListingSet } from '../../src/listing-set.js';
import type { Frame } from '../../src/model.js';
import { readTrace } from '../../src/report-inputs.js';

const GUARD_TRACE = 'samples/guard/perf-script.txt.gz';
const GUARD = 'samples/guard/guard.objdump-dl.txt';
const LIBC = 'samples/guard/libc.objdump-dl.txt.gz';
// another program's listing under guard's name: the verdict refuses it
const TOUCH = 'samples/mismatch/touch-guard.objdump-d.txt';

async function framesOf(trace: string): Promise<Frame[]> {
  const frames = new Set<Frame>();
  await readTrace(trace, (e) => {
    if ('record' in e) for (const f of e.record.stack) frames.add(f);
  }, { sink: () => {} });
  return [...frames];
}

// Every frame anchored, then resolved; with `ahead`, each read ahead first, as it comes.
async function resolveAll(listings: readonly string[], frames: readonly Frame[], ahead: boolean): Promise<unknown> {
  const set = new ListingSet(await Promise.all(listings.map((p) => indexObjdumpFile(p))));
  const resolver = new FrameResolver(set);
  if (ahead) for (const f of frames) resolver.prefetch(f);
  for (const f of frames) resolver.anchor(f);
  const sites = frames.map((f) => resolver.resolve(f));
  const dsos = [...new Set(frames.map((f) => f.dso))];
  return {
    sites,
    warnings: [...resolver.warnings],
    unused: dsos.map((d) => resolver.unusedBecause(d)),
    layouts: resolver.unconfirmedLayouts(),
    unmatched: set.unmatched(resolver.dsos).map((u) => u.listing.path),
  };
}

describe('reading listings ahead', () => {
  it('changes no answer: the right listings (one stripped), and another program under the same name', async () => {
    const frames = await framesOf(GUARD_TRACE);
    expect(frames.length).toBeGreaterThan(10);
    for (const listings of [[GUARD, LIBC], [TOUCH, LIBC]]) {
      const ahead = await resolveAll(listings, frames, true);
      expect(ahead).toEqual(await resolveAll(listings, frames, false));
    }
  });

  it('peeking at the listing set leaves no trace: a listing only peeked at still matched no dso', async () => {
    const set = new ListingSet([await indexObjdumpFile(GUARD), await indexObjdumpFile(LIBC)]);
    const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    expect(set.peek(libc)?.path).toContain('libc');
    // (unmatched asks forDso of the dsos it is given: none here)
    expect(set.unmatched([]).map((u) => u.listing.path).some((p) => p.includes('libc'))).toBe(true);
    expect(set.forDso(libc)).toBe(set.peek(libc));
    expect(set.unmatched([]).map((u) => u.listing.path).some((p) => p.includes('libc'))).toBe(false);
  });
});
