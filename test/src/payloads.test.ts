// Payload numbers: parseNum reads short hex and decimal texts without a
// BigInt; it must give what the BigInt reading gives for every text. Payloads
// read once are kept by their text: a repeated payload reads alike. mprotect's
// arguments and exit values of one short hex number are read without the
// fields: alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/events.js';
import type { SampleRecord } from '../../src/model.js';
import { parseNum } from '../../src/payloads.js';
import { parseTracepointFields } from '../../parsers/index.js';

// parseNum as it read every text before its short cut: through BigInt.
function viaBigInt(text: string | undefined): number {
  if (text === undefined) return NaN;
  const t = text.trim();
  let v: bigint;
  try {
    if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^-?\d+$/.test(t)) v = BigInt(t);
    else return NaN;
  } catch {
    return NaN;
  }
  if (v >= 1n << 63n) v -= 1n << 64n;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) return NaN;
  return Number(v);
}

const hexDigit = fc.constantFrom(...'0123456789abcdefABCDEFgx'.split(''));
const decDigit = fc.constantFrom(...'0123456789'.split(''));
const numberText = fc.oneof(
  fc.tuple(fc.constantFrom('0x', '0X', '0', 'x', '-0x', ''), fc.array(hexDigit, { maxLength: 18 })).map(([p, d]) => p + d.join('')),
  fc.tuple(fc.constantFrom('', '-', '+', '--'), fc.array(decDigit, { maxLength: 22 })).map(([p, d]) => p + d.join('')),
  fc.string({ maxLength: 8 }),
);

describe('parseNum', () => {
  it('reads every text as the BigInt reading does (blanks around it, signs, lengths past 2^53)', () => {
    fc.assert(
      fc.property(numberText, fc.constantFrom('', ' ', '\t', '  '), fc.constantFrom('', ' ', '\n'), (t, before, after) => {
        expect(Object.is(parseNum(before + t + after), viaBigInt(before + t + after))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    for (const t of ['0x0', '-0', '0x00001000', '0xffffffffffffffea', '0x7f065b3aa000', '999999999999999', '9999999999999999', '0x1fffffffffffff', '0xfffffffffffff', '-1', '0x', '-']) {
      expect(Object.is(parseNum(t), viaBigInt(t))).toBe(true);
    }
  });
});

describe('payloads read once', () => {
  const record = (event: string, payload: string): SampleRecord => ({ kind: 'sample', source: 't', line: 1, comm: 'c', pid: 1, tid: 1, cpu: -1, time: 1, period: 1, event, payload, stack: [] });

  it('reads a repeated payload as the first time, whichever record carries it', () => {
    const payload = 'start: 0x7f135ae47000, len: 0x00004000, prot: 0x00000001';
    const first = normalizeRecord(record('syscalls:sys_enter_mprotect', payload));
    expect(first).toMatchObject({ kind: 'call', name: 'mprotect', args: { call: 'mprotect', start: 0x7f135ae47000, len: 0x4000, prot: 1, pkey: -1 } });
    // the same text under another syscall reads its own fields from it
    expect(normalizeRecord(record('syscalls:sys_enter_munmap', payload))).toMatchObject({ kind: 'call', args: { call: 'munmap', addr: NaN, len: 0x4000 } });
    expect(normalizeRecord(record('syscalls:sys_enter_mprotect', payload))).toEqual(first);
    for (let i = 0; i < 3; i++) expect(normalizeRecord(record('syscalls:sys_exit_mprotect', '0xffffffffffffffea'))).toMatchObject({ kind: 'return', ret: -22 });
  });
});

describe('mprotect and exit payloads read without their fields', () => {
  const record = (event: string, payload: string): SampleRecord => ({ kind: 'sample', source: 't', line: 1, comm: 'c', pid: 1, tid: 1, cpu: -1, time: 1, period: 1, event, payload, stack: [] });
  const value = fc.tuple(fc.constantFrom('0x', '0x', '0X', ''), fc.array(hexDigit, { maxLength: 16 })).map(([p, d]) => p + d.join(''));
  const key = fc.constantFrom('start: ', 'len: ', 'prot: ', 'pkey: ', 'addr: ', 'len:', 'prot=');
  const sep = fc.constantFrom(', ', ', ', ',', ' ', ' , ');
  const tail = fc.constantFrom('', '', ',', ' ', '               0');

  // the reading through the fields, as before the short cut: each value's first token as a number
  // (the values here are no PROT_* names)
  const field = (f: Record<string, string>, name: string) => parseNum(f[name]?.split(/\s/)[0]);
  function viaFields(call: string, payload: string) {
    const f = parseTracepointFields(payload);
    let pkey = call === 'pkey_mprotect' ? field(f, 'pkey') : -1;
    if (pkey === 0xffffffff || Number.isNaN(pkey)) pkey = -1;
    return { call, start: field(f, 'start'), len: field(f, 'len'), prot: field(f, 'prot'), pkey };
  }
  const read = (event: string, payload: string) => normalizeRecord(record(event, payload)) as { args?: unknown; ret?: unknown };

  it('reads what the fields read, for any keys, values and separators', () => {
    const perf = [
      ['mprotect', 'start: 0x7f4fdd269000, len: 0x00004000, prot: 0x00000001'],
      ['pkey_mprotect', 'start: 0x7f486c1f2000, len: 0x00001000, prot: 0x00000005, pkey: 0xffffffff'],
      ['pkey_mprotect', 'start: 0x7f486c1f2000, len: 0x00001000, prot: 0x00000005, pkey: 0x00000002'],
    ] as const;
    for (const [call, payload] of perf) expect(read(`syscalls:sys_enter_${call}`, payload).args).toEqual(viaFields(call, payload));
    fc.assert(
      fc.property(fc.constantFrom('mprotect', 'pkey_mprotect'), fc.array(fc.tuple(key, value), { maxLength: 5 }), sep, tail, (call, fields, between, end) => {
        const payload = fields.map(([k, v]) => k + v).join(between) + end;
        expect(read(`syscalls:sys_enter_${call}`, payload).args).toEqual(viaFields(call, payload));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads an exit value as the fields do', () => {
    fc.assert(
      fc.property(value, tail, (v, end) => {
        expect(read('syscalls:sys_exit_mprotect', v + end).ret).toEqual(field(parseTracepointFields(v + end), 'ret'));
      }),
      { numRuns: 2000 },
    );
  });
});
