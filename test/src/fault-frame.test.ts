// FaultFrames splits a record's stack once per stack: by the parser's stack
// number when the record has one, and only while the record's stack is the
// array the split was made of (src/inlined.ts rewrites stacks per record,
// keeping their number).
import { describe, expect, it } from 'vitest';
import { AddressSpaces } from '../../src/addresses.js';
import { pathCallers, type PathFrames } from '../../src/aggregate.js';
import { FaultFrames } from '../../src/fault-frame.js';
import { ThreadOwners } from '../../src/memory/index.js';
import type { Frame, SampleRecord } from '../../src/model.js';

const kernel: Frame = { addr: 'ffffffff81000c82', symbol: 'asm_exc_page_fault', offset: 0x22, dso: '[kernel.kallsyms]' };
const leaf: Frame = { addr: '1b7ad', symbol: '_dl_start', offset: 0x3d, dso: '/lib/ld.so' };
const caller: Frame = { addr: '1ab78', symbol: '_dl_start_user', offset: 0, dso: '/lib/ld.so' };
const inlinedAt: Frame = { addr: '1b7ad', symbol: 'helper', offset: -1, dso: '/lib/ld.so', inlined: true };

// A split as its frames: the callers are read from the stack it shares
function split(p: PathFrames): { site: Frame; callers: Frame[]; inlined: readonly Frame[] } {
  return { site: p.site, callers: pathCallers(p), inlined: p.inlined };
}

function sample(event: string, stack: readonly Frame[], stackId?: number): SampleRecord {
  return { kind: 'sample', source: 't', line: 1, comm: 'c', pid: 1, tid: 1, cpu: -1, time: 1, period: 1, event, payload: '', stack, ...(stackId !== undefined ? { stackId } : {}) };
}

describe('FaultFrames', () => {
  it('splits a numbered stack once, and again for another array under the same number', () => {
    const ff = new FaultFrames(new AddressSpaces(new ThreadOwners()));
    const stack = [leaf, caller];
    const first = ff.of(sample('page-faults', stack, 3), undefined);
    expect(split(first)).toEqual({ site: leaf, callers: [caller], inlined: [] });
    expect(ff.of(sample('page-faults', stack, 3), undefined)).toBe(first);
    // the same number, a rewritten array: its own split, and the parser's array again after it
    const rewritten = [inlinedAt, leaf, caller];
    expect(split(ff.of(sample('page-faults', rewritten, 3), undefined))).toEqual({ site: leaf, callers: [caller], inlined: [inlinedAt] });
    expect(ff.of(sample('page-faults', stack, 3), undefined)).toEqual(first);
    // unnumbered records are split alike
    expect(ff.of(sample('page-faults', stack), undefined)).toEqual(first);
  });

  it('keeps the tracepoint user event apart: its faulting frame is the first user frame', () => {
    const ff = new FaultFrames(new AddressSpaces(new ThreadOwners()));
    const stack = [kernel, leaf, caller];
    expect(ff.of(sample('page-faults', stack, 0), undefined).site).toBe(kernel);
    expect(ff.of(sample('exceptions:page_fault_user', stack, 0), undefined).site).toBe(leaf);
    expect(ff.of(sample('page-faults', stack, 0), undefined).site).toBe(kernel);
    expect(split(ff.of(sample('exceptions:page_fault_user', stack, 0), undefined))).toEqual({ site: leaf, callers: [caller], inlined: [] });
  });
});
