import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessDenied, classifyFault, decodeErrorCode, parseErrorCode } from '../../src/fault-class.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory/bits.js';
import type { SampleRecord } from '../../src/model.js';

const BITS = [
  ['protection', 0],
  ['write', 1],
  ['user', 2],
  ['reserved', 3],
  ['fetch', 4],
  ['pkey', 5],
  ['shadowStack', 6],
  ['sgx', 15],
] as const;

const samples = fileURLToPath(new URL('../../samples/protection/', import.meta.url));

// Every error_code the real captures hold, from the raw text.
function capturedErrorCodes(): number[] {
  const codes = new Set<number>();
  for (const name of ['cow', 'threads', 'jit', 'mapping']) {
    const text = readFileSync(`${samples}${name}.perf-script.txt`, 'utf8');
    for (const m of text.matchAll(/error_code=0x([0-9a-f]+)/g)) codes.add(parseInt(m[1]!, 16));
  }
  return [...codes].sort((a, b) => a - b);
}

describe('decodeErrorCode', () => {
  it('reads each bit on its own and nothing else', () => {
    for (const [name, bit] of BITS) {
      const d = decodeErrorCode(1 << bit);
      for (const [other] of BITS) expect(d[other], `${name} alone: ${other}`).toBe(other === name);
    }
    for (const [other] of BITS) expect(decodeErrorCode(0)[other]).toBe(false);
  });

  it('agrees with (code >> bit) & 1 for every 16-bit code', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (code) => {
        const d = decodeErrorCode(code);
        return BITS.every(([name, bit]) => d[name] === (((code >> bit) & 1) === 1));
      }),
    );
  });

  it('decodes the codes the captures hold', () => {
    const codes = capturedErrorCodes();
    // first-touch fetch, read, write; copy-on-write / read-only write; a fetch from a present page
    expect(codes).toEqual([0x4, 0x6, 0x7, 0x14, 0x15]);
    expect(decodeErrorCode(0x15)).toEqual({ protection: true, write: false, user: true, reserved: false, fetch: true, pkey: false, shadowStack: false, sgx: false });
    expect(decodeErrorCode(0x7)).toEqual({ protection: true, write: true, user: true, reserved: false, fetch: false, pkey: false, shadowStack: false, sgx: false });
  });
});

describe('parseErrorCode', () => {
  it('reads perf script hex and perf trace decimal alike', () => {
    expect(parseErrorCode('0x15')).toBe(21);
    expect(parseErrorCode('21')).toBe(21);
    expect(parseErrorCode(' 0x7 ')).toBe(7);
  });
  it('leaves absent and malformed codes undefined', () => {
    expect(parseErrorCode(undefined)).toBeUndefined();
    expect(parseErrorCode('')).toBeUndefined();
    expect(parseErrorCode('-1')).toBeUndefined();
    expect(parseErrorCode('0xzz')).toBeUndefined();
  });
});

describe('classifyFault', () => {
  const ro = { prot: PROT_READ };
  const rw = { prot: PROT_READ | PROT_WRITE };
  const rx = { prot: PROT_READ | PROT_EXEC };
  const none = { prot: 0 };

  it('has no class for a fault without an error code', () => {
    expect(classifyFault(undefined, rw)).toBe('unknown');
    expect(classifyFault(undefined, undefined)).toBe('unknown');
  });

  it('tells first touch from copy-on-write by the present bit', () => {
    expect(classifyFault(0x4, undefined)).toBe('first-touch-read');
    expect(classifyFault(0x6, undefined)).toBe('first-touch-write');
    expect(classifyFault(0x6, rw)).toBe('first-touch-write');
    expect(classifyFault(0x7, rw)).toBe('copy-on-write');
    expect(classifyFault(0x7, undefined)).toBe('copy-on-write');
  });

  it('calls a write the covering protection forbids a write to a read-only page, present or not', () => {
    expect(classifyFault(0x7, ro)).toBe('write-to-read-only');
    expect(classifyFault(0x7, rx)).toBe('write-to-read-only');
    // x86 maps PROT_NONE pages not-present: bit 0 is clear
    expect(classifyFault(0x6, none)).toBe('write-to-read-only');
  });

  it('gives precedence to pkey, then kernel mode, then fetch', () => {
    expect(classifyFault(0x27, ro)).toBe('pkey');
    expect(classifyFault(0x2, rw)).toBe('kernel-mode');
    expect(classifyFault(0x3, ro)).toBe('kernel-mode');
    expect(classifyFault(0x14, undefined)).toBe('code-page-in');
    expect(classifyFault(0x15, ro)).toBe('nx-violation');
  });

  it('splits instruction fetches into code page-ins and fetches execute permission forbids', () => {
    // a code page not yet mapped in, whose protection allows the fetch
    expect(classifyFault(0x14, rx)).toBe('code-page-in');
    // a sealed JIT page without PROT_EXEC: present, or not yet mapped in
    expect(classifyFault(0x15, undefined)).toBe('nx-violation');
    expect(classifyFault(0x14, ro)).toBe('nx-violation');
    expect(classifyFault(0x14, rw)).toBe('nx-violation');
  });

  it('does not invent a class for reserved, shadow-stack, SGX or PROT_NONE reads', () => {
    expect(classifyFault(0xc, rw)).toBe('unknown');
    expect(classifyFault(0x46, rw)).toBe('unknown');
    expect(classifyFault(0x8006, rw)).toBe('unknown');
    expect(classifyFault(0x4, none)).toBe('unknown');
    expect(classifyFault(0x5, rw)).toBe('unknown');
  });
});

describe('accessDenied', () => {
  it('checks the access the code describes against the protection', () => {
    expect(accessDenied(0x7, PROT_READ)).toBe(true);
    expect(accessDenied(0x7, PROT_READ | PROT_WRITE)).toBe(false);
    expect(accessDenied(0x15, PROT_READ)).toBe(true);
    expect(accessDenied(0x15, PROT_READ | PROT_EXEC)).toBe(false);
    expect(accessDenied(0x4, 0)).toBe(true);
    expect(accessDenied(0x4, PROT_READ)).toBe(false);
  });
});
