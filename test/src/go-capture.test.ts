// faultpath on a Go guard-page program (samples/go/guard.go, recorded by
// samples/go/record.sh): syscall.Mprotect from two functions, stores that
// fault, debug.SetPanicOnFault + recover, an unprotecting Mprotect and the
// retry, on three threads. Go links its runtime and syscall wrappers into the
// program and keeps frame pointers, so perf's chains are whole and run through
// runtime/internal/syscall.Syscall6 ← syscall.Syscall ← syscall.Mprotect before
// the program's call. Every count and name is checked against perf report
// --stdio and perf annotate on the same perf.data (kept beside the capture),
// against the trace's own records, or against guard.go's lines.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { readElf } from '../../src/record/elf.js';
import { readCapture } from '../../src/record/capture.js';
import type { Report, TreeNode } from '../../src/model.js';
import { ROOT, runCli } from '../shared.js';
import { perfChains as perfChainsIn, perfSymbols as perfSymbolsIn } from './perf-report-text.js';

const G = `${ROOT}samples/go/`;
const TRACE = `${G}guard.perf-script.txt.gz`;
/** objdump -dl of the binary both captures ran (faultpath record's listing of it: the whole binary). */
const LISTING = `${G}guard.capture/listings/guard-nobuildid.objdump-dl.txt.gz`;
const SOURCE = readFileSync(`${G}guard.go`, 'utf8').split('\n');
const PERF_REPORT = readFileSync(`${G}guard.perf-report.txt`, 'utf8');
const TEXT = gunzipSync(readFileSync(TRACE)).toString('utf8');
/** The trace's sample records, each its header line then its frames (PERF_RECORD_ lines left out). */
const RECORDS: string[][] = [];
for (const line of TEXT.split('\n')) {
  if (line === '') continue;
  if (!/^\s/.test(line)) RECORDS.push([line]);
  else RECORDS[RECORDS.length - 1]!.push(line);
}
RECORDS.splice(0, RECORDS.length, ...RECORDS.filter((l) => !l[0]!.includes('PERF_RECORD_')));

const WORKERS = 3;
const ROUNDS = 4;
const PAGES = 16;

const perfSymbols = (event: string): Map<string, number> => perfSymbolsIn(PERF_REPORT, event);
const perfChains = (event: string): [number, string[]][] => perfChainsIn(PERF_REPORT, event);

/** perf annotate's instructions with samples: `symbol` → [listing address, instruction, samples]. */
function perfAnnotate(): Map<string, [string, string, number][]> {
  const out = new Map<string, [string, string, number][]>();
  let fn = '';
  for (const line of readFileSync(`${G}guard.perf-annotate.txt`, 'utf8').split('\n')) {
    const head = /<(.+)>:$/.exec(line);
    if (head !== null) fn = head[1]!;
    const m = /^\s+(\d+) :\s+([0-9a-f]+):\s+(.+?)\s*$/.exec(line);
    if (m !== null && Number(m[1]) > 0) out.set(fn, [...(out.get(fn) ?? []), [m[2]!, m[3]!.replace(/\s+/g, ' '), Number(m[1])]]);
  }
  return out;
}

/** `guard.go:N`: the first line at or after `func …name(` that contains `text`. */
function lineOf(name: string, text: string): string {
  const start = SOURCE.findIndex((l) => l.startsWith('func ') && l.includes(`${name}(`));
  const i = SOURCE.findIndex((l, j) => j > start && l.includes(text));
  expect(start >= 0 && i > start).toBe(true);
  return `guard.go:${i + 1}`;
}

/** faultpath's faults per `dso symbol` (user space). */
function ours(r: Report): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of r.sites) {
    if (s.dso.startsWith('[kernel')) continue;
    const key = `${s.dso.slice(s.dso.lastIndexOf('/') + 1)} ${s.symbol}`;
    out.set(key, (out.get(key) ?? 0) + s.count);
  }
  return out;
}

/** The trace's `signal:signal_deliver` records of one signal. */
function delivered(signal: number): number {
  return RECORDS.filter((l) => l[0]!.includes(' signal:signal_deliver:') && l[0]!.includes(`sig=${signal} `)).length;
}

