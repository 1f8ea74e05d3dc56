// The core pipeline on real captures: every fault joined to its instruction,
// counts that add up to what perf wrote, golden outputs.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultFaultEvents } from '../../src/events.js';
import { buildReport } from '../../src/pipeline.js';
import { disassemblyKey, type Report, type TreeNode } from '../../src/model.js';
import { totalSelf } from '../../src/tree.js';
import { renderFolded } from '../../viz/folded.js';
import { renderJson } from '../../viz/json.js';
import { renderText } from '../../viz/text.js';

const G = 'samples/guard';
const TRACE = `${G}/perf-script.txt.gz`;
const LISTINGS = [`${G}/guard.objdump-dl.txt`, `${G}/libc.objdump-dl.txt.gz`];

function text(path: string): string {
  const buf = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/** Header lines by event name, counted with a plain reading independent of the parser. */
function countEvents(path: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text(path).split('\n')) {
    if (line === '' || /^\s/.test(line) || line.startsWith('#') || line.includes('PERF_RECORD_')) continue;
    // the event is the word ending in ':' after the timestamp ("7537.692729:")
    const m = /\d+\.\d+:\s+(?:\d+\s+)?(\S+?):(?:\s|$)/.exec(line);
    if (m) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  }
  return counts;
}

function find(node: TreeNode, name: string): TreeNode | undefined {
  if (node.name === name) return node;
  for (const c of node.children) {
    const hit = find(c, name);
    if (hit) return hit;
  }
  return undefined;
}

function addsUp(r: Report): void {
  expect(totalSelf(r.tree)).toBe(r.tree.value);
  expect(r.sites.reduce((s, x) => s + x.count, 0)).toBe(r.tree.value);
  expect(r.selection.read).toBe(r.selection.kept + r.selection.filteredOut);
  const selectedRead = r.selectedEvents.reduce((s, e) => s + (r.events[e] ?? 0), 0);
  expect(r.selection.read).toBe(selectedRead);
}

describe('report on the guard-page sample', async () => {
  const report = await buildReport({ traces: [TRACE], objdump: LISTINGS });

  it('counts every record perf wrote, by event', () => {
    expect(report.events).toEqual(countEvents(TRACE));
    expect(report.skipped.lines).toBe(0);
  });

  it('shows the tracepoint faults and says the software event counts them too', () => {
    expect(report.selectedEvents).toEqual(['exceptions:page_fault_user']);
    expect(report.tree.value).toBe(report.events['exceptions:page_fault_user']);
    const capture = report.findings!.find((f) => f.kind === 'capture-quality')!;
    expect(capture.text).toContain('page-faults (138)');
    expect(capture.text).toContain('the software event also counts the 3 the kernel took in kernel mode');
    addsUp(report);
  });

  it('joins the barrier faults to the store instructions of write_field and write_header', () => {
    const field = report.sites.find((s) => s.symbol === 'write_field')!;
    expect(field).toMatchObject({ dso: expect.stringMatching(/\/guard$/), offset: 0, instruction: 'mov %rsi,(%rdi)', resolved: true });
    expect(field.source).toMatch(/guard\.c:58$/);
    const header = report.sites.find((s) => s.symbol === 'write_header')!;
    expect(header).toMatchObject({ offset: 0, instruction: 'mov %sil,(%rdi)', resolved: true });
    // guard.c: 4 rounds over 16 read-only pages, every 4th page by write_header
    expect(field.count).toBe(48);
    expect(header.count).toBe(16);
    // the listing's own line for that address says the same
    const listing = text(`${G}/guard.objdump-d.txt`);
    expect(listing).toMatch(new RegExp(`^\\s*${field.address}:\\s+(?:[0-9a-f]{2} )+\\s*mov\\s+%rsi,\\(%rdi\\)`, 'm'));
  });

  it('names libc code by perf symbol and the instruction by the listing, even where the stripped listing labels it otherwise', () => {
    const memset = report.sites.find((s) => s.symbol === '__memset_avx512_unaligned_erms')!;
    expect(memset).toMatchObject({ offset: 0x7a, instruction: 'rep stos %al,%es:(%rdi)', resolved: true });
  });

  it('keeps perf sym+off, with the reason, where no listing was given', () => {
    const ld = report.sites.find((s) => s.dso.endsWith('ld-linux-x86-64.so.2'))!;
    expect(ld.resolved).toBe(false);
    expect(ld.unresolvedReason).toMatch(/no objdump listing for .*ld-linux-x86-64\.so\.2/);
  });

  it('builds root → command → callers → function → instruction', () => {
    const guard = report.tree.children[0]!;
    expect(guard).toMatchObject({ name: 'guard', kind: 'comm' });
    const main = find(guard, 'main')!;
    // write_field keeps no frame pointer, so perf's chain skips mutate; the call before main's return address names it
    const mutate = main.children.find((c) => c.name === 'mutate [inferred]')!;
    expect(mutate.kind).toBe('inferred');
    const wf = mutate.children.find((c) => c.name === 'write_field')!;
    expect(wf.kind).toBe('user');
    expect(wf.children.map((c) => [c.kind, c.name])).toEqual([['instruction', '0x12eb: mov %rsi,(%rdi) [guard.c:58]']]);
  });

  it('matches the golden text, JSON and folded outputs', async () => {
    await expect(renderText(report)).toMatchFileSnapshot('../golden/guard.report.txt');
    await expect(renderJson(report)).toMatchFileSnapshot('../golden/guard.report.json');
    await expect(renderFolded(report)).toMatchFileSnapshot('../golden/guard.report.folded');
  });
});

