// The page's no-script table of faulting instructions: one row per instruction
// (dso and address) with a count per event, rows by their largest count, then
// by instruction id (`${address} ${dso}`), as the script orders them.
import { describe, expect, test } from 'vitest';
import { instructionId, type Report, type SiteCount } from '../../src/model.js';
import { findingsHtml, instructionAnchor } from '../../viz/html/findings.js';
import { staticParts } from '../../viz/html/static.js';
import { guardReport } from './fixtures.js';

const guard = await guardReport();
const site = (over: Partial<SiteCount>): SiteCount => ({ event: 'page-faults', dso: '/bin/x', symbol: 'f', offset: 4, address: '1004', resolved: true, instruction: 'mov %eax,(%rdx)', source: '/src/x.c:7', count: 5, ...over });
const withSites = (sites: SiteCount[]): Report => ({ ...guard, findings: [], sites });
const rowIds = (html: string): string[] => [...html.matchAll(/<tr id="([^"]+)"/g)].map((m) => m[1]!);

describe('sites table', () => {
  test('ties in count go by instruction id: an address that begins another comes first, then the dso', () => {
    const sites = [site({ address: '1f0', dso: '/a' }), site({ address: '1f', dso: '/b' }), site({ address: '1e', dso: '/b' }), site({ address: '1f', dso: '/a' }), site({ address: '2', dso: '/a', count: 9 })];
    const ids = sites.map(instructionId);
    const want = [ids[4]!, ...ids.slice(0, 4).sort()];
    for (const order of [sites, [...sites].reverse()]) expect(rowIds(staticParts(withSites(order), 29).sites)).toEqual(want.map(instructionAnchor));
  });

  test("an instruction's events are one row, its largest count ranks it, an event it lacks is a dash", () => {
    const html = staticParts(withSites([site({ count: 4 }), site({ address: '2000', count: 5 }), site({ event: 'minor-faults', count: 7 })]), 16).sites;
    expect(rowIds(html)).toEqual([instructionAnchor(instructionId(site({}))), instructionAnchor(instructionId(site({ address: '2000' })))]);
    const rows = html.split('<tr id=').slice(1);
    expect(rows[0]).toMatch(/>4 · 44\.4%<\/td><td class="num">7 · 100\.0%</);
    expect(rows[1]).toMatch(/>5 · 55\.6%<\/td><td class="num">—</);
  });

  test("a finding lists the instructions the report has, each with its largest count", () => {
    const a = site({ count: 4 });
    const b = site({ event: 'minor-faults', count: 7 });
    const missing = site({ address: 'ffff' });
    const finding = { ...guard.findings![0]!, kind: 'first-touch' as const, instructions: [instructionId(missing), instructionId(a)] };
    const html = findingsHtml({ ...withSites([a, b]), findings: [finding] });
    expect(html).toContain(`data-ins="${instructionId(a)}"`);
    expect(html).not.toContain(`data-ins="${instructionId(missing)}"`);
    expect(html).toMatch(/<b>7 faults<\/b>/);
  });
});
