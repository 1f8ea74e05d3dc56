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

const TRACE = 'samples/findings/cow.perf-script.txt.gz';
const COW = 'samples/findings/cow.objdump-dl.txt';
const LIBC = 'samples/guard/libc.objdump-dl.txt.gz';
const LD = 'samples/unwind/ld.objdump-d.txt.gz';
const LDSO = '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2';

function sites(r: Report): Record<string, { dso: string; calls: Record<string, number>; faults: number }> {
  return Object.fromEntries(r.protection!.sites.map((s) => [s.site, { dso: s.dso, calls: s.calls, faults: s.faults }]));
}

describe('an (inlined)-only leaf takes the dso of the code at its address', () => {
  it('libc and the program listed: ld.so start-up calls are sites in ld.so, the program\'s calls its own, and no warning contradicts them', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [COW, LIBC] });
    expect(r.warnings.filter((w) => w.includes('(inlined)'))).toEqual([]);
    expect(sites(r)).toEqual({
      '__mmap64+0x13 (ld-linux-x86-64.so.2)': { dso: LDSO, calls: { mmap: 8 }, faults: 47 },
      'map_arena+0x2a (cow)': { dso: expect.stringMatching(/\/cow$/), calls: { mmap: 1 }, faults: 32 },
      'map_shared+0x2a (cow)': { dso: expect.stringMatching(/\/cow$/), calls: { mmap: 1 }, faults: 16 },
      '__GI_mprotect+0x7 (ld-linux-x86-64.so.2)': { dso: LDSO, calls: { mprotect: 3 }, faults: 0 },
      '__GI_munmap+0x7 (ld-linux-x86-64.so.2)': { dso: LDSO, calls: { munmap: 1 }, faults: 0 },
    });
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
