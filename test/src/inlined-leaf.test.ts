// A DWARF chain whose leaf perf prints only as `(inlined)` (perf 6.1 prints
// no real frame where the DWARF name differs from the ELF symbol), here ld.so
// mapping libraries at start-up (samples/findings/cow, `--call-graph dwarf`
// without --no-inline):
//   cow 22542/22542 [001] 11575.203535:          syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00002000, …
//              20ca3 __mmap64+0x13 (inlined)
//              20ca3 __mmap64+0x13 (inlined)
//               a780 __minimal_malloc+0xa0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
//               61f7 malloc+0x87 (inlined)
//               61f7 _dl_init_paths+0x87 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
//   cow 22542/22542 [001] 11575.203993:      syscalls:sys_enter_mprotect: start: 0x7f77db94e000, len: 0x00004000, prot: 0x00000001
//              20d07 __GI_mprotect+0x7 (inlined)
//               db2c _dl_protect_relro+0x3c (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
// The leaf is ld.so's code (its caller is ld.so, whose r-xp MMAP2 record maps
// 0x1000–0x27000): the site is in ld.so and named so, and no warning says it is unplaced.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportOptions } from '../../src/pipeline.js';
import type { Report } from '../../src/model.js';
import { type ScriptSample, isKernel, scriptSamples, userFrames } from './perf-script-text.js';

const TRACE = 'samples/findings/cow.perf-script.txt.gz';
const COW = 'samples/findings/cow.objdump-dl.txt';
const LIBC = 'samples/guard/libc.objdump-dl.txt.gz';
const LD = 'samples/unwind/ld.objdump-d.txt.gz';
const LDSO = '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2';

function sites(r: Report): Record<string, { dso: string; calls: Record<string, number>; faults: number }> {
  return Object.fromEntries(r.protection!.sites.map((s) => [s.site, { dso: s.dso, calls: s.calls, faults: s.faults }]));
}

/**
 * Faults by the call that last mapped, protected or unmapped their page before them (mmap's range
 * from its exit's return), the call named `leaf dso`: its leaf frame and the dso of its first real
 * frame (`__mmap64+0x13 ld-linux-x86-64.so.2`); `uncovered` where none did. The faults: the
 * tracepoint's, and page-faults in kernel mode (the tracepoint does not see those; perf's addr
 * column is their address). One program and its fork child: one address layout.
 */
function faultsByCall(text: string): Map<string, number> {
  const hex = (s: string): number => parseInt(s, 16);
  const at = (s: ScriptSample, pattern: RegExp): number => hex(pattern.exec(s.header.slice(s.header.indexOf(` ${s.event}:`)))![1]!);
  const ranges: { start: number; end: number; call: string }[] = [];
  const lengths = new Map<number, { len: number; call: string }>();
  const out = new Map<string, number>();
  for (const s of scriptSamples(text, 'syscalls:sys_enter_mmap', 'syscalls:sys_exit_mmap', 'syscalls:sys_enter_mprotect', 'syscalls:sys_enter_munmap', 'exceptions:page_fault_user', 'page-faults')) {
    const user = userFrames(s);
    const real = user.find((f) => f.dso !== 'inlined');
    const call = user.length === 0 ? '?' : `${user[0]!.symbol}+0x${user[0]!.offset!.toString(16)} ${real?.dso.slice(real.dso.lastIndexOf('/') + 1)}`;
    if (s.event === 'syscalls:sys_enter_mmap') lengths.set(s.tid, { len: at(s, /len: 0x([0-9a-f]+)/), call });
    else if (s.event === 'syscalls:sys_exit_mmap') {
      const ret = at(s, /: 0x([0-9a-f]+)/);
      const enter = lengths.get(s.tid)!;
      if (ret < 2 ** 64 - 4096) ranges.push({ start: ret, end: ret + enter.len, call: enter.call });
    } else if (s.event === 'syscalls:sys_enter_mprotect' || s.event === 'syscalls:sys_enter_munmap') {
      const start = at(s, /(?:start|addr): 0x([0-9a-f]+)/);
      ranges.push({ start, end: start + at(s, /len: 0x([0-9a-f]+)/), call });
    } else if (s.event === 'exceptions:page_fault_user' || (s.frames[0] !== undefined && isKernel(s.frames[0]))) {
      const address = s.event === 'page-faults' ? at(s, /:\s+([0-9a-f]+) /) : at(s, /address=0x([0-9a-f]+)/);
      const by = ranges.findLast((r) => r.start <= address && address < Math.ceil(r.end / 4096) * 4096)?.call ?? 'uncovered';
      out.set(by, (out.get(by) ?? 0) + 1);
    }
  }
  return out;
}