let report: Report;
beforeAll(async () => {
  report = await buildReport({ traces: [TRACE], objdump: [LISTING] });
});

describe('Go guard-page capture: faultpath report agrees with perf report --stdio and perf annotate', () => {
  it('the listing is used: every user fault resolves to its instruction', () => {
    expect(report.warnings.filter((w) => w.includes('does not match'))).toEqual([]);
    const user = report.sites.filter((s) => !s.dso.startsWith('[kernel') && s.dso !== '[vdso]');
    expect(user.filter((s) => !s.resolved)).toEqual([]);
  });

  it('page-faults per dso and symbol are perf report\'s, fault for fault', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [LISTING], events: ['page-faults'] });
    expect(ours(r)).toEqual(perfSymbols('page-faults'));
  });

  it('the tracepoint\'s faults are the same faults: perf report\'s page-faults in user mode', () => {
    const kernelMode = [...perfSymbols('page-faults').values()].reduce((a, b) => a + b, 0) - report.events['exceptions:page_fault_user']!;
    expect(kernelMode).toBeGreaterThanOrEqual(0);
    const perf = perfSymbols('page-faults');
    const mine = ours(report);
    // the faults page-faults has beyond the tracepoint are the ones the kernel took in kernel mode, at no user symbol
    for (const [k, n] of mine) expect([k, n]).toEqual([k, perf.get(k)]);
    expect([...mine.values()].reduce((a, b) => a + b, 0)).toBe(report.events['exceptions:page_fault_user']);
  });

  it('the faulting stores are perf annotate\'s instructions, with the source lines of guard.go', () => {
    const annotated = perfAnnotate();
    const stores = { 'main.(*arena).writeField': lineOf('writeField', '= v'), 'main.(*arena).writeHeader': lineOf('writeHeader', '= mark') };
    for (const [fn, line] of Object.entries(stores)) {
      const perf = annotated.get(fn)!;
      expect(perf).toHaveLength(1);
      const [address, text, n] = perf[0]!;
      const mine = report.sites.filter((s) => s.symbol === fn);
      expect(mine.map((s) => [s.address, s.instruction?.replace(/\s+/g, ' '), s.count, s.source?.slice(s.source.lastIndexOf('/') + 1)])).toEqual([[address, text, n, line]]);
    }
    expect(report.sites.filter((s) => s.symbol.startsWith('main.(*arena).write')).reduce((a, s) => a + s.count, 0)).toBe(WORKERS * ROUNDS * PAGES);
  });

  it('each mprotect is charged to the program\'s call of syscall.Mprotect, as perf\'s chains name its caller, not to the Go runtime\'s Syscall6', () => {
    const perf = new Map<string, number>();
    for (const [n, chain] of perfChains('syscalls:sys_enter_mprotect')) {
      const i = chain.indexOf('syscall.Mprotect');
      expect(chain.slice(i)).toEqual(['syscall.Mprotect', 'syscall.Syscall', 'runtime/internal/syscall.Syscall6']);
      perf.set(chain[i - 1]!, (perf.get(chain[i - 1]!) ?? 0) + n);
    }
    const sites = report.protection!.sites.filter((s) => (s.calls['mprotect'] ?? 0) > 0);
    expect(new Map(sites.map((s) => [s.symbol, s.calls['mprotect']]))).toEqual(perf);
    expect([...perf.values()].reduce((a, b) => a + b, 0)).toBe(Number(/(\d+) {2}of event 'syscalls:sys_enter_mprotect'/.exec(PERF_REPORT)![1]));
    for (const s of sites) {
      const fn = s.symbol.replace(/^main\.\(\*arena\)\./, '');
      expect([s.symbol, s.instruction, s.source?.slice(s.source.lastIndexOf('/') + 1), s.inferred]).toEqual([s.symbol, expect.stringMatching(/^call +[0-9a-f]+ <syscall\.Mprotect>$/), lineOf(fn, 'syscall.Mprotect('), false]);
    }
    expect(new Map(sites.map((s) => [s.symbol, s.prot]))).toEqual(new Map([
      ['main.(*arena).protectYoung', 'r--'],
      ['main.(*arena).protectOld', '---'],
      ['main.(*arena).unprotect', 'rw-'],
    ]));
  });

  it('the mmap of the arenas is charged to main.newArena, the caller of syscall.Mmap (inlined there), as perf\'s chains name it', () => {
    const perf = perfChains('syscalls:sys_enter_mmap').filter(([, c]) => c.includes('main.newArena'));
    expect(perf.map(([, c]) => c.slice(c.indexOf('main.newArena') + 1, c.indexOf('main.newArena') + 2))).toEqual(perf.map(() => ['syscall.(*mmapper).Mmap']));
    const site = report.protection!.sites.find((s) => s.symbol === 'main.newArena')!;
    expect(site.instruction).toMatch(/^call +[0-9a-f]+ <syscall\.\(\*mmapper\)\.Mmap>$/);
    expect(site.calls['mmap']).toBe(perf.reduce((a, [n]) => a + n, 0));
    expect(site.classes['first-touch-write']).toBeGreaterThanOrEqual(WORKERS * PAGES);
  });

  it('every store closes a retry cycle: the runtime\'s mmap while the deferred recover runs (getitab) does not end the wait for the unprotecting mprotect', () => {
    // guard 5253 … syscalls:sys_enter_mmap … runtime.sysMmap.abi0 … runtime.getitab … main.(*arena).tryStore.func1 … runtime.sigpanic
    expect(RECORDS.some((l) => l[0]!.includes('sys_enter_mmap') && l.some((f) => f.includes('runtime.getitab')) && l.some((f) => f.includes('runtime.sigpanic')))).toBe(true);
    const sealing = report.protection!.sites.filter((s) => s.cycles > 0);
    expect(sealing.map((s) => s.symbol).sort()).toEqual(['main.(*arena).protectOld', 'main.(*arena).protectYoung']);
    for (const s of sealing) {
      expect(s.cycles).toBe(s.faults);
      for (const i of s.instructions) expect(i.handlers).toEqual({ 'main.(*arena).unprotect+0x99 (guard)': i.cycles });
    }
    expect(sealing.reduce((a, s) => a + s.cycles, 0)).toBe(WORKERS * ROUNDS * PAGES);
  });

  it('the guard-page finding: the Go recovery, read-only or inaccessible pages, and the cost from the trace\'s own records', () => {
    const f = report.findings!.find((x) => x.kind === 'guard-retries')!;
    const calls = Number(/(\d+) {2}of event 'syscalls:sys_enter_mprotect'/.exec(PERF_REPORT)![1]);
    const sigsegv = delivered(11);
    expect(sigsegv).toBe(WORKERS * ROUNDS * PAGES);
    expect(f.text).toContain(`${WORKERS * ROUNDS * PAGES} of ${report.tree.value} faults`);
    expect(f.text).toContain('pages made read-only or inaccessible by mprotect at main.(*arena).protectOld+0x');
    expect(f.text).toContain('debug.SetPanicOnFault');
    expect(f.text).toContain(`Cost: ${sigsegv} SIGSEGV deliveries (1 per retry cycle), ${calls} mprotect calls (${calls / 2} protecting, ${calls / 2} in the recovery)`);
    expect(f.text).not.toContain('Syscall6');
  });

  it('start-up: the faults before main.main (the runtime\'s set-up from rt0_go, package init, runtime.main) are one finding and one tree node, not the program\'s first touches', async () => {
    const init = /^(?:runtime\.(?:schedinit|check|args|osinit)(?:\.abi0)?|runtime\.(?:doInit|main|newproc\.abi0)|_rt0_amd64_linux)\+/;
    let startup = 0;
    for (const l of RECORDS) {
      if (!l[0]!.includes(' exceptions:page_fault_user:')) continue;
      const fns = l.slice(1).map((f) => f.trim().split(' ')[1] ?? '');
      if (fns.some((f) => init.test(f)) && !fns.some((f) => f.startsWith('main.main+'))) startup++;
    }
    expect(startup).toBeGreaterThan(100);
    const f = report.findings!.find((x) => x.kind === 'start-up')!;
    expect(f.faults).toBe(startup);
    expect(f.text).toContain('the Go runtime initialising');
    expect(report.findings!.find((x) => x.kind === 'first-touch')!.text).toContain(`more during start-up are not counted here`);
    const r = await runCli(['report', '-q', TRACE, '--objdump', LISTING]);
    expect(r.out).toMatch(new RegExp(`^ *[\\d.]+% +${startup} +├─ \\[program start-up: Go runtime initialisation\\]$`, 'm'));
  });

  it('per thread: each worker\'s faults are the trace\'s records of its tid, and each worker took its 64 guard-page faults', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [LISTING], groupBy: 'thread' });
    const byTid = new Map<string, number>();
    const guardByTid = new Map<string, number>();
    for (const l of RECORDS) {
      const m = /^\s*guard\s+(\d+)\s.* exceptions:page_fault_user:/.exec(l[0]!);
      if (m === null) continue;
      byTid.set(`tid ${m[1]}`, (byTid.get(`tid ${m[1]}`) ?? 0) + 1);
      const leaf = l.slice(1).find((f) => !f.includes('[kernel.kallsyms]')) ?? '';
      if (/ main\.\(\*arena\)\.write(Field|Header)\+/.test(leaf)) guardByTid.set(m[1]!, (guardByTid.get(m[1]!) ?? 0) + 1);
    }
    const tids = (n: TreeNode): TreeNode[] => (n.name.startsWith('tid ') ? [n] : n.children.flatMap(tids));
    expect(new Map(tids(r.tree).map((n) => [n.name, n.value]))).toEqual(byTid);
    expect([...guardByTid.values()]).toEqual(Array(WORKERS).fill(ROUNDS * PAGES));
  });
});

