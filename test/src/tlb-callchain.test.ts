// TLB flushes charged to what caused them (samples/tlb: real perf 6.1 captures
// of forkcow.c, recorded WITHOUT sys_exit_mprotect). The parent mmaps 64 pages,
// touches them, seals 16 read-only (one flush inside mprotect) and forks; the
// child writes 48 pages (copy-on-write: do_wp_page flushes), unseals the 16
// and writes them (16 more). Before: without exit records a call stayed open
// until its thread's next syscall record, so the child's copy-on-write flushes
// were charged to its unseal mprotect and its earlier ones sat "outside any
// protection call". Every expectation is read from the capture's text here.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import type { ProtectionSection, ProtectionSiteView, Report } from '../../src/model.js';
import { renderText } from '../../viz/text.js';

const P = `${import.meta.dirname}/../../samples/tlb`;
const OBJDUMP = `${P}/forkcow.objdump-dl.txt`;

function text(name: string): string {
  const b = readFileSync(`${P}/${name}`);
  return (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8');
}

interface Rec {
  tid: number;
  time: number;
  event: string;
  /** Frame symbols, leaf first. */
  chain: string[];
}

// perf script records: header `comm  pid/tid  [cpu] time: event: …` or `comm tid [cpu] time: event`.
function scriptRecords(name: string): Rec[] {
  const out: Rec[] = [];
  for (const l of text(name).split('\n')) {
    const h = /^\s*[^\s\d][^\s]*\s+(?:\d+\/)?(\d+)\s+(?:\[\d+\]\s+)?(\d+\.\d+):\s+(?:\d+\s+)?([\w:-]+):/.exec(l);
    if (h !== null) out.push({ tid: Number(h[1]), time: Number(h[2]), event: h[3]!, chain: [] });
    else if (/^\s+[0-9a-f]+ \S/.test(l) && out.length > 0) out.at(-1)!.chain.push(l.trim().split(/\s+/)[1]!.replace(/\+0x[0-9a-f]+$/, ''));
  }
  return out;
}

// perf trace lines: `time ( dur ): comm/tid what`, callchain lines below `sym (dso)`.
function traceRecords(name: string): Rec[] {
  const out: Rec[] = [];
  for (const l of text(name).split('\n')) {
    const h = /^ *(\d+\.\d+) \([ \d.ms]*\): [^/]+\/(\d+) +(.*)$/.exec(l);
    if (h !== null) {
      const what = h[3]!;
      const event = what.startsWith('tlb:tlb_flush') ? 'tlb:tlb_flush' : /^(minfault|majfault)/.test(what) ? 'fault' : (/^(?:\.\.\. \[continued\]: )?(\w+)\(/.exec(what)?.[1] ?? what);
      out.push({ tid: Number(h[2]), time: Number(h[1]) / 1e3, event, chain: [] });
    } else if (/^ {20,}\S+ \(/.test(l) && out.length > 0) out.at(-1)!.chain.push(l.trim().split(' ')[0]!);
  }
  return out;
}

// Where each flush ran, read from its chain with plain string tests.
function chainCause(chain: readonly string[]): string {
  if (chain.includes('switch_mm_irqs_off')) return 'task switch';
  if (chain.includes('do_wp_page')) return 'copy-on-write fault';
  if (chain.includes('do_mprotect_pkey')) return 'inside mprotect';
  if (chain.includes('__x64_sys_munmap')) return 'inside munmap';
  if (chain.includes('__x64_sys_execve')) return 'inside execve';
  if (chain.includes('copy_process')) return 'inside clone';
  return `? ${chain.join(' ')}`;
}

function sum(r: Readonly<Record<string, number>> | undefined): number {
  return Object.values(r ?? {}).reduce((a, b) => a + b, 0);
}

async function report(name: string): Promise<{ report: Report; p: ProtectionSection }> {
  const report = await buildReport({ traces: [`${P}/${name}`], objdump: [OBJDUMP] });
  return { report, p: report.protection! };
}

// The sites: the mmap of the 64 pages (the faults in touch), seal (the program's mprotect), ld.so's RELRO mprotect.
function sites(p: ProtectionSection): { mmap: ProtectionSiteView; seal: ProtectionSiteView; relro: ProtectionSiteView } {
  const touches = (s: ProtectionSiteView) => s.instructions.some((i) => i.instruction.startsWith('touch+0xa'));
  const mmap = p.sites.find((s) => (s.calls['mmap'] ?? 0) > 0 && touches(s))!;
  const seal = p.sites.find((s) => (s.calls['mprotect'] ?? 0) > 0 && touches(s))!;
  const relro = p.sites.find((s) => (s.calls['mprotect'] ?? 0) > 0 && s.dso.includes('ld-linux'))!;
  expect([mmap, seal, relro].every((s) => s !== undefined)).toBe(true);
  return { mmap, seal, relro };
}

// The child's copy-on-write flushes in touch, before and after its unseal mprotect.
function childTouch(recs: readonly Rec[], mprotect: string): { before: number; after: number } {
  const child = recs.filter((r) => r.event === mprotect).at(-1)!;
  const cow = recs.filter((r) => r.tid === child.tid && r.event === 'tlb:tlb_flush' && r.chain.includes('do_wp_page') && r.chain.includes('touch'));
  return { before: cow.filter((r) => r.time < child.time).length, after: cow.filter((r) => r.time > child.time).length };
}

describe('TLB flushes told apart by their callchains', () => {
  test('forkcow (tracepoint faults, before their flushes): copy-on-write flushes go to the faulting pages’ sites, mprotect keeps its own', async () => {
    const recs = scriptRecords('forkcow.perf-script.txt');
    const flushes = recs.filter((r) => r.event === 'tlb:tlb_flush');
    const want: Record<string, number> = {};
    for (const f of flushes) want[chainCause(f.chain)] = (want[chainCause(f.chain)] ?? 0) + 1;
    const { report: rep, p } = await report('forkcow.perf-script.txt');
    expect(p.tlbFlushCauses).toEqual(want);
    expect(sum(p.tlbFlushCauses)).toBe(rep.events['tlb:tlb_flush']);
    // every flush once: on a site, or on none
    expect(p.sites.reduce((n, s) => n + sum(s.tlbFlushes), 0) + sum(p.unattributedFlushes)).toBe(flushes.length);

    const { mmap, seal, relro } = sites(p);
    const { before, after } = childTouch(recs, 'syscalls:sys_enter_mprotect');
    expect([before, after]).toEqual([48, 16]);
    const inMprotect = (user: string) => flushes.filter((f) => f.chain.includes('do_mprotect_pkey') && f.chain.includes(user)).length;
    expect(mmap.tlbFlushCauses).toEqual({ 'copy-on-write fault': before });
    expect(seal.tlbFlushCauses).toEqual({ 'copy-on-write fault': after, 'inside mprotect': inMprotect('main') });
    expect(relro.tlbFlushCauses).toEqual({ 'inside mprotect': inMprotect('dl_main') });
    for (const s of p.sites) expect(sum(s.tlbFlushCauses)).toBe(sum(s.tlbFlushes));

    expect((rep.findings ?? []).map((f) => f.text).join('\n')).not.toContain('no callchain');
    const out = renderText(rep);
    expect(out).toContain(`TLB flushes: ${flushes.length}, where they ran: ${want['copy-on-write fault']} copy-on-write fault, `);
    expect(out).toContain(`(${after} copy-on-write fault, ${inMprotect('main')} inside mprotect)`);
  });

  test('forkcow with minor-faults (counted once handled, after their flushes): the same sites', async () => {
    const recs = scriptRecords('forkcow-minor.perf-script.txt');
    const { report: rep, p } = await report('forkcow-minor.perf-script.txt');
    expect(sum(p.tlbFlushCauses)).toBe(rep.events['tlb:tlb_flush']);
    const { mmap, seal, relro } = sites(p);
    const { before, after } = childTouch(recs, 'syscalls:sys_enter_mprotect');
    expect([before, after]).toEqual([48, 16]);
    expect(mmap.tlbFlushCauses).toEqual({ 'copy-on-write fault': before });
    expect(seal.tlbFlushCauses).toEqual({ 'copy-on-write fault': after, 'inside mprotect': 1 });
    expect(relro.tlbFlushCauses).toEqual({ 'inside mprotect': 3 });
  });

  test('forkcow in perf trace (calls print when they end, after their flushes): the same sites', async () => {
    const recs = traceRecords('forkcow.perf-trace.txt');
    const flushes = recs.filter((r) => r.event === 'tlb:tlb_flush');
    const want: Record<string, number> = {};
    for (const f of flushes) want[chainCause(f.chain)] = (want[chainCause(f.chain)] ?? 0) + 1;
    const { report: rep, p } = await report('forkcow.perf-trace.txt');
    expect(rep.events['tlb:tlb_flush']).toBe(flushes.length);
    expect(p.tlbFlushCauses).toEqual(want);
    const { mmap, seal, relro } = sites(p);
    const { before, after } = childTouch(recs, 'mprotect');
    expect([before, after]).toEqual([48, 16]);
    expect(mmap.tlbFlushCauses).toEqual({ 'copy-on-write fault': before });
    expect(seal.tlbFlushCauses).toEqual({ 'copy-on-write fault': after, 'inside mprotect': 1 });
    expect(relro.tlbFlushCauses).toEqual({ 'inside mprotect': 3 });
    const munmap = p.sites.find((s) => (s.calls['munmap'] ?? 0) > 0)!;
    expect(munmap.tlbFlushCauses).toEqual({ 'inside munmap': want['inside munmap'] });
  });

  test('forkcow without callchains: only the flushes before the thread’s next record go to the mprotect, marked as such', async () => {
    const recs = scriptRecords('forkcow-nochain.perf-script.txt');
    // a flush whose thread's last other record is an mprotect entry
    let after = 0;
    let switches = 0;
    const last = new Map<number, string>();
    for (const r of recs) {
      if (r.event !== 'tlb:tlb_flush') last.set(r.tid, r.event);
      else if (last.get(r.tid) === 'syscalls:sys_enter_mprotect') after++;
    }
    switches = (text('forkcow-nochain.perf-script.txt').match(/reason:task switch \(0\)/g) ?? []).length;
    const flushes = recs.filter((r) => r.event === 'tlb:tlb_flush').length;
    const { report: rep, p } = await report('forkcow-nochain.perf-script.txt');
    expect(after).toBe(4);
    // said once, with the perf option that tells
    const capture = (rep.findings ?? []).filter((f) => f.kind === 'capture-quality');
    expect(capture).toHaveLength(1);
    expect(capture[0]!.text).toContain(`${flushes - switches} TLB flushes have no callchain`);
    expect(capture[0]!.remedy).toContain('-g (with -e tlb:tlb_flush)');
    const charged = p.sites.reduce((n, s) => n + sum(s.tlbFlushes), 0);
    expect(charged).toBe(after);
    expect(p.tlbFlushCauses).toEqual({
      'after mprotect, end unknown': after,
      'unknown (no callchain)': flushes - after - switches,
      ...(switches > 0 ? { 'task switch': switches } : {}),
    });
  });
});