describe('an (inlined)-only leaf takes the dso of the code at its address', () => {
  it('libc and the program listed: ld.so start-up calls are sites in ld.so, the program\'s calls its own, and no warning contradicts them', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [COW, LIBC] });
    expect(r.warnings.filter((w) => w.includes('(inlined)'))).toEqual([]);
    // the faults on pages ld.so mapped vary with each run: counted from the capture
    const byCall = faultsByCall(gunzipSync(readFileSync(TRACE)).toString('utf8'));
    expect(byCall.get('__GI___mmap64+0x13 cow')).toBe(32 + 16);
    expect(sites(r)).toEqual({
      '__mmap64+0x13 (ld-linux-x86-64.so.2)': { dso: LDSO, calls: { mmap: 8 }, faults: byCall.get('__mmap64+0x13 ld-linux-x86-64.so.2') },
      'map_arena+0x2a (cow)': { dso: expect.stringMatching(/\/cow$/), calls: { mmap: 1 }, faults: 32 },
      'map_shared+0x2a (cow)': { dso: expect.stringMatching(/\/cow$/), calls: { mmap: 1 }, faults: 16 },
      '__GI_mprotect+0x7 (ld-linux-x86-64.so.2)': { dso: LDSO, calls: { mprotect: 3 }, faults: 0 },
      '__GI_munmap+0x7 (ld-linux-x86-64.so.2)': { dso: LDSO, calls: { munmap: 1 }, faults: 0 },
    });
    expect(r.protection!.uncoveredFaults).toBe(byCall.get('uncovered'));
    expect((r.findings ?? []).map((f) => f.text).join('\n')).toContain('__mmap64+0x13 (ld-linux-x86-64.so.2, 7 faults)');
  });

  it('with ld.so\'s listing too: each site is the syscall instruction in ld.so', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [COW, LIBC, LD] });
    const ld = r.protection!.sites.filter((s) => s.dso === LDSO).map((s) => [s.site, s.instruction]);
    expect(ld).toEqual([
      ['__mmap64+0x11 (ld-linux-x86-64.so.2)', 'syscall'],
      ['__GI_mprotect+0x5 (ld-linux-x86-64.so.2)', 'syscall'],
      ['__GI_munmap+0x5 (ld-linux-x86-64.so.2)', 'syscall'],
    ]);
  });

  it('nothing tells where the leaf is (no MMAP records, no ld.so listing): it stays unplaced, said once, and is truly no site', async () => {
    const text = gunzipSync(readFileSync(TRACE)).toString('utf8');
    const kept = text.split('\n').filter((l) => !l.includes('PERF_RECORD_'));
    const r = await buildReport({ traces: ['-'], stdin: Readable.from([kept.join('\n')]), objdump: [COW, LIBC] } as ReportOptions);
    const said = r.warnings.filter((w) => w.includes('(inlined)'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('__mmap64+0x13');
    for (const s of r.protection!.sites) {
      expect(s.dso).not.toBe('');
      expect(s.site).not.toContain('[unknown]');
      expect(s.symbol).not.toMatch(/^(?:__mmap64|__GI_mprotect|__GI_munmap)$/);
    }
    expect(sites(r)['map_arena+0x2a (cow)']).toMatchObject({ calls: { mmap: 1 }, faults: 32 });
  });
});
