// Findings must be true to the numbers: on every pattern's capture
// (samples/findings/), each number a finding's sentence states is parsed back
// out of the text and recomputed here from the report's own sections — the
// tree's leaves and their classes, the ranked sites, the protection sites,
// the regions, the processes, the signals — not from the findings' code.
import { describe, expect, it } from 'vitest';
import type { FaultClass, Finding, Report } from '../../src/model.js';
import { isStartupPath } from '../../src/findings/index.js';
import { forEachPath } from '../../src/tree.js';
import { SAMPLES, type Sample, sampleReport } from './findings-samples.js';

interface Leaf {
  readonly name: string; // symbol+0xoff as findings print it
  readonly dso: string;
  /** The file names a finding may give it by: its source file's, its dso's. */
  readonly at: readonly string[];
  readonly value: number;
  readonly classes: Partial<Record<FaultClass, number>>;
  readonly startup: boolean;
}

function leaves(r: Report): Leaf[] {
  const out: Leaf[] = [];
  forEachPath(r.tree, (path, self, node) => {
    const s = node.site;
    if (s === undefined) return;
    const at = [base(s.dso), ...(s.source !== undefined ? [base(s.source).replace(/:\d+$/, '')] : [])];
    out.push({ name: `${s.symbol}+0x${s.offset.toString(16)}`, dso: s.dso, at, value: self, classes: node.classes ?? {}, startup: isStartupPath(path) });
  });
  return out;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const of = (c: Partial<Record<FaultClass, number>>, classes: readonly FaultClass[]): number => sum(classes.map((k) => c[k] ?? 0));
const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const pct = (n: number, total: number): string => {
  const p = (100 * n) / total;
  return p > 0 && p < 0.5 ? '<1' : String(Math.round(p));
};

/** `name (where, N faults)` items of a stretch of text: [name, N, where]. */
function items(text: string, unit = 'faults?'): [string, number, string][] {
  const re = new RegExp(`([^\\s,()]+\\+0x[0-9a-f]+)(?: \\[inferred\\])? \\((?:([^(),]*), )?(\\d+) ${unit}\\)`, 'g');
  return [...text.matchAll(re)].map((m) => [m[1]!, Number(m[3]), (m[2] ?? '').replace(/:\d+$/, '')]);
}

/** `name N` items of a `a 1, b 2 and c 3` list. */
function named(text: string): [string, number][] {
  return text.split(/, | and /).map((x) => /^(.*) (\d+)$/.exec(x.trim())).filter((m) => m !== null).map((m) => [m![1]!, Number(m![2])]);
}

function between(text: string, from: string | RegExp, to: string | RegExp): string {
  const a = typeof from === 'string' ? text.indexOf(from) : text.search(from);
  expect(a, `"${String(from)}" in: ${text}`).toBeGreaterThanOrEqual(0);
  const rest = text.slice(a);
  const b = typeof to === 'string' ? rest.indexOf(to) : rest.search(to);
  return b < 0 ? rest : rest.slice(0, b);
}

/** Checks one finding's numbers against the report; returns how many it checked. */
function check(r: Report, f: Finding): number {
  let checked = 0;
  const eq = (stated: number, recomputed: number, what: string): void => {
    expect(stated, `${f.kind}: ${what} in "${f.text}"`).toBe(recomputed);
    checked++;
  };
  const total = r.tree.value;
  const ls = leaves(r);
  const head = /^(\d+) of (\d+) faults? \((<1|\d+)%\) (?:is|are) /.exec(f.text);
  if (f.kind !== 'capture-quality') {
    expect(head, f.text).not.toBeNull();
    eq(Number(head![1]), f.faults, 'the faults');
    eq(Number(head![2]), total, 'the total');
    expect(head![3]).toBe(pct(f.faults, total));
    expect(f.share).toBeCloseTo(f.faults / total, 12);
  }
  const leafCount = (name: string, classes: readonly FaultClass[], startup?: boolean, at = ''): number =>
    sum(ls.filter((l) => l.name === name && (at === '' || l.at.includes(at)) && (startup === undefined || l.startup === startup)).map((l) => of(l.classes, classes)));
  const site = (name: string) => r.protection!.sites.find((s) => s.offset !== null && `${s.symbol}+0x${s.offset.toString(16)}` === name)!;
  const nonStartup = (classes: readonly FaultClass[]): number => sum(ls.filter((l) => !l.startup).map((l) => of(l.classes, classes)));
  const startup = (classes: readonly FaultClass[]): number => sum(ls.filter((l) => l.startup).map((l) => of(l.classes, classes)));

  switch (f.kind) {
    case 'guard-retries': {
      const W: FaultClass[] = ['write-to-read-only'];
      eq(f.faults, sum(ls.map((l) => of(l.classes, W))), 'write-to-read-only faults in the tree');
      const stores = items(between(f.text, 'at ', ' fault on pages'));
      for (const [name, n, at] of stores) eq(n, leafCount(name, W, undefined, at), `${name}'s faults`);
      eq(sum(stores.map(([, n]) => n)), f.faults, 'the stores add up');
      const protecting = items(between(f.text, /made (read-only|inaccessible) by/, '; the'));
      for (const [name, n] of protecting) eq(n, site(name).classes['write-to-read-only'] ?? 0, `${name}'s faults`);
      const sites = r.protection!.sites.filter((s) => (s.classes['write-to-read-only'] ?? 0) > 0);
      const cycles = sum(sites.flatMap((s) => s.instructions.filter((i) => (i.classes['write-to-read-only'] ?? 0) > 0).map((i) => i.cycles)));
      const handlerNames = new Set(sites.flatMap((s) => s.instructions.flatMap((i) => Object.keys(i.handlers))));
      const handlers = r.protection!.sites.filter((s) => handlerNames.has(s.site));
      const m = /\((\d+) retry cycles?\)/.exec(f.text);
      if (m !== null) eq(Number(m[1]), cycles, 'the retry cycles');
      const sig = /Cost: (\d+) SIGSEGV deliver(?:y|ies) \(([\d.]+) per retry cycle\)/.exec(f.text);
      if (sig !== null) {
        eq(Number(sig[1]), r.signals!.delivered['SIGSEGV'] ?? 0, 'SIGSEGV deliveries');
        eq(Number(sig[2]), Number(((r.signals!.delivered['SIGSEGV'] ?? 0) / cycles).toFixed(2)), 'deliveries per cycle');
      } else {
        const inferred = /Cost: (\d+) signals? \(inferred, one per retry cycle/.exec(f.text)!;
        eq(Number(inferred[1]), cycles, 'the inferred signals');
      }
      const calls = /(\d+) mprotect calls? \((\d+) protecting, (\d+) in the handler\)/.exec(f.text)!;
      const callsOf = (s: (typeof sites)[number]): number => sum(Object.values(s.calls));
      eq(Number(calls[2]), sum(sites.map(callsOf)), 'protecting calls');
      eq(Number(calls[3]), sum(handlers.map(callsOf)), 'handler calls');
      eq(Number(calls[1]), Number(calls[2]) + Number(calls[3]), 'calls add up');
      const flushes = /(\d+) TLB flush(?:es)?\./.exec(f.text);
      if (flushes !== null) eq(Number(flushes[1]), sum([...sites, ...handlers].map((s) => sum(Object.values(s.tlbFlushes)))), 'TLB flushes');
      break;
    }
    case 'first-touch': {
      const F: FaultClass[] = ['first-touch-write', 'first-touch-read'];
      eq(f.faults, nonStartup(F), 'first touches outside start-up');
      const acc = /(?:(\d+) stores?)?(?: and )?(?:(\d+) loads?)? to pages not yet mapped in/.exec(f.text)!;
      eq(Number(acc[1] ?? 0), nonStartup(['first-touch-write']), 'stores');
      eq(Number(acc[2] ?? 0), nonStartup(['first-touch-read']), 'loads');
      for (const [name, n, at] of items(between(f.text, 'mapped in this process, at ', /; the memory|\. /))) eq(n, leafCount(name, F, false, at), `${name}'s first touches`);
      const more = /\((\d+) more during start-up/.exec(f.text);
      if (more !== null) eq(Number(more[1]), startup(F), 'start-up first touches');
      const shared = /(\d+) of them (?:is|are) not new memory: first \w+ by pid (\d+) to a shared mapping .*? inherited from pid (\d+), which had faulted (\d+) pages?/.exec(f.text);
      if (shared !== null) {
        const regions = r.regions!.regions;
        const child = regions.filter((g) => g.pid === Number(shared[2]) && g.kind === 'shared' && g.call === 'fork');
        eq(Number(shared[1]), sum(child.map((g) => of(g.classes, F))), 'first touches of the inherited shared mapping');
        const origin = regions.find((g) => g.pid === Number(shared[3]) && g.start === child[0]!.start && g.kind === 'shared')!;
        eq(Number(shared[4]), origin.pages, "the parent's faulted pages");
      }
      const files = /(\d+) of them (?:is a page|are pages) of files the program mapped \((.*?)\): read from the file/.exec(f.text);
      if (files !== null) {
        let all = 0;
        for (const [name, n] of named(files[2]!.replace(/, mapped by [^,]*?\)(?=,| and|$)/g, ''))) {
          const inFile = sum(r.regions!.regions.filter((g) => base(g.name) === name && g.kind === 'file').map((g) => of(g.classes, F)));
          eq(n, inFile, `first touches in ${name}`);
          all += n;
        }
        eq(Number(files[1]), all, 'file pages add up');
      }
      break;
    }
    case 'copy-on-write': {
      const C: FaultClass[] = ['copy-on-write'];
      eq(f.faults, nonStartup(C), 'copy-on-write faults outside start-up');
      for (const [name, n, at] of items(between(f.text, 'one page copied each, at ', / \(memory mapped by|\. Writers/))) eq(n, leafCount(name, C, false, at), `${name}'s copy-on-write faults`);
      let children = 0;
      for (const m of f.text.matchAll(/child \S+ \(pid (\d+), forked by pid (\d+) (?:at|in) ([^ ]+) \(([^)]*)\)[^)]*\) (\d+) pages?/g)) {
        const p = r.processes!.find((x) => x.pid === Number(m[1]))!;
        eq(Number(m[5]), p.classes['copy-on-write'] ?? 0, `pid ${m[1]}'s copy-on-write faults`);
        eq(Number(m[2]), p.parent!, `pid ${m[1]}'s parent`);
        expect(m[3]).toBe(`${p.forkSite!.symbol}+0x${p.forkSite!.offset!.toString(16)}`);
        expect(p.forkSite!.source).toMatch(new RegExp(`${m[4]!.replace('.', '\\.')}$`));
        children += Number(m[5]);
        checked++;
      }
      const others = /the other processes (\d+) pages?/.exec(f.text);
      if (others !== null) eq(Number(others[1]), f.faults - children, 'the other processes');
      break;
    }
    case 'major-faults': {
      // an instruction's major faults: the largest count of its events (they count the same faults)
      const byInstruction = new Map<string, number>();
      for (const s of r.sites) if ((s.major ?? 0) > 0) byInstruction.set(`${s.dso} ${s.address}`, Math.max(byInstruction.get(`${s.dso} ${s.address}`) ?? 0, s.major!));
      eq(f.faults, sum([...byInstruction.values()]), 'major faults of the instructions');
      const files = named(between(f.text, 'By file: ', '.').slice('By file: '.length));
      for (const [name, n] of files) eq(n, sum(r.regions!.regions.filter((g) => base(g.name) === name).map((g) => g.major)), `major faults in ${name}`);
      for (const [name, n] of items(between(f.text, ' At ', /\.$/))) {
        eq(n, Math.max(...r.sites.filter((s) => `${s.symbol}+0x${s.offset.toString(16)}` === name).map((s) => s.major ?? 0)), `${name}'s major faults`);
      }
      break;
    }
    case 'code-page-in': {
      const P: FaultClass[] = ['code-page-in'];
      eq(f.faults, nonStartup(P), 'code page-ins outside start-up');
      const m = /by file: (.*) \((\d+) functions?\)/.exec(f.text)!;
      for (const [file, n] of named(m[1]!)) eq(n, sum(ls.filter((l) => !l.startup && base(l.dso) === file).map((l) => of(l.classes, P))), `code page-ins in ${file}`);
      eq(Number(m[2]), new Set(ls.filter((l) => !l.startup && of(l.classes, P) > 0).map((l) => l.name.replace(/\+0x.*/, ''))).size, 'functions');
      const more = /(\d+) more happen during start-up/.exec(f.text);
      if (more !== null) eq(Number(more[1]), startup(P), 'start-up code page-ins');
      break;
    }
    case 'nx-violation': {
      eq(f.faults, sum(ls.map((l) => l.classes['nx-violation'] ?? 0)), 'execute-permission faults');
      const sealing = r.protection!.sites.filter((s) => (s.classes['nx-violation'] ?? 0) > 0);
      const m = /\((\d+) retry cycles?\)/.exec(f.text);
      if (m !== null) eq(Number(m[1]), sum(sealing.flatMap((s) => s.instructions.filter((i) => (i.classes['nx-violation'] ?? 0) > 0).flatMap((i) => Object.values(i.handlers)))), 'retry cycles');
      const flips = /W\^X flips: (\d+) calls? made pages executable \((.*)\)(?:, causing (\d+) TLB flush)?/.exec(f.text);
      if (flips !== null) {
        const listed = items(flips[2]!, 'calls?');
        for (const [name, n] of listed) eq(n, sum(Object.values(site(name).calls)), `${name}'s calls`);
        eq(Number(flips[1]), sum(listed.map(([, n]) => n)), 'flip calls add up');
        if (flips[3] !== undefined) eq(Number(flips[3]), sum(listed.map(([name]) => sum(Object.values(site(name).tlbFlushes)))), 'flip TLB flushes');
      }
      break;
    }
    case 'start-up': {
      eq(f.faults, sum(ls.filter((l) => l.startup).map((l) => l.value)), 'start-up faults');
      const classes = /before main \(([^)]*)\)/.exec(f.text)!;
      for (const part of classes[1]!.split(', ')) {
        const [n, c] = part.split(' ') as [string, FaultClass];
        eq(Number(n), startup([c]), `start-up ${c}`);
      }
      const files = /By file: (.*?)[;.]/.exec(f.text)!;
      for (const [file, n] of named(files[1]!)) eq(n, sum(ls.filter((l) => l.startup && base(l.dso) === file).map((l) => l.value)), `start-up faults in ${file}`);
      const top = /the most at (.*)\. They/.exec(f.text);
      if (top !== null) for (const [name, n, at] of items(top[1]!)) eq(n, sum(ls.filter((l) => l.startup && l.name === name && l.at.includes(at)).map((l) => l.value)), `${name}'s start-up faults`);
      break;
    }
    case 'capture-quality': {
      for (const m of f.text.matchAll(/([\w:-]+) \((\d+)(?:, shown)?\)/g)) if (r.events[m[1]!] !== undefined) eq(Number(m[2]), r.events[m[1]!]!, `${m[1]} events`);
      const counted = /the findings count .*? only \((\d+) faults?\)/.exec(f.text);
      if (counted !== null) eq(Number(counted[1]), total, 'the faults the findings count');
      break;
    }
  }
  return checked;
}