describe('perf trace fault ips', () => {
  it('shows the tracepoint ip perf trace printed in decimal as its hex address', async () => {
    // guard-tracepoint.txt: `exceptions:page_fault_user(address: 0x7fc2fa336b70, ip: 140475398056816, error_code: 20)`;
    // read as hex it was `0x140475398056816`, an address that never existed
    const path = 'samples/perf-trace/guard-tracepoint.txt';
    const ips = readFileSync(path, 'utf8').split('\n').flatMap((l) => /page_fault_user\(.*ip: (\d+),/.exec(l)?.[1] ?? []);
    expect(ips.length).toBeGreaterThan(100);
    const want = new Map<string, number>();
    for (const ip of ips) want.set('0x' + BigInt(ip).toString(16), (want.get('0x' + BigInt(ip).toString(16)) ?? 0) + 1);
    const report = await buildReport({ traces: [path] });
    const got = new Map<string, number>();
    const walk = (n: TreeNode): void => {
      if (n.kind === 'instruction') got.set(n.name, (got.get(n.name) ?? 0) + n.value);
      n.children.forEach(walk);
    };
    walk(report.tree);
    expect(got).toEqual(want);
    expect(got.get('0x7fc2fa336b70')).toBeGreaterThan(0);
  });
});

describe('report options', () => {
  it('--event page-faults gives the software event, whose first frame is the faulting ip', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: LISTINGS, events: ['page-faults'] });
    expect(r.tree.value).toBe(138);
    const field = r.sites.find((s) => s.symbol === 'write_field')!;
    expect(field).toMatchObject({ event: 'page-faults', instruction: 'mov %rsi,(%rdi)', count: 48 });
    addsUp(r);
  });

  it('--symbol and --comm filter, and the counts say how much was removed', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: LISTINGS, symbols: ['write_header'] });
    expect(r.tree.value).toBe(16);
    expect(r.selection).toEqual({ read: 135, kept: 16, filteredOut: 119 });
    const none = await buildReport({ traces: [TRACE], comms: ['other'] });
    expect(none.tree.value).toBe(0);
    expect(none.selection).toEqual({ read: 135, kept: 0, filteredOut: 135 });
  });

  it('--time keeps a window of the trace', async () => {
    const all = await buildReport({ traces: [TRACE] });
    const late = await buildReport({ traces: [TRACE], timeStart: 7537.695 });
    expect(late.tree.value).toBeGreaterThan(0);
    expect(late.tree.value).toBeLessThan(all.tree.value);
    addsUp(late);
  });

  it('--invert puts the faulting instruction first, with the same total', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: LISTINGS, invert: true });
    const guard = r.tree.children[0]!;
    expect(guard.kind).toBe('comm');
    expect(guard.children[0]!.kind).toBe('instruction');
    expect(r.tree.value).toBe(135);
  });

  it('chooses one family of fault events by default', () => {
    expect([...defaultFaultEvents(['page-faults', 'exceptions:page_fault_user', 'exceptions:page_fault_kernel'])]).toEqual([
      'exceptions:page_fault_kernel',
      'exceptions:page_fault_user',
    ]);
    expect([...defaultFaultEvents(['minor-faults', 'major-faults:u', 'cycles'])]).toEqual(['major-faults:u', 'minor-faults']);
    expect([...defaultFaultEvents(['cycles'])]).toEqual([]);
  });
});

describe('two binaries with code at the same addresses', () => {
  // The guard capture twice: as itself, and as a rebuilt `guard-b` whose
  // instruction at 0x12eb differs. Each site's listing context must come from
  // its own binary (it was keyed by address alone: guard-b showed guard's code).
  it('keeps the disassembly around each faulting instruction apart by dso', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-two-'));
    const trace = gunzipSync(readFileSync(TRACE)).toString('utf8');
    const listing = readFileSync(LISTINGS[0]!, 'utf8');
    const traceB = join(dir, 'guard-b.perf-script.txt');
    const listingB = join(dir, 'guard-b.objdump-dl.txt');
    writeFileSync(traceB, trace.replaceAll('/samples/guard/guard)', '/samples/guard/guard-b)'));
    writeFileSync(listingB, listing.replace('\nguard:     file format', '\nguard-b:     file format').replace('mov    %rsi,(%rdi)', 'mov    %rsi,0x8(%rdi)'));
    const r = await buildReport({ traces: [TRACE, traceB], objdump: [LISTINGS[0]!, listingB] });
    const dsos = [...new Set(r.sites.filter((s) => s.address === '12eb').map((s) => s.dso))].sort();
    expect(dsos.map((d) => d.replace(/.*\//, ''))).toEqual(['guard', 'guard-b']);
    const faulting = (dso: string) => r.disassembly!.functions[r.disassembly!.at[disassemblyKey(dso, '12eb')]!]!.lines.find((l) => l.address === '12eb')!.text;
    expect(faulting(dsos[0]!)).toBe('mov %rsi,(%rdi)');
    expect(faulting(dsos[1]!)).toBe('mov %rsi,0x8(%rdi)');
  });
});