describe('a frame perf named by a data symbol', () => {
  // guard-m0.perf-script.txt: three records of an earlier run of the same build (record.sh; Go builds
  // are reproducible). The second is a new thread's first fault, whose frame-pointer chain read the
  // M pointer as a return address, which perf named by the data symbol runtime.m0 (.noptrbss: no
  // function of the listing, past the end of the code); the listing has every other name.
  it('does not refuse the listing (it said "a different build?" and left every fault at perf\'s sym+off)', async () => {
    const trace = `${G}guard-m0.perf-script.txt`;
    expect(readFileSync(trace, 'utf8')).toContain(' runtime.m0+0x148 (');
    const r = await buildReport({ traces: [trace], objdump: [LISTING] });
    expect(r.warnings.filter((w) => w.includes('does not match'))).toEqual([]);
    expect(r.sites.map((s) => [s.symbol, s.address, s.resolved]).sort()).toEqual([
      ['main.(*arena).writeField', '483b7a', true],
      ['runtime.(*mheap).sysAlloc', '40ac63', true],
      ['runtime.clone.abi0', '45f3a7', true],
    ]);
  });
});

describe('the first 12 lines of `report` on the Go capture', () => {
  it('name the guard-page retries, the program\'s mprotect calls with their guard.go lines, the stores and the cost', async () => {
    const r = await runCli(['report', '-q', TRACE, '--objdump', LISTING]);
    expect(r.code).toBe(0);
    const head = r.out.split('\n').slice(0, 12).join('\n') + '\n';
    expect(head).toMatch(/^ 1\. 192 of \d+ faults \(\d+%\) are guard-page retries/m);
    expect(head.replace(/\s+/g, ' ')).toContain(`main.(*arena).writeField+0x1a (${lineOf('writeField', '= v')}, 144 faults)`);
    expect(head.replace(/\s+/g, ' ')).toContain(`main.(*arena).protectYoung+0x7a (${lineOf('protectYoung', 'syscall.Mprotect(')}, 96 faults)`);
    await expect(head).toMatchFileSnapshot('../golden/go/guard.head.txt');
  });
});

