// Odd real-world inputs through the CLI (main, in-process): broken and
// mislabelled files end with exit 1 and one sentence that says what the file
// looks like; odd but valid captures (CRLF, a 10 MB line, bytes that are not
// UTF-8, LOST records, two runs in one file, unusual -F field lists) give a
// report whose counts add up. Every input is a checked-in capture or a file
// made here from one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkedStream, countHeaders, expectConsistent, expectNoStack, runCli, sampleBytes, spawnCli, type JsonReport } from './helpers.js';

const GUARD = 'samples/guard/perf-script.txt.gz';
const GUARD_LISTING = 'samples/guard/guard.objdump-dl.txt';
const ODD = 'samples/odd';
const dir = mkdtempSync(join(tmpdir(), 'faultpath-odd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function json(argv: string[]): Promise<JsonReport> {
  const r = await runCli([...argv, '-f', 'json', '-q']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as JsonReport;
}

/** Exit 1, nothing on stdout, and a last stderr line that starts with the input's name and matches `message`. */
async function expectInputError(argv: string[], message: RegExp, stdin?: Buffer): Promise<string> {
  const r = await runCli(argv, stdin === undefined ? undefined : chunkedStream(stdin));
  expectNoStack(r.err);
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  const last = r.err.trim().split('\n').at(-1) ?? '';
  expect(last).toMatch(message);
  return last;
}

describe('broken or mislabelled input: exit 1 and what it looks like', () => {
  it('a truncated .gz, as a file and on stdin', async () => {
    const cut = readFileSync(GUARD).subarray(0, 3000);
    const path = file('truncated.txt.gz', cut);
    await expectInputError(['report', path], /^faultpath: .*truncated\.txt\.gz: (corrupt or )?truncated gzip data/);
    await expectInputError(['report', '-'], /^faultpath: -: (corrupt or )?truncated gzip data/, cut);
    await expectInputError(['collapse', path], /truncated gzip data/);
  });

  it('a gzip of something else: an ELF binary, an objdump listing', async () => {
    const elf = file('guard.gz', gzipSync(readFileSync('samples/guard/guard')));
    await expectInputError(['report', elf], /guard\.gz: not perf script or perf trace output \(looks like binary data\)$/);
    const listing = file('listing.txt.gz', gzipSync(readFileSync(GUARD_LISTING)));
    await expectInputError(['report', listing], /listing\.txt\.gz: not perf script or perf trace output \(it looks like an objdump listing: pass it with --objdump\)$/);
  });

  it('an ELF binary given as a trace', async () => {
    await expectInputError(['report', 'samples/guard/guard'], /samples\/guard\/guard: not perf script or perf trace output \(looks like binary data\)$/);
  });

  it('an objdump listing given as a trace says to pass it with --objdump', async () => {
    await expectInputError(['report', GUARD_LISTING], /guard\.objdump-dl\.txt: not perf script or perf trace output \(it looks like an objdump listing: pass it with --objdump\)$/);
  });

  it('a perf script given as --objdump says it looks like perf script output', async () => {
    const last = await expectInputError(['report', GUARD, '--objdump', 'samples/odd/guard-c4.perf-script.txt'], /guard-c4\.perf-script\.txt: no instructions found/);
    expect(last).toMatch(/perf script output/);
  });

  it('an ELF binary given as --objdump says it looks like binary data', async () => {
    const last = await expectInputError(['report', GUARD, '--objdump', 'samples/guard/guard'], /samples\/guard\/guard: no instructions found/);
    expect(last).toMatch(/binary data/);
  });

  it('an empty file or stdin: exit 1, it has no events (it used to hang main() and exit 0 silently)', async () => {
    const empty = file('empty.txt', '');
    await expectInputError(['report', empty], /empty\.txt: no events: the file is empty/);
    await expectInputError(['report', '-'], /^faultpath: -: no events: the file is empty/, Buffer.alloc(0));
    await expectInputError(['report', GUARD, '--objdump', empty], /empty\.txt: no instructions found/);
    await expectInputError(['report', file('empty.gz', gzipSync(Buffer.alloc(0)))], /empty\.gz: no events: the file is empty/);
    // collapse prints nothing for nothing, as stackcollapse-perf.pl does
    expect(await runCli(['collapse', empty])).toEqual({ code: 0, out: '', err: '' });
  });

  it('a missing file and a directory, as a trace and as --objdump', async () => {
    await expectInputError(['report', join(dir, 'nope.txt')], /nope\.txt: cannot read: no such file$/);
    await expectInputError(['report', dir], /: is a directory, expected a file$/);
    await expectInputError(['report', GUARD, '--objdump', join(dir, 'nope.txt')], /nope\.txt: cannot read: no such file$/);
    await expectInputError(['report', GUARD, '--objdump', dir], /: is a directory, expected a file$/);
    await expectInputError(['collapse', dir], /: is a directory, expected a file$/);
  });
});

describe('odd but valid captures', () => {
  it('headers only (perf script --header of a run, records cut off): exit 0, no events, and says so', async () => {
    const text = sampleBytes(`${ODD}/guard-run1.perf-script.txt.gz`).toString('utf8');
    const header = text.slice(0, text.indexOf('\n#\n') + 3);
    expect(header).toMatch(/^# ========\n# captured on/);
    const path = file('header-only.txt', header);
    const r = await runCli(['report', path]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('No events to show.');
    expect(r.err).toContain('no page-fault events in the trace');
    const j = await json(['report', path]);
    expect(j.events).toEqual({});
    expect(j.skipped.lines).toBe(0);
    expect(j.inputs).toEqual([{ name: path, format: 'perf-script', lines: header.split('\n').length - 1, records: 0 }]);
    expect(j.tree.value).toBe(0);
  });

  it('a 10 MB line is skipped and reported with its file:line; later lines keep their numbers; memory stays flat', async () => {
    const lines = sampleBytes(GUARD).toString('utf8').split('\n');
    lines.pop(); // the file ends with a newline
    const long = 'x'.repeat(10 << 20);
    const bad = 'this line is not perf script';
    // the long line inside the first record's callchain (or first of all, before the format is known), a bad line between two records further on
    for (const at of [20, 0]) {
      const blank = lines.indexOf('', 100);
      const mixed = [...lines.slice(0, at), long, ...lines.slice(at, blank + 1), bad, ...lines.slice(blank + 1)];
      const path = file(`long-line-${at}.txt`, mixed.join('\n') + '\n');
      const base = await json(['report', GUARD]);
      let peak = 0;
      const before = process.memoryUsage();
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers);
      }, 1);
      const r = await runCli(['report', path, '-f', 'json']);
      clearInterval(sampler);
      expect(r.code).toBe(0);
      expect(r.err).toContain(`faultpath: ${path}:${at + 1}: line of ${long.length} characters is longer than the maximum line length; skipped\n`);
      expect(r.err).toContain(`faultpath: ${path}:${mixed.indexOf(bad) + 1}: expected a record header`);
      const j = JSON.parse(r.out) as JsonReport;
      expect(j.skipped.lines).toBe(2);
      expect(j.events).toEqual(base.events);
      expect(j.tree.value).toBe(base.tree.value);
      expect(j.inputs.at(-1)?.lines).toBe(mixed.length);
      // the line is 10 MB; the splitter keeps at most 1 MiB of it
      expect(peak).toBeLessThan(3 * long.length);
      // collapse reads it the same way, from a file and from stdin
      for (const [argv, name] of [
        [['collapse', path], path],
        [['collapse', '-'], '-'],
      ] as const) {
        const c = await runCli(argv, name === '-' ? chunkedStream(readFileSync(path), [1 << 16]) : undefined);
        expect(c.code).toBe(0);
        expect(c.err).toContain(`faultpath: ${name}:${at + 1}: line of ${long.length} characters`);
        expect(c.err).toContain(`faultpath: ${name}:${mixed.indexOf(bad) + 1}: expected a record header`);
      }
    }
  });

  // Collapse's worker threads (big plain files) must tell the parser about a
  // line the splitter dropped as overlong, or later diagnostics name the line before theirs.
  it('collapse in worker threads keeps line numbers after an overlong line', async () => {
    const text = sampleBytes(GUARD).toString('utf8');
    const lines = text.split('\n');
    const blank = lines.indexOf('', 100);
    const mixed = [...lines.slice(0, 20), 'x'.repeat(2 << 20), ...lines.slice(20, blank + 1), 'this line is not perf script', ...lines.slice(blank + 1)];
    // enough after it that both lines fall in the first thread's range
    const path = file('long-line-threads.txt', mixed.join('\n') + text.repeat(20));
    const r = await spawnCli(['collapse', path], { env: { FAULTPATH_PARALLEL_MIN: '1', FAULTPATH_THREADS: '2' } });
    expect(r.code).toBe(0);
    expect(r.err).toContain(`faultpath: ${path}:21: line of ${2 << 20} characters`);
    expect(r.err).toContain(`faultpath: ${path}:${mixed.indexOf('this line is not perf script') + 1}: expected a record header`);
  });

  it('CRLF line ends give the same report and the same folded stacks', async () => {
    const crlf = file('crlf.txt', sampleBytes(GUARD).toString('utf8').replace(/\n/g, '\r\n'));
    const a = await json(['report', GUARD, '--objdump', GUARD_LISTING]);
    const b = await json(['report', crlf, '--objdump', GUARD_LISTING]);
    expect({ ...b, inputs: b.inputs.map((i) => ({ ...i, name: i.name === crlf ? GUARD : i.name })) }).toEqual(a);
    expect((await runCli(['collapse', crlf])).out).toBe((await runCli(['collapse', GUARD])).out);
  });

  it('symbol and comm bytes that are not UTF-8 are kept visibly (U+FFFD), joined to the listing, and the JSON is valid', async () => {
    const argv = ['report', `${ODD}/latin1.perf-script.txt`, '--objdump', `${ODD}/latin1.objdump-d.txt`];
    const j = await json(argv);
    const symbol = 'caf\uFFFD_\uFFFDstore';
    const comm = 'na\uFFFDve\uFFFD';
    const site = j.sites.find((s) => s.symbol === symbol);
    expect(site).toMatchObject({ resolved: true, instruction: 'movb $0x1,(%rdi)' });
    expect(site!.count).toBe(16); // one fault per page it stores to (latin1.c: PAGES)
    expect(j.tree.children.map((c) => c.name)).toContain(comm);
    expectConsistent(j);
    const folded = await runCli([...argv, '-f', 'folded']);
    expect(folded.out).toContain(`${comm};`);
    expect(folded.out).toContain(`;${symbol};`);
    const collapsed = await runCli(['collapse', `${ODD}/latin1.perf-script.txt`]);
    expect(collapsed.code).toBe(0);
    expect(collapsed.out).toContain(symbol);
  });

  it('LOST records: perf trace prints `LOST N events!`, perf script --show-lost-events PERF_RECORD_LOST; both are summed and warned about', async () => {
    for (const [path, pattern] of [
      ['samples/perf-trace/lost-m1.txt', /^LOST (\d+) events!$/gm],
      ['samples/shapes/lost.txt', /PERF_RECORD_LOST lost (\d+)$/gm],
    ] as const) {
      const text = readFileSync(path, 'utf8');
      const lost = [...text.matchAll(pattern)].reduce((s, m) => s + Number(m[1]), 0);
      expect(lost).toBeGreaterThan(0);
      const j = await json(['report', path]);
      expect(j.lost).toBe(lost);
      expect(j.skipped.lines).toBe(0);
      const capture = j.findings.find((f) => f.kind === 'capture-quality')!;
      expect(capture.text).toContain(`the recorder lost ${lost} events, so every count is low`);
      expect(capture.remedy).toContain('-m 1024');
      expectConsistent(j);
    }
    // plain perf script prints no LOST lines: nothing lost, nothing said
    const plain = await json(['report', GUARD]);
    expect(plain.lost).toBe(0);
    expect(plain.warnings.join('\n')).not.toMatch(/lost/);
  });

  it('two perf runs in one file (two header blocks, time going backwards) count as the sum of both', async () => {
    const run1 = sampleBytes(`${ODD}/guard-run1.perf-script.txt.gz`);
    const run2 = sampleBytes(`${ODD}/guard-run2.perf-script.txt.gz`);
    const one = await json(['report', `${ODD}/guard-run1.perf-script.txt.gz`, '--objdump', `${ODD}/guard.objdump-dl.txt`]);
    const two = await json(['report', `${ODD}/guard-run2.perf-script.txt.gz`, '--objdump', `${ODD}/guard.objdump-dl.txt`]);
    const sum: Record<string, number> = { ...one.events };
    for (const [e, n] of Object.entries(two.events)) sum[e] = (sum[e] ?? 0) + n;
    for (const [name, bytes] of [
      ['run1-run2.txt', Buffer.concat([run1, run2])],
      ['run2-run1.txt', Buffer.concat([run2, run1])], // the second block's times are earlier
    ] as const) {
      const path = file(name, bytes);
      const j = await json(['report', path, '--objdump', `${ODD}/guard.objdump-dl.txt`]);
      expect(j.events).toEqual(sum);
      expect(j.events).toEqual(countHeaders(bytes.toString('utf8')).records);
      expect(j.skipped.lines).toBe(0);
      expect(j.tree.value).toBe(one.tree.value + two.tree.value);
      expectConsistent(j);
      // the faulting instructions of both runs, added up
      const count = (r: JsonReport, symbol: string): number => r.sites.filter((s) => s.symbol === symbol).reduce((n, s) => n + s.count, 0);
      for (const symbol of ['write_field', 'write_header']) expect(count(j, symbol)).toBe(count(one, symbol) + count(two, symbol));
    }
  });
});

describe('perf script -F +tod', () => {
  // the same perf.data printed with and without the time of day
  it('reads the comm, tid and cpu around the time of day: the same report as without it', async () => {
    const plain = await json(['report', `${ODD}/guard-tod.perf-script.txt.gz`, '--objdump', `${ODD}/guard.objdump-dl.txt`]);
    const tod = await json(['report', `${ODD}/guard-tod.F-tod.txt.gz`, '--objdump', `${ODD}/guard.objdump-dl.txt`]);
    expect(plain.events['page-faults']).toBeGreaterThan(0);
    expect(tod.skipped.lines).toBe(0);
    expect(tod.events).toEqual(plain.events);
    expect(tod.tree).toEqual(plain.tree);
    expect(tod.tree.children.map((c) => c.name)).toEqual(['guard']);
    const pinned = await json(['report', `${ODD}/guard-tod.F-tod.txt.gz`, '--tid', String(/guard (\d+) /.exec(sampleBytes(`${ODD}/guard-tod.F-tod.txt.gz`).toString('utf8'))![1])]);
    expect(pinned.tree.value).toBe(plain.tree.value);
  });
});

describe('event names with per-event terms and modifiers', () => {
  // perf record -e 'page-faults/period=4/' -e minor-faults:u: perf prints the names as given
  it('page-faults/period=4/ is the page-faults event, chosen over minor-faults:u, with its periods', async () => {
    const path = `${ODD}/guard-terms.perf-script.txt.gz`;
    const j = await json(['report', path, '--objdump', `${ODD}/guard.objdump-dl.txt`]);
    expect(Object.keys(j.events).sort()).toEqual(['minor-faults:u', 'page-faults/period=4/']);
    expect(j.selectedEvents).toEqual(['page-faults/period=4/']);
    const periods = sampleBytes(path)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes(' page-faults/period=4/:'))
      .reduce((n, l) => n + Number(/\s(\d+) page-faults/.exec(l)![1]), 0);
    expect(j.tree.value).toBe(periods);
    const capture = j.findings.find((f) => f.kind === 'capture-quality')!;
    expect(capture.text).toContain('page-faults/period=4/ (');
    expect(capture.text).toContain('minor-faults:u (');
    expectConsistent(j);
  });
});

