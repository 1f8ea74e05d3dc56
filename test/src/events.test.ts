import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baseEventName, faultFamily, isFaultEvent, normalizeRecord, readFault } from '../../src/events.js';
import type { SampleRecord } from '../../src/model.js';
import { PerfScriptParser } from '../../parsers/perf-script.js';

const samples = fileURLToPath(new URL('../../samples/protection/', import.meta.url));

describe('readFault', () => {
  const base = { kind: 'sample', comm: 'jit', pid: -1, tid: 14847, cpu: 0, time: 8359.02, period: 1, source: 't', line: 1, stack: [] } as const;

  it('reads the exceptions tracepoint payload perf script prints', () => {
    // jit.perf-script.txt: the exec fault on the page sealed without PROT_EXEC
    const line = readFileSync(`${samples}jit.perf-script.txt`, 'utf8').split('\n').find((l) => l.includes('error_code=0x15'))!;
    const payload = line.slice(line.indexOf('exceptions:page_fault_user:') + 'exceptions:page_fault_user:'.length).trim();
    const r: SampleRecord = { ...base, event: 'exceptions:page_fault_user', payload };
    const m = /address=0x([0-9a-f]+) ip=0x([0-9a-f]+)/.exec(payload)!;
    expect(readFault(r)).toEqual({ address: parseInt(m[1]!, 16), ip: parseInt(m[2]!, 16), errorCode: 0x15, ipText: `0x${m[2]}` });
  });

  it('drops the column -F +addr appends to tracepoint lines', () => {
    // jit.perf-script-pid.txt: `… error_code=0x15               0`
    const line = readFileSync(`${samples}jit.perf-script-pid.txt`, 'utf8').split('\n').find((l) => l.includes('error_code=0x15'))!;
    expect(line).toMatch(/error_code=0x15\s+0$/);
    const payload = line.slice(line.indexOf('exceptions:page_fault_user:') + 'exceptions:page_fault_user:'.length).trim();
    expect(readFault({ ...base, event: 'exceptions:page_fault_user', payload })?.errorCode).toBe(0x15);
  });

  it('takes no data address from a tracepoint printed without its payload (-F with addr and no trace): its sample addr is 0', () => {
    // samples/fields/g.flags-addr (-F comm,tid,time,event,addr,sym,symoff,dso,flags): `… exceptions:page_fault_user:` then the flags' blanks and `0`
    const text = gunzipSync(readFileSync(fileURLToPath(new URL('../../samples/fields/g.flags-addr.txt.gz', import.meta.url)))).toString('utf8');
    const records: SampleRecord[] = [];
    const p = new PerfScriptParser({ source: 'g.flags-addr' }, (r) => r.kind === 'sample' && records.push(r));
    for (const l of text.split('\n')) p.line(l);
    p.end();
    const tracepoints = records.filter((r) => r.event === 'exceptions:page_fault_user');
    expect(tracepoints.length).toBeGreaterThan(100);
    expect(tracepoints.every((r) => r.payload === '0' && r.addr === '0')).toBe(true);
    for (const r of tracepoints) expect(readFault(r)?.address).toBeNaN();
  });

  it('reads perf trace fields, decimal error code and ip included', () => {
    const r: SampleRecord = {
      ...base,
      event: 'exceptions:page_fault_user',
      payload: '',
      fields: { address: '0x7f3cb6869000', ip: '139898737037312', error_code: '21' },
    };
    expect(readFault(r)).toEqual({ address: 0x7f3cb6869000, ip: 139898737037312, errorCode: 21, ipText: '139898737037312' });
  });

  it('takes a software event’s data address and leaves its error code out', () => {
    const r: SampleRecord = {
      ...base,
      event: 'page-faults',
      payload: '',
      addr: '7f6f18662000',
      stack: [{ addr: '1241', symbol: 'load', offset: 0, dso: '/work/main/samples/protection/mapping' }],
    };
    expect(readFault(r)).toEqual({ address: 0x7f6f18662000, ip: 0x1241 });
    expect(readFault({ ...r, addr: undefined } as SampleRecord)?.address).toBeNaN();
  });

  it('reads a software event named with perf’s per-event terms, as faultFamily does', () => {
    // guard-terms: `guard 19308 13310.617722:          4 page-faults/period=4/: ` then `1b7ad _dl_start+0x3d (…)`
    const lines = gunzipSync(readFileSync(fileURLToPath(new URL('../../samples/odd/guard-terms.perf-script.txt.gz', import.meta.url)))).toString('utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(' page-faults/period=4/: '));
    const event = /\s(\S+): *$/.exec(lines[at]!)![1]!;
    const [addr, sym, dso] = /^\s*([0-9a-f]+) (\S+) \((.*)\)$/.exec(lines[at + 1]!)!.slice(1) as [string, string, string];
    const r: SampleRecord = { ...base, event, payload: '', stack: [{ addr, symbol: sym.replace(/\+0x.*/, ''), offset: 0x3d, dso }] };
    expect(faultFamily(event)).toBe(1);
    expect(readFault(r)).toEqual({ address: NaN, ip: 0x1b7ad });
    expect(readFault({ ...r, event: 'minor-faults:u' })?.ip).toBe(0x1b7ad);
  });

  it('reads every tracepoint payload of the samples as the fields do, and their variants', async () => {
    // the common payloads are read in one pass; perf trace's fields (r.fields) take the fields' path: the reference
    const { parseTracepointFields } = await import('../../parsers/tracepoint-fields.js');
    const root = fileURLToPath(new URL('../../samples/', import.meta.url));
    const payloads = new Set<string>();
    for (const name of ['protection/guard.perf-script.txt.gz', 'protection/jit.perf-script-pid.txt', 'findings/pagein.perf-script.txt', 'tlb/forkcow.perf-script.txt', 'odd/latin1.perf-script.txt']) {
      const raw = readFileSync(root + name);
      const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
      for (const l of text.split('\n')) {
        const at = l.indexOf('exceptions:page_fault_');
        if (at >= 0) payloads.add(l.slice(l.indexOf(':', at + 11) + 1).trim());
      }
    }
    // the samples hold hex ips, kernel symbols as ips and -F's appended column
    expect([...payloads].some((p) => / ip=0x/.test(p))).toBe(true);
    expect([...payloads].some((p) => / ip=[a-z_]/.test(p))).toBe(true);
    expect([...payloads].some((p) => /error_code=0x\w+\s+0$/.test(p))).toBe(true);
    const variants = [
      'address=0xffffffff81b75d98 ip=0xffffffff81b75d98 error_code=0x0',
      'address=0xffffffffff600000 ip=12345 error_code=0x5',
      'address=0x1000 ip=0x0000000000001 error_code=0x00000000000000000000004',
      'address=0x1000 ip=0x10 error_code=0xffffffffffffffffff',
      'address=0x1000 ip=elf_load+0x28a error_code=0x2',
      'address=0x1000 ip=a,b error_code=0x2',
      'address=0x1000 ip=0x10 error_code=0x2 extra=1',
      'address=0x1000 ip=0x10 error_code=0x2 ff:1',
      'address=0x1000 ip=0x10 error_code=0x2,',
      'address=0x1000 ip=0x10 error_code=0x',
      'address=0x ip=0x10 error_code=0x2',
      'address=0x1000  ip=0x10 error_code=0x2',
      'address=0x1000 ip= error_code=0x2',
      'address=0x1000 ip=0x1g error_code=0x2',
      'address=0x1000 ip=0x10 error_code=0x2               0',
      'address=0x1000 ip=0x10 error_code=0x2     7f0012345678 foo+0x1 (/lib/x.so)',
    ];
    for (const payload of [...payloads, ...variants]) {
      for (const event of ['exceptions:page_fault_user', 'exceptions:page_fault_kernel']) {
        for (const addr of [undefined, '7f0000001000']) {
          const r = { ...base, event, payload, ...(addr !== undefined ? { addr } : {}) } as SampleRecord;
          expect(readFault(r), payload).toEqual(readFault({ ...r, fields: parseTracepointFields(payload) }));
        }
      }
    }
  });

  it('ignores records that are not faults', () => {
    expect(readFault({ ...base, event: 'syscalls:sys_enter_mprotect', payload: 'start: 0x1000, len: 0x1000, prot: 0x1' })).toBeUndefined();
  });
});

describe('event families', () => {
  it('names the base event under perf’s modifiers and terms', () => {
    expect(baseEventName('page-faults:u')).toBe('page-faults');
    expect(baseEventName('page-faults/period=4/')).toBe('page-faults');
    expect(baseEventName('exceptions:page_fault_user')).toBe('exceptions:page_fault_user');
    expect(isFaultEvent('major-faults:u')).toBe(true);
    expect(isFaultEvent('cycles')).toBe(false);
  });

  it('puts each fault event in the family that counts the same faults', () => {
    expect(['exceptions:page_fault_kernel', 'page-faults:u', 'faults', 'minor-faults', 'major-faults', 'cycles'].map(faultFamily)).toEqual([0, 1, 1, 2, 2, -1]);
  });
});

describe('normalizeRecord: syscalls', () => {
  it('decodes a perf script payload, values as single tokens', () => {
    // `-F +addr` appends the sample address to the last field
    const r = { kind: 'sample', event: 'syscalls:sys_enter_mprotect', payload: 'start: 0x7f740d9a4000, len: 0x00001000, prot: 0x00000001               0', stack: [] } as unknown as SampleRecord;
    expect(normalizeRecord(r)).toEqual({ kind: 'call', record: r, name: 'mprotect', args: { call: 'mprotect', start: 0x7f740d9a4000, len: 0x1000, prot: 1, pkey: -1 } });
  });

  it('fills in the zero arguments perf trace omits, and reads ret either way', () => {
    const r = { kind: 'sample', event: 'syscalls:sys_enter_mmap', payload: '', fields: { len: '8192', prot: 'READ|WRITE', flags: 'PRIVATE|ANONYMOUS' }, ret: 0x7f3cb6868000, stack: [] } as unknown as SampleRecord;
    expect(normalizeRecord(r)).toMatchObject({ kind: 'call', name: 'mmap', args: { call: 'mmap', addr: 0, len: 8192, prot: 3, flags: 0x20 }, ret: 0x7f3cb6868000 });
    const exit = { kind: 'sample', event: 'syscalls:sys_exit_mprotect', payload: '0xffffffffffffffea', stack: [] } as unknown as SampleRecord;
    expect(normalizeRecord(exit)).toEqual({ kind: 'return', record: exit, name: 'mprotect', ret: -22 });
  });

  it('leaves the arguments of calls it does not follow undecoded', () => {
    const r = { kind: 'sample', event: 'syscalls:sys_enter_openat', payload: 'dfd: 0xffffff9c, filename: 0x7ffd', stack: [] } as unknown as SampleRecord;
    expect(normalizeRecord(r)).toEqual({ kind: 'call', record: r, name: 'openat', args: undefined });
  });
});
