// The batches between report's worker thread and the main thread
// (src/report-batch.ts), encoded and decoded in one thread: every record comes
// out as the parser handed it over, in order with the bad lines, whatever its
// shape: texts that are not ASCII or do not fit a slot, data addresses found in
// the payload or not, callchains numbered, interned without a number, fresh or
// deeper than a slot holds, ids past 32 bits; frames and interned callchains
// met again are the same objects; the ring's slots are reused; the numbers read
// in the worker from fault, mprotect and syscall exit payloads make the events
// normalizeRecord makes. And across real threads (the built module: workers need
// compiled code): a consumer that falls behind, so the encoder waits on a full
// ring until some of it is free, gets every record in order, for rings of any size.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PerfScriptByteReader } from '../../parsers/perf-script-bytes.js';
import { PerfScriptParser } from '../../parsers/perf-script.js';
import { decodeHotRecord, HOT_FAULT, HOT_MPROTECT, HOT_NONE, HOT_RETURN, HOT_VALUES, normalizeRecord, type TraceEvent } from '../../src/events.js';
import type { Diagnostic, Frame, SampleRecord, TraceRecord } from '../../src/model.js';
import { BATCH_ITEMS, BatchDecoder, FIRST_BATCH_ITEMS, BatchEncoder, newBatchRing, type Batch } from '../../src/report-batch.js';

const SOURCE = 'trace.txt';

// What a consumer that keeps events keeps of one: the decoder fills a fault's event, record and access in again for the next fault.
const held = (e: TraceEvent): TraceEvent => (e.kind === 'fault' ? { ...e, record: { ...e.record }, access: { ...e.access } } : e);

function roundTrip(items: (TraceRecord | Diagnostic)[], slots = 2) {
  const ring = newBatchRing(slots);
  const decoder = new BatchDecoder(ring, SOURCE);
  const out: (TraceEvent | Diagnostic)[] = [];
  const batches: Batch[] = [];
  // decoded as sent: the encoder waits for a free slot, and this thread is the one that frees it
  const encoder = new BatchEncoder(ring, (b) => {
    batches.push(b);
    decoder.decode(b, (e) => out.push(held(e)), (d) => out.push(d));
  });
  for (const x of items) {
    if ('reason' in x) encoder.diagnostic(x);
    else encoder.record(x);
  }
  encoder.post();
  return { out, batches };
}

const frame = (i: number, dso = '/usr/lib/libc.so.6'): Frame => ({ addr: (0x1000 + i).toString(16), symbol: `fn${i}`, offset: i, dso });

function sample(line: number, fields: Partial<SampleRecord>): SampleRecord {
  const base: SampleRecord = { kind: 'sample', source: SOURCE, line, comm: 'app', pid: 10, tid: 11, cpu: 1, time: 100 + line / 1e6, period: 1, event: 'page-faults', payload: '', stack: [] };
  return { ...base, ...fields };
}

