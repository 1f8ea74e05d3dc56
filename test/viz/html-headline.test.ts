// The page's headline (issue 14: 4): a finding leads when one names a
// pattern; otherwise the instruction that faulted most, its ties broken the
// same way every run (resolved first, then address), and never "X in X".
import { describe, expect, test } from 'vitest';
import type { Report, SiteCount } from '../../src/model.js';
import { findingsHtml, headlineHtml } from '../../viz/html/findings.js';
import { EVIL, guardReport } from './fixtures.js';

const guard = await guardReport();
const site = (over: Partial<SiteCount>): SiteCount => ({ event: 'page-faults', dso: '/bin/x', symbol: 'f', offset: 4, address: '1004', resolved: true, instruction: 'mov %eax,(%rdx)', source: '/src/x.c:7', count: 5, ...over });
const withSites = (sites: SiteCount[]): Report => ({ ...guard, findings: [], sites });
const plain = (html: string): string => html.replace(/<[^>]+>/g, '');

describe('headline', () => {
  test('a finding that names a pattern leads the page: no second headline', () => {
    expect(guard.findings![0]!.kind).toBe('guard-retries');
    expect(headlineHtml(guard)).toBe('');
    expect(findingsHtml(guard)).toMatch(/<li class="finding lead" data-kind="guard-retries">/);
  });

  test('without one, the instruction that faulted most, its source and its share', () => {
    const h = plain(headlineHtml(withSites([site({ count: 3, address: '1000', offset: 0 }), site({ count: 9 })])));
    expect(h).toBe('Most faults: mov %eax,(%rdx) in f+0x4 (x.c:7) — 9 page-faults (75.0%)');
  });

  test('ties go to the resolved instruction, then the lower address, whatever the order of the sites', () => {
    const a = site({ address: '2000', offset: 0x1000, instruction: 'mov %ecx,(%rdi)' });
    const b = site({ address: '1004' });
    const u = site({ address: '0fff', resolved: false, instruction: undefined, symbol: '[unknown]', offset: -1, source: undefined });
    for (const order of [[a, b, u], [u, b, a], [b, u, a]]) expect(plain(headlineHtml(withSites(order)))).toContain('mov %eax,(%rdx) in f+0x4');
  });

  test('an unresolved instruction is named once, by where it is, never "X in X"', () => {
    const h = plain(headlineHtml(withSites([site({ resolved: false, instruction: undefined, symbol: '_dl_relocate_object', offset: 0x187, source: undefined, dso: '/lib/ld-linux-x86-64.so.2' })])));
    expect(h).toBe('Most faults: an unresolved instruction at _dl_relocate_object+0x187 (ld-linux-x86-64.so.2) — 5 page-faults (100.0%)');
  });

  test('trace strings are escaped in the findings and the headline', () => {
    const evil = site({ symbol: EVIL, instruction: EVIL, dso: EVIL, source: EVIL });
    const html = headlineHtml(withSites([evil]));
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/<img/i);
    const f = findingsHtml({ ...guard, findings: [{ ...guard.findings![0]!, text: EVIL, remedy: EVIL }] });
    expect(f).not.toContain('<script');
    expect(f).not.toMatch(/<img/i);
  });
});

describe('findings: a protection call link says what a click does', () => {
  const titles = (html: string): string[] => [...html.matchAll(/<a class="f-site[^"]*"[^>]*title="([^"]*)"/g)].map((m) => m[1]!);

  test("the guard's handler call (no fault on its pages) does not promise faults in the flame graph", () => {
    const t = titles(findingsHtml(guard));
    const handler = t.filter((x) => x.includes('unprotect_page'));
    const protector = t.filter((x) => /^protect_(old|young)\+/.test(x));
    expect(handler.length).toBeGreaterThan(0);
    for (const x of handler) expect(x).toMatch(/no fault on its pages; show its row in the protection table$/);
    expect(protector.length).toBeGreaterThan(0);
    for (const x of protector) expect(x).toMatch(/show its faults in the flame graph$/);
  });
});
