// The page map against a plain page-by-page model, on random call sequences
// written in perf script's own payload format (as in samples/protection):
//   syscalls:sys_enter_mprotect: start: 0x7f740d9a4000, len: 0x00001000, prot: 0x00000001
//   syscalls:sys_exit_mprotect: 0xffffffffffffffea
//   syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000
//   syscalls:sys_exit_mmap: 0x7f065b3aa000
//   syscalls:sys_enter_munmap: addr: 0x7f065b3a1000, len: 0x00008883
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../src/model.js';
import { ProtectionTimeline } from '../../src/memory/index.js';
import { normalizeRecord } from '../../src/events.js';

const PAGE = 4096;
const BASE = 0x7f0000000000;
const PAGES = 16;
const PID = 4242;

type Op =
  | { call: 'mprotect'; page: number; len: number; prot: number; fail: boolean }
  | { call: 'munmap'; page: number; len: number; fail: boolean }
  | { call: 'mmap'; page: number; len: number; prot: number; fixed: boolean; fail: boolean };

const hex = (n: number, width = 8): string => `0x${n.toString(16).padStart(width, '0')}`;
const ERR = '0xfffffffffffffff4'; // -ENOMEM as perf script prints it

let line = 0;
function record(event: string, payload: string): SampleRecord {
  line++;
  return { kind: 'sample', source: 'synthetic', line, comm: 'p', pid: -1, tid: PID, cpu: 0, time: line / 1000, period: 1, event, payload, stack: [] };
}

// One call as its enter (and, with exits, its exit) record.
function recordsOf(op: Op, exits: boolean): SampleRecord[] {
  const start = BASE + op.page * PAGE;
  const out: SampleRecord[] = [];
  switch (op.call) {
    case 'mprotect':
      out.push(record('syscalls:sys_enter_mprotect', `start: ${hex(start)}, len: ${hex(op.len)}, prot: ${hex(op.prot)}`));
      break;
    case 'munmap':
      out.push(record('syscalls:sys_enter_munmap', `addr: ${hex(start)}, len: ${hex(op.len)}`));
      break;
    case 'mmap':
      out.push(record('syscalls:sys_enter_mmap', `addr: ${hex(op.fixed ? start : 0)}, len: ${hex(op.len)}, prot: ${hex(op.prot)}, flags: ${hex(op.fixed ? 0x32 : 0x22)}, fd: 0xffffffff, off: 0x00000000`));
      break;
  }
  if (exits) out.push(record(`syscalls:sys_exit_${op.call}`, op.fail ? ERR : op.call === 'mmap' ? hex(start, 1) : '0x0'));
  return out;
}

const opArb = (withFailures: boolean): fc.Arbitrary<Op> => {
  const page = fc.integer({ min: 0, max: PAGES - 1 });
  const len = fc.integer({ min: 1, max: 6 * PAGE });
  const fail = withFailures ? fc.boolean() : fc.constant(false);
  return fc.oneof(
    fc.record({ call: fc.constant('mprotect' as const), page, len, prot: fc.integer({ min: 0, max: 7 }), fail }),
    fc.record({ call: fc.constant('munmap' as const), page, len, fail }),
    fc.record({ call: fc.constant('mmap' as const), page, len, prot: fc.integer({ min: 0, max: 7 }), fixed: fc.boolean(), fail }),
  );
};

// The model: per page, the prot and the line of the enter record that set it.
function check(ops: Op[], exits: boolean): void {
  const t = new ProtectionTimeline();
  const model: ({ prot: number; line: number } | undefined)[] = new Array(PAGES + 6).fill(undefined);
  for (const op of ops) {
    const rs = recordsOf(op, exits);
    for (const r of rs) t.add(normalizeRecord(r));
    const enterLine = rs[0]!.line;
    // without exits, a non-fixed mmap cannot be placed
    const applies = !op.fail && (exits || op.call !== 'mmap' || op.fixed);
    if (applies) {
      const pages = Math.ceil(op.len / PAGE);
      for (let p = op.page; p < op.page + pages; p++) model[p] = op.call === 'munmap' ? undefined : { prot: op.prot, line: enterLine };
    }
    for (let p = 0; p < model.length; p++) {
      const got = t.covering(-1, PID, BASE + p * PAGE + 123);
      const want = model[p];
      expect(got === undefined ? undefined : { prot: got.prot, line: got.line }, `page ${p} after line ${enterLine}`).toEqual(want);
    }
  }
  const summary = t.summary();
  const calls = summary.reduce((n, s) => n + Object.values(s.calls).reduce((a, b) => a + b, 0), 0);
  const placed = ops.filter((op) => exits || op.call !== 'mmap' || op.fixed).length;
  expect(calls).toBe(placed);
  expect(summary.reduce((n, s) => n + s.failed, 0)).toBe(ops.filter((op) => op.fail && (exits || op.call !== 'mmap' || op.fixed)).length);
}

describe('the page map', () => {
  it('matches a page-by-page model, failed calls undone at their exit', () => {
    fc.assert(
      fc.property(fc.array(opArb(true), { maxLength: 25 }), (ops) => check(ops, true)),
      { numRuns: 300 },
    );
  });

  it('matches it without exit records (nothing can fail, non-fixed mmaps are unplaced)', () => {
    fc.assert(
      fc.property(fc.array(opArb(false), { maxLength: 25 }), (ops) => {
        check(ops, false);
      }),
      { numRuns: 300 },
    );
  });

  it('counts unplaced mmaps when the trace has no exits', () => {
    const t = new ProtectionTimeline();
    for (const r of recordsOf({ call: 'mmap', page: 0, len: PAGE, prot: 3, fixed: false, fail: false }, false)) t.add(normalizeRecord(r));
    t.add(normalizeRecord(record('exceptions:page_fault_user', `address=${hex(BASE, 1)} ip=0x1000 error_code=0x6`)));
    expect(t.report()).toMatchObject({ unplaced: 1 });
    expect(t.report().notes).toContain('no sys_exit_mmap records: failed mmap calls cannot be told apart from successful ones');
  });
});

describe('memory', () => {
  // Before, every change kept the ranges it replaced (to undo a failed call)
  // and those held the changes before it: the whole history stayed reachable.
  it('lets a change go once a later settled call has replaced all it set', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (const exits of [true, false]) {
      const t = new ProtectionTimeline();
      let first: WeakRef<object> | undefined;
      for (let i = 0; i < 50; i++) {
        for (const r of recordsOf({ call: 'mprotect', page: 2, len: PAGE, prot: i % 2 === 0 ? 1 : 3, fail: false }, exits)) {
          const change = t.add(normalizeRecord(r));
          if (change !== undefined && first === undefined) first = new WeakRef(change);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      expect(first, `exits: ${exits}`).toBeDefined();
      expect(first!.deref(), `exits: ${exits}`).toBeUndefined();
    }
  });
});