describe('faultpath record on the Go program (guard.capture)', () => {
  const CAPTURE = `${G}guard.capture`;
  const manifest = JSON.parse(readFileSync(`${CAPTURE}/manifest.json`, 'utf8')) as { perfRecord: string[] };
  const text = gunzipSync(readFileSync(`${CAPTURE}/perf-script.txt.gz`)).toString('utf8');

  it('recorded the mapping calls with frame pointers, as every other event: perf\'s DWARF unwinding stops at Go code', () => {
    expect(manifest.perfRecord.filter((a) => a.includes('call-graph=dwarf'))).toEqual([]);
    expect(manifest.perfRecord).toContain('-g');
  });

  it('names the program\'s calls as the hand-made capture does, with nothing to warn of', async () => {
    const c = await readCapture(CAPTURE);
    const r = await buildReport({ traces: [c.trace], objdump: c.listings, buildIdLists: c.buildIdLists });
    expect(r.warnings).toEqual([]);
    const sites = new Map(r.protection!.sites.map((s) => [s.symbol, s.calls]));
    expect(sites.get('main.(*arena).protectYoung')).toEqual({ mprotect: ROUNDS * WORKERS * PAGES / 2 });
    expect(sites.get('main.(*arena).protectOld')).toEqual({ mprotect: ROUNDS * WORKERS * PAGES / 2 });
    expect(sites.get('main.(*arena).unprotect')).toEqual({ mprotect: ROUNDS * WORKERS * PAGES });
    // each worker's arena: the mmap record's chain names main.newArena above syscall's wrappers
    const arenas = text.split('\n\n').filter((b) => b.includes('syscalls:sys_enter_mmap:') && b.includes(' main.newArena+')).length;
    expect(arenas).toBe(WORKERS);
    expect(sites.get('main.newArena')).toEqual({ mmap: arenas });
    expect(r.findings![0]!.kind).toBe('guard-retries');
  });

  it('before it knew Go, its DWARF mmap chains stopped in the runtime: the report says so, and that -g names the caller', async () => {
    // guard-dwarf-mmap.perf-script.txt.gz: the same program recorded with sys_enter_mmap/call-graph=dwarf/
    const r = await buildReport({ traces: [`${G}guard-dwarf-mmap.perf-script.txt.gz`], objdump: [LISTING] });
    const said = r.warnings.filter((w) => w.includes('protection site'));
    expect(said).toEqual([expect.stringMatching(/^2 protection sites \(runtime\.sysMmap\.abi0\+0x22 \(guard\), runtime\/internal\/syscall\.Syscall6\+0xc \(guard\)\) have no caller outside Go's runtime and syscall packages: .*record with -g: Go keeps frame pointers/)]);
    expect(said[0]).not.toContain('libc');
  });
});

describe('readElf tells a Go program by its Go build id note', () => {
  // ELF64 little-endian: a header, one note, section headers [null, SHT_NOTE at 64]
  function elfWithNote(owner: string, type: number): string {
    const name = Buffer.alloc(4);
    name.write(owner, 'latin1');
    const note = Buffer.concat([Buffer.from(new Uint32Array([4, 4, type]).buffer), name, Buffer.from('abcd')]);
    const header = Buffer.alloc(64);
    header.writeUInt32BE(0x7f454c46, 0);
    header.writeUInt8(2, 4); // ELFCLASS64
    header.writeUInt8(1, 5); // little-endian
    header.writeUInt16LE(2, 16); // ET_EXEC
    header.writeBigUInt64LE(BigInt(64 + note.length), 40); // e_shoff
    header.writeUInt16LE(64, 58); // e_shentsize
    header.writeUInt16LE(2, 60); // e_shnum
    const sh = Buffer.alloc(128);
    sh.writeUInt32LE(7, 64 + 4); // SHT_NOTE
    sh.writeBigUInt64LE(64n, 64 + 24); // sh_offset
    sh.writeBigUInt64LE(BigInt(note.length), 64 + 32); // sh_size
    const path = join(mkdtempSync(join(tmpdir(), 'faultpath-elf-')), 'bin');
    writeFileSync(path, Buffer.concat([header, note, sh]));
    return path;
  }

  it('owner "Go" (cmd/link pads it to "Go\\0\\0"), type 4: go; GNU\'s build id note: not go, and its id read', async () => {
    expect(await readElf(elfWithNote('Go', 4))).toMatchObject({ go: true, type: 'exec' });
    expect(await readElf(elfWithNote('GNU', 3))).toMatchObject({ go: false, buildId: '61626364' });
  });
});