describe('perf script with unusual -F field lists (same perf.data as the default print)', () => {
  it('-F tid,time,event,ip,sym: no comm, no dso, no offsets — read, and every record counted', async () => {
    const path = `${ODD}/guard-run1.F-tid-time-event-ip-sym.txt.gz`;
    const full = await json(['report', `${ODD}/guard-run1.perf-script.txt.gz`]);
    const j = await json(['report', path]);
    expect(j.events).toEqual(full.events);
    expect(j.events).toEqual(countHeaders(sampleBytes(path).toString('utf8')).records);
    expect(j.tree.value).toBe(full.tree.value);
    expectConsistent(j);
  });

  it('-F comm,event,ip,dso,period: the period (%10lu) is not taken for a tid, so the tree holds the periods', async () => {
    const full = await json(['report', `${ODD}/guard-c4.perf-script.txt`]);
    const fields = await json(['report', `${ODD}/guard-c4.F-comm-event-ip-dso-period.txt`]);
    expect(full.events['page-faults']).toBeGreaterThan(0);
    expect(full.tree.value).toBe(4 * full.events['page-faults']!); // perf record -c 4
    expect(fields.events).toEqual(full.events);
    expect(fields.tree.value).toBe(full.tree.value);
    expectConsistent(fields);
    // --tid filters by thread: a record printed without a tid belongs to no thread 4, and no --tid matches
    const byTid = await runCli(['report', `${ODD}/guard-c4.F-comm-event-ip-dso-period.txt`, '--tid', '4']);
    expect(byTid.code).toBe(1);
    expect(byTid.err).toMatch(/--tid 4 matches nothing in the trace \(the trace has no threads among the page-fault records\)/);
  });

  it('-F comm,event,ip,dso,period of a trace with mprotect tracepoints: every record counted', async () => {
    const full = await json(['report', `${ODD}/guard-run1.perf-script.txt.gz`]);
    const r = await runCli(['report', `${ODD}/guard-run1.F-comm-event-ip-dso-period.txt.gz`, '-f', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as JsonReport;
    expect(j.events).toEqual(full.events);
    expect(j.tree.value).toBe(full.tree.value);
    expectConsistent(j);
  });

  // The pipeline runs one protection timeline per fault-event family; a
  // protection record none can read (here -F dropped the tracepoint fields)
  // is one skipped line, not one per timeline (it was 393 for 131 lines).
  it('skipped.lines counts each unreadable line once', async () => {
    const r = await runCli(['report', `${ODD}/guard-run1.F-comm-event-ip-dso-period.txt.gz`, '-f', 'json']);
    const j = JSON.parse(r.out) as JsonReport;
    expect(j.events['syscalls:sys_enter_mprotect']).toBe(131);
    expect(j.skipped.lines).toBeLessThanOrEqual(j.events['syscalls:sys_enter_mprotect']!);
  });
});

describe('lines inside a listing that are not objdump lines', () => {
  // GNU objdump -S prints source text between instructions as it is, so such a
  // line cannot be told from junk; it is skipped, and the inputs say how many.
  it('are counted as -S source text in the inputs, and the rest of the listing still resolves the faults', async () => {
    const listing = readFileSync(GUARD_LISTING, 'utf8');
    const junk = ['garbage that is no objdump line', '#### truncated by a copy-paste', 'x = 1;'];
    const at = listing.indexOf('\n', listing.indexOf('    12eb:'));
    const path = file('guard-junk.objdump-dl.txt', listing.slice(0, at + 1) + junk.join('\n') + listing.slice(at));
    const clean = await json(['report', GUARD, '--objdump', GUARD_LISTING]);
    const j = await json(['report', GUARD, '--objdump', path]);
    expect(j.inputs.find((i) => i.name === path)).toMatchObject({ format: 'objdump', sourceLines: junk.length });
    expect(clean.inputs.find((i) => i.name === GUARD_LISTING)!.sourceLines).toBeUndefined();
    expect(j.sites).toEqual(clean.sites);
    const text = await runCli(['report', GUARD, '--objdump', path, '-q']);
    expect(text.out).toContain(`# input: ${path} (objdump, ${listing.split('\n').length - 1 + junk.length} lines, `);
    expect(text.out).toContain(`, ${junk.length} lines of -S source text skipped)`);
  });
});