describe('report worker batches', () => {
  it('hand over every record shape as the parser handed it, in order with the bad lines', () => {
    const frames = Array.from({ length: 50 }, (_, i) => frame(i));
    const numbered = [frames.slice(0, 5), frames.slice(3, 9), [frames[7]!]];
    const interned = frames.slice(10, 14);
    const deep = Array.from({ length: 70_000 }, (_, i) => frames[i % 50]!);
    const items: (TraceRecord | Diagnostic)[] = [];
    let line = 1;
    for (let i = 0; i < 3 * BATCH_ITEMS + 17; i++, line += 3) {
      const k = i % 11;
      const addr = (0x7f0000000000 + i * 4096).toString(16);
      if (k === 0) items.push(sample(line, { payload: `${addr} fn+0x0 (/bin/app)`, addr, stack: numbered[i % 3]!, stackId: i % 3 }));
      else if (k === 1) items.push(sample(line, { comm: 'wörker ✓', event: 'exceptions:page_fault_user', payload: `address=0x${addr} ip=0x401000 error_code=0x6 — café`, stack: interned }));
      else if (k === 2) items.push(sample(line, { payload: 'no address here', addr, stack: [frames[i % 50]!] }));
      else if (k === 3) items.push(sample(line, { pid: 2 ** 33, payload: 'a pid past 32 bits', stack: numbered[0]!, stackId: 0 }));
      else if (k === 4) items.push(sample(line, { event: 'syscalls:sys_enter_mprotect', payload: 'start: 0x7f0000000000, len: 0x00001000, prot: 0x00000001', stack: numbered[1]!, stackId: 1 }));
      else if (k === 5) items.push({ source: SOURCE, line, reason: `bad line ${i}` });
      else if (k === 6) items.push(sample(line, { event: 'syscalls:sys_exit_mprotect', payload: '0x0', fields: { __syscall_nr: '10' }, ret: 0, stack: interned }));
      else if (k === 7) items.push({ kind: 'mmap', source: SOURCE, line, comm: 'app', pid: 10, tid: 10, time: 100, start: 0x400000, len: 0x1000, pgoff: 0, prot: 'r-xp', filename: '/bin/app', buildId: 'abc123' });
      else if (k === 8) items.push(sample(line, { payload: 'x'.repeat(200) + ' é', addr: 'é', time: NaN, cpu: -1, pid: -1 }));
      else if (k === 9) items.push(sample(line, { payload: `${addr} [unknown] ([stack])`, addr, stack: [] }));
      else items.push(sample(line, { payload: '', stack: frames.slice(20, 20 + (i % 7)), period: 4096 }));
    }
    // a payload and a stack too big for a slot
    items.push(sample(line++, { payload: 'ü'.repeat(200_000), stack: deep }));
    items.push(sample(line++, { payload: 'after the big one', stack: numbered[2]!, stackId: 2 }));

    const { out, batches } = roundTrip(items);
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.some((b) => b.text.length > 0) && batches.some((b) => b.frames.length > 0)).toBe(true);
    expect(out).toEqual(items.map((x) => ('reason' in x ? x : normalizeRecord(x))));
    // a software fault's record, copied, has the parser's keys in the parser's order (its payload and address read from the batch)
    let faults = 0;
    items.forEach((x, i) => {
      if ('reason' in x || x.kind !== 'sample' || x.event !== 'page-faults') return;
      const keys = ['kind', 'source', 'line', 'comm', 'pid', 'tid', 'cpu', 'time', 'period', 'event', 'payload', ...(x.addr !== undefined ? ['addr'] : []), 'stack', 'stackId'];
      expect(Object.keys((out[i] as Extract<TraceEvent, { record: SampleRecord }>).record)).toEqual(keys);
      faults++;
    });
    expect(faults).toBeGreaterThan(100);

    // one object per frame, and per numbered or interned callchain, as the parser's
    const seenFrames = new Map<Frame, Frame>();
    const seenStacks = new Map<readonly Frame[], readonly Frame[]>();
    items.forEach((x, i) => {
      if ('reason' in x || x.kind !== 'sample') return;
      const got = (out[i] as Extract<TraceEvent, { record: SampleRecord }>).record.stack;
      x.stack.forEach((f, j) => {
        expect(seenFrames.get(f) ?? got[j]).toBe(got[j]);
        seenFrames.set(f, got[j]!);
      });
      if (x.stackId !== undefined || (x.stack === interned)) {
        expect(seenStacks.get(x.stack) ?? got).toBe(got);
        seenStacks.set(x.stack, got);
      }
    });
    expect(seenStacks.size).toBe(4);
  });

  it('hand over the numbers read from fault, mprotect and syscall exit payloads: the events normalizeRecord makes', () => {
    const frames = [frame(0), { addr: 'ffffffff81000000', symbol: 'asm_exc_page_fault', offset: 0, dso: '[kernel.kallsyms]' }, { addr: 'zz', symbol: '[unknown]', offset: 0, dso: '[unknown]' }];
    const enter = 'syscalls:sys_enter_mprotect';
    const shapes: [Partial<SampleRecord>, number][] = [
      [{ payload: '7f0000001000 fn+0x0 (/bin/app)', addr: '7f0000001000', stack: [frames[0]!] }, HOT_FAULT],
      [{ event: 'page-faults:u', payload: '7F0000002000', addr: '7F0000002000', stack: [] }, HOT_FAULT],
      [{ event: 'minor-faults', payload: 'kernel', addr: 'ffffffff81000000', stack: [frames[1]!, frames[0]!] }, HOT_FAULT],
      [{ event: 'major-faults', payload: 'no address', stack: [frames[2]!] }, HOT_FAULT],
      [{ event: 'page-faults', payload: 'odd', addr: '0x12g', stack: [frames[0]!] }, HOT_FAULT],
      [{ event: enter, payload: 'start: 0x7f4fdd269000, len: 0x00004000, prot: 0x00000001' }, HOT_MPROTECT],
      [{ event: enter, payload: 'start: 0x7f4fdd269000, len: 0x00004000, prot: 0x00000003               0', addr: '0' }, HOT_MPROTECT],
      [{ event: enter, payload: 'start: 0xffffffffffffffff, len: 0x0, prot: READ|BOGUS' }, HOT_MPROTECT],
      [{ event: enter, payload: 'garbage' }, HOT_MPROTECT],
      [{ event: 'syscalls:sys_enter_pkey_mprotect', payload: 'start: 0x7f486c1f2000, len: 0x00001000, prot: 0x00000005, pkey: 0xffffffff' }, HOT_MPROTECT],
      [{ event: 'syscalls:sys_enter_pkey_mprotect', payload: 'start: 0x7f486c1f2000, len: 0x00001000, prot: 0x00000005, pkey: 0x00000002' }, HOT_MPROTECT],
      [{ event: 'syscalls:sys_exit_mprotect', payload: '0x0' }, HOT_RETURN],
      [{ event: 'syscalls:sys_exit_mprotect', payload: '0xffffffffffffffea' }, HOT_RETURN],
      [{ event: 'syscalls:sys_exit_mmap', payload: '0x7f065b3aa000               0', addr: '0' }, HOT_RETURN],
      [{ event: 'syscalls:sys_exit_mprotect', payload: '' }, HOT_RETURN],
      [{ event: 'syscalls:sys_enter_mmap', payload: 'addr: 0x00000000, len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000' }, HOT_NONE],
      [{ event: 'exceptions:page_fault_user', payload: 'address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14' }, HOT_NONE],
      [{ event: 'cycles', payload: '401000 main (/bin/app)', addr: '401000' }, HOT_NONE],
    ];
    const values = new Float64Array(HOT_VALUES);
    const items = Array.from({ length: BATCH_ITEMS + 40 }, (_, i) => {
      const [fields, hot] = shapes[i % shapes.length]!;
      // (stackId as the parser leaves it: strictly equal, an ip left out is not one undefined)
      const r = sample(i + 1, { stackId: undefined, ...fields });
      expect(decodeHotRecord(r, values, 0), r.event).toBe(hot);
      return r;
    });
    const { out } = roundTrip(items);
    expect(out).toStrictEqual(items.map((r) => normalizeRecord(r)));
  });

  it('reuse the ring: records through one slot come out the same', () => {
    const frames = Array.from({ length: 8 }, (_, i) => frame(i));
    const items = Array.from({ length: 2 * BATCH_ITEMS + 5 }, (_, i) => sample(i + 1, { payload: `p${i}`, stack: frames.slice(0, 1 + (i % 8)), stackId: i % 8 }));
    const { out, batches } = roundTrip(items, 1);
    expect(batches.map((b) => b.slot)).toEqual([0, 0, 0]);
    expect(out).toEqual(items.map((r) => normalizeRecord(r)));
  });

  it('take the slot freed last: a consumer that keeps up has every batch in one slot, one that falls behind frees them in the order sent', () => {
    // five full batches (the first is shorter)
    const items = Array.from({ length: FIRST_BATCH_ITEMS + 4 * BATCH_ITEMS }, (_, i) => sample(i + 1, { payload: `p${i}` }));
    expect(roundTrip(items, 8).batches.map((b) => b.slot)).toEqual([0, 0, 0, 0, 0]);
    // decoded two batches late: the encoder's next slot is always the one just freed
    const ring = newBatchRing(4);
    const decoder = new BatchDecoder(ring, SOURCE);
    const pending: Batch[] = [];
    const slots: number[] = [];
    const out: (TraceEvent | Diagnostic)[] = [];
    const encoder = new BatchEncoder(ring, (b) => {
      slots.push(b.slot);
      pending.push(b);
      if (pending.length > 2) decoder.decode(pending.shift()!, (e) => out.push(held(e)), (d) => out.push(d));
    });
    for (const r of items) encoder.record(r);
    encoder.post();
    for (const b of pending) decoder.decode(b, (e) => out.push(held(e)), (d) => out.push(d));
    expect(slots).toEqual([0, 1, 2, 0, 1]);
    expect(out).toEqual(items.map((r) => normalizeRecord(r)));
  });

  it("hand over the worker parser's one reused record as the parser's own records, on every perf script sample", () => {
    const odd = [
      'app 4294967296/4294967297 [000] 1.000001: 1 page-faults: \t    7f0000001000 fn+0x0 (/bin/app)',
      '\t          401000 main+0x10 (/bin/app)',
      '',
      'wörker 10/11 [001] 1.000002: 1 page-faults: \t    7f0000002000 café+0x0 (/bin/app)',
      '\t          401000 main+0x10 (/bin/app)',
      '',
      'app 10/11 [001] 1.000003: 1 page-faults: \t    7f0000003000 fn+0x0 (/bin/app)\t          401010 main+0x20 (/bin/app)',
      '  app.c:12',
      'app 10/11 [001] 1.000004: 1 page-faults:',
      'app 10/11 [001] 1.000005: 1 page-faults:       401010 main+0x20 (/bin/app)',
      '',
    ].join('\n');
    const texts: [string, Buffer][] = [['odd', Buffer.from(odd)]];
    for (const d of readdirSync('samples')) {
      for (const f of readdirSync(`samples/${d}`)) {
        if (!/perf-script\.txt(\.gz)?$/.test(f)) continue;
        const bytes = readFileSync(`samples/${d}/${f}`);
        texts.push([`${d}/${f}`, f.endsWith('.gz') ? gunzipSync(bytes) : bytes]);
      }
    }
    expect(texts.length).toBeGreaterThan(40);
    for (const [name, bytes] of texts) {
      const parse = (reuseRecords: boolean, onRecord: (r: TraceRecord) => void, onDiagnostic: (d: Diagnostic) => void) => {
        const reader = new PerfScriptByteReader(new PerfScriptParser({ source: SOURCE, reuseRecords, onDiagnostic }, onRecord), { source: SOURCE });
        // cut into chunks: a header's bytes are gone before its record is flushed
        for (let at = 0; at < bytes.length; at += 4093) reader.write(Buffer.from(bytes.subarray(at, at + 4093)));
        reader.end();
      };
      const want: (TraceEvent | Diagnostic)[] = [];
      parse(false, (r) => want.push(normalizeRecord(r)), (d) => want.push(d));
      const ring = newBatchRing(2);
      const decoder = new BatchDecoder(ring, SOURCE);
      const got: (TraceEvent | Diagnostic)[] = [];
      const encoder = new BatchEncoder(ring, (b) => decoder.decode(b, (e) => got.push(held(e)), (d) => got.push(d)));
      parse(true, encoder.record, encoder.diagnostic);
      encoder.post();
      expect(got, name).toEqual(want);
    }
  });

  it('hand over every record across threads when the main thread falls behind: the worker waits on a full ring and is woken when some of it is free', async () => {
    const built = pathToFileURL(join(import.meta.dirname, '../../dist/src/report-batch.js')).href;
    const batching = (await import(built)) as typeof import('../../src/report-batch.js');
    const count = 5 * BATCH_ITEMS + 7;
    // the encoder in a worker thread, records made there (the worker sends its batches, then 'end')
    const encode = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.built).then(({ BatchEncoder }) => {
        const encoder = new BatchEncoder(workerData.ring, (b) => parentPort.postMessage(b));
        for (let i = 0; i < workerData.count; i++)
          encoder.record({ kind: 'sample', source: 's', line: i + 1, comm: 'c', pid: 1, tid: 2, cpu: 0, time: i, period: 1, event: 'cycles', payload: 'p' + i, stack: [] });
        encoder.post();
        parentPort.postMessage('end');
      });`;
    for (const slots of [1, 2, 3, 8]) {
      const ring = batching.newBatchRing(slots);
      const decoder = new batching.BatchDecoder(ring, 's');
      const lines: number[] = [];
      const worker = new Worker(encode, { eval: true, workerData: { built, ring, count } });
      let batches = 0;
      await new Promise<void>((resolve, reject) => {
        const hang = setTimeout(() => reject(new Error(`${slots} slots: no batch for 20 s after ${lines.length} records`)), 20_000);
        worker.on('error', reject);
        worker.on('message', (m: Batch | 'end') => {
          if (m === 'end') {
            clearTimeout(hang);
            resolve();
            return;
          }
          // every other batch, this thread is slow: the worker fills the ring and waits
          if (batches++ % 2 === 0) for (const until = Date.now() + 3; Date.now() < until; );
          decoder.decode(m, (e) => lines.push((e as Extract<TraceEvent, { record: SampleRecord }>).record.line), (d) => reject(new Error(d.reason)));
        });
      });
      await worker.terminate();
      expect(lines.length, `${slots} slots`).toBe(count);
      expect(lines.every((line, i) => line === i + 1), `${slots} slots`).toBe(true);
    }
  }, 60_000);
});