describe('every finding is true to the numbers of its report', () => {
  for (const name of Object.keys(SAMPLES) as Sample[]) {
    it(`on the ${name} capture`, async () => {
      const r = await sampleReport(name, { foldStartup: false });
      expect(r.findings!.length).toBeGreaterThan(0);
      for (const f of r.findings!) expect(check(r, f), f.text).toBeGreaterThan(f.kind === 'capture-quality' ? -1 : 2);
    });
  }

  it('with two fault events selected, counting the faults once', async () => {
    const r = await sampleReport('guard', { foldStartup: false, events: ['page-faults', 'exceptions:page_fault_user'] });
    const guard = r.findings!.find((f) => f.kind === 'guard-retries')!;
    // the shares are of the tracepoint's faults, not of the tree that adds both events up
    const tracepoint = r.events['exceptions:page_fault_user']!;
    expect(r.tree.value).toBe(tracepoint + r.events['page-faults']!);
    expect(guard.text).toMatch(new RegExp(`^64 of ${tracepoint} faults \\(${Math.round((6400) / tracepoint)}%\\)`));
    expect(guard.share).toBeCloseTo(64 / tracepoint, 12);
    const startup = r.findings!.find((f) => f.kind === 'start-up')!;
    expect(startup.text).not.toContain('unknown');
    const one = await sampleReport('guard', { foldStartup: false, events: ['exceptions:page_fault_user'] });
    expect(r.findings!.filter((f) => f.kind !== 'capture-quality').map((f) => [f.kind, f.faults])).toEqual(one.findings!.filter((f) => f.kind !== 'capture-quality').map((f) => [f.kind, f.faults]));
    const capture = r.findings!.find((f) => f.kind === 'capture-quality')!;
    expect(capture.text).toContain(`the findings count exceptions:page_fault_user only (${tracepoint} faults)`);
  });
});
