// A fault in kernel mode happens inside whatever call its thread is in: it
// does not end that call, whether or not the tracepoint's error_code could be
// read (exceptions:page_fault_kernel says kernel mode on its own). Before: a
// page_fault_kernel record without a readable error_code closed its thread's
// open mprotect, so the TLB flush the mprotect ran next was charged to no call.
// samples/tlb/forkcow-nochain.perf-script.txt: perf 6.1, no sys_exit_mprotect.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/pipeline.js';
import type { Report } from '../../../src/model.js';

const P = `${import.meta.dirname}/../../../samples/tlb`;
const lines = readFileSync(`${P}/forkcow-nochain.perf-script.txt`, 'utf8').split('\n');
const dir = mkdtempSync(join(tmpdir(), 'faultpath-kfault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The capture with `fault` inserted right after its first mprotect entry (before the flush that mprotect ran).
async function withFault(name: string, fault: string | undefined): Promise<Report> {
  const at = lines.findIndex((l) => l.includes('syscalls:sys_enter_mprotect:'));
  const enter = lines[at]!;
  const out = lines.slice();
  if (fault !== undefined) {
    const time = enter.match(/(\d+\.\d+):/)![1]!;
    const later = (Number(time) + 0.000001).toFixed(6);
    out.splice(at + 1, 0, enter.slice(0, enter.indexOf(time)) + `${later}:  exceptions:page_fault_kernel: ${fault}`);
  }
  const path = join(dir, name);
  writeFileSync(path, out.join('\n'));
  return buildReport({ traces: [path], objdump: [`${P}/forkcow.objdump-dl.txt`] });
}

function flushes(r: Report): [string, Record<string, number>][] {
  return r.protection!.sites.filter((s) => Object.keys(s.tlbFlushes).length > 0).map((s) => [s.site, s.tlbFlushes]);
}

describe('a kernel-mode fault inside an open protection call', async () => {
  const plain = await withFault('plain.txt', undefined);
  const coded = await withFault('coded.txt', 'address=0x7ff93af8a000 ip=0xffffffff81b75d98 error_code=0x0');
  const uncoded = await withFault('uncoded.txt', 'address=0x7ff93af8a000 ip=0xffffffff81b75d98');

  it('the inserted faults are read as kernel faults', () => {
    expect(coded.events['exceptions:page_fault_kernel']).toBe(1);
    expect(uncoded.events['exceptions:page_fault_kernel']).toBe(1);
  });

  it('leaves the call open: the flush it ran next is still charged to it, with or without an error code', () => {
    // the first mprotect's flush (pages:4) is there to charge
    expect(flushes(plain).length).toBeGreaterThan(0);
    expect(flushes(coded)).toEqual(flushes(plain));
    expect(flushes(uncoded)).toEqual(flushes(plain));
    expect(uncoded.protection!.unattributedFlushes).toEqual(plain.protection!.unattributedFlushes);
  });
});
