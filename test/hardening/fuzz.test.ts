// A seeded fuzz run over the checked-in captures: each round takes a sample
// (perf script, perf trace, a listing), mutates it — cut short, bytes flipped,
// lines duplicated or deleted, a 2 MB line, invalid UTF-8, CR, NUL, U+2028,
// escape sequences, gzip cut short — and runs report (JSON), sites and collapse
// on it. Every run must end with a documented exit code and never with an
// internal error; a JSON report must parse and its counts add up.
//
// A few seconds by default; FAULTPATH_FUZZ_SECONDS=600 runs longer, and
// FAULTPATH_FUZZ_SEED=N replays one seed. A failure names the seed, the round
// and the file the input was kept in.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE } from '../../src/errors.js';
import { expectConsistent, runCli, type JsonReport } from './helpers.js';

const SECONDS = Number(process.env['FAULTPATH_FUZZ_SECONDS'] ?? 3);
const SEED = Number(process.env['FAULTPATH_FUZZ_SEED'] ?? 20261130);
const DOCUMENTED = [EXIT_OK, EXIT_INPUT, EXIT_USAGE];

const TRACES = [
  'samples/odd/guard-c4.perf-script.txt',
  'samples/protection/mapping.perf-script.txt',
  'samples/protection/jit.perf-trace.txt',
  'samples/protection/guard.perf-script.txt.gz',
  'samples/perf-trace/guard-pf-all-mprotect.txt',
  'samples/perf-trace/prot-callchain-fp.txt',
  'samples/shapes/tracepoints.txt',
];
const LISTINGS: Record<string, string> = {
  'samples/protection/mapping.perf-script.txt': 'samples/protection/mapping.objdump-dl.txt',
  'samples/protection/guard.perf-script.txt.gz': 'samples/protection/guard.objdump-dl.txt',
  'samples/perf-trace/prot-callchain-fp.txt': 'samples/perf-trace/prot.objdump-dl.txt',
};

/** mulberry32: small, seeded, the same numbers on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (bytes: Buffer, rnd: () => number) => Buffer;

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;
const at = (bytes: Buffer, rnd: () => number): number => Math.floor(rnd() * (bytes.length + 1));
const insert = (bytes: Buffer, where: number, what: Buffer): Buffer => Buffer.concat([bytes.subarray(0, where), what, bytes.subarray(where)]);
const lineStarts = (bytes: Buffer): number[] => {
  const starts = [0];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) if (i + 1 < bytes.length) starts.push(i + 1);
  return starts;
};
const lineAt = (bytes: Buffer, rnd: () => number): [number, number] => {
  const starts = lineStarts(bytes);
  const i = Math.floor(rnd() * starts.length);
  return [starts[i]!, starts[i + 1] ?? bytes.length];
};

const MUTATIONS: Record<string, Mutation> = {
  truncate: (b, rnd) => b.subarray(0, at(b, rnd)),
  'flip bytes': (b, rnd) => {
    const out = Buffer.from(b);
    for (let n = 1 + Math.floor(rnd() * 8); n > 0 && out.length > 0; n--) {
      const i = Math.floor(rnd() * out.length);
      out[i] = out[i]! ^ (1 << Math.floor(rnd() * 8));
    }
    return out;
  },
  'duplicate lines': (b, rnd) => {
    let out = b;
    for (let n = 1 + Math.floor(rnd() * 5); n > 0; n--) {
      const [s, e] = lineAt(out, rnd);
      out = insert(out, s, out.subarray(s, e));
    }
    return out;
  },
  'delete lines': (b, rnd) => {
    let out = b;
    for (let n = 1 + Math.floor(rnd() * 20); n > 0; n--) {
      const [s, e] = lineAt(out, rnd);
      out = Buffer.concat([out.subarray(0, s), out.subarray(e)]);
    }
    return out;
  },
  'a 2 MB line': (b, rnd) => {
    const [s] = lineAt(b, rnd);
    return insert(b, s, Buffer.from(pick(['x', '\t', 'guard 1 [000] 1.0: ', '0x'], rnd) + 'a'.repeat(2 << 20) + '\n'));
  },
  'invalid UTF-8': (b, rnd) => insert(b, at(b, rnd), Buffer.from(pick([[0xff], [0xfe, 0xfe], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]], rnd))),
  CR: (b, rnd) => {
    let out = b;
    for (let n = 1 + Math.floor(rnd() * 10); n > 0; n--) out = insert(out, at(out, rnd), Buffer.from('\r'));
    return out;
  },
  CRLF: (b) => Buffer.from(b.toString('latin1').replaceAll('\n', '\r\n'), 'latin1'),
  NUL: (b, rnd) => insert(b, at(b, rnd), Buffer.alloc(1 + Math.floor(rnd() * 3))),
  'line terminators': (b, rnd) => insert(b, at(b, rnd), Buffer.from(pick(['\u2028', '\u2029', '\u0085', '\v', '\f'], rnd))),
  'escape sequences': (b, rnd) => insert(b, at(b, rnd), Buffer.from(pick(['\x1b]0;t\x07', '\x1b[2J', '\u009b31m', '\u202e'], rnd))),
  'swap lines': (b, rnd) => {
    const [s1, e1] = lineAt(b, rnd);
    const [s2, e2] = lineAt(b, rnd);
    if (s1 === s2) return b;
    const [a, c] = s1 < s2 ? [[s1, e1], [s2, e2]] : [[s2, e2], [s1, e1]];
    if (a[1]! > c[0]!) return b;
    return Buffer.concat([b.subarray(0, a[0]), b.subarray(c[0], c[1]), b.subarray(a[1], c[0]), b.subarray(a[0], a[1]), b.subarray(c[1])]);
  },
};

const dir = mkdtempSync(join(tmpdir(), 'faultpath-fuzz-'));
let failed = false;
afterAll(() => {
  if (!failed) rmSync(dir, { recursive: true, force: true });
});

describe(`fuzz (seed ${SEED}, ${SECONDS} s)`, () => {
  it('every run ends with a documented exit code, no internal error, JSON that parses and adds up', async () => {
    const rnd = random(SEED);
    const samples = new Map(TRACES.map((p) => [p, gunzipIfGz(p)] as const));
    const deadline = Date.now() + SECONDS * 1000;
    const names = Object.keys(MUTATIONS);
    let rounds = 0;
    const seen = new Set<string>();
    for (; Date.now() < deadline || rounds < names.length; rounds++) {
      const trace = pick(TRACES, rnd);
      // every mutation at least once, then at random; sometimes two at once
      const chosen = rounds < names.length ? [names[rounds]!] : rnd() < 0.3 ? [pick(names, rnd), pick(names, rnd)] : [pick(names, rnd)];
      let bytes = samples.get(trace)!;
      for (const m of chosen) bytes = MUTATIONS[m]!(bytes, rnd);
      seen.add(chosen.join('+'));
      const gzipCut = rnd() < 0.15;
      const file = join(dir, `round-${rounds}${gzipCut ? '.gz' : '.txt'}`);
      writeFileSync(file, gzipCut ? cutGzip(bytes, rnd) : bytes);
      let listing = LISTINGS[trace] !== undefined && rnd() < 0.5 ? [LISTINGS[trace]] : [];
      // now and then the listing is the mutated one and the trace is whole
      if (rounds >= names.length && LISTINGS[trace] !== undefined && rnd() < 0.2) {
        const mutated = join(dir, `round-${rounds}.objdump.txt`);
        writeFileSync(mutated, MUTATIONS[pick(names, rnd)]!(readFileSync(LISTINGS[trace]), rnd));
        writeFileSync(file, samples.get(trace)!);
        listing = [mutated];
      }
      const what = `seed ${SEED} round ${rounds}: ${chosen.join(' + ')}${gzipCut ? ' + gzip cut short' : ''} of ${trace} (kept in ${file})${listing.length > 0 ? `, listing ${listing.join(' ')}` : ''}`;
      try {
        await check(file, listing.flatMap((l) => ['--objdump', l]), what);
      } catch (e) {
        failed = true;
        throw e;
      }
      rmSync(file, { force: true });
      for (const l of listing) if (l.startsWith(dir)) rmSync(l, { force: true });
    }
    expect(rounds).toBeGreaterThanOrEqual(names.length);
    expect(seen.size).toBeGreaterThanOrEqual(names.length);
  }, 60_000 + SECONDS * 2000);
});

async function check(file: string, listing: string[], what: string): Promise<void> {
  const report = await runCli(['report', file, ...listing, '-f', 'json', '-q']);
  expectDocumented(report, `report ${what}`);
  if (report.code === EXIT_OK) {
    let json: JsonReport;
    try {
      json = JSON.parse(report.out) as JsonReport;
    } catch (e) {
      throw new Error(`report ${what}: output is not JSON: ${(e as Error).message}`);
    }
    expectConsistent(json);
  }
  const sites = await runCli(['sites', file, '-f', 'json', '-q']);
  expectDocumented(sites, `sites ${what}`);
  if (sites.code === EXIT_OK) expect(() => JSON.parse(sites.out), `sites ${what}`).not.toThrow();
  const text = await runCli(['report', file, ...listing]);
  expectDocumented(text, `report text ${what}`);
  // eslint-disable-next-line no-control-regex
  expect(text.out + text.err, `report text ${what}: a raw control character reached the terminal`).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\x1b]/);
  if (listing.length > 0) {
    const annotate = await runCli(['annotate', file, ...listing, '--context', '2']);
    expectDocumented(annotate, `annotate ${what}`);
    // eslint-disable-next-line no-control-regex
    expect(annotate.out + annotate.err, `annotate ${what}: a raw control character reached the terminal`).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\x1b]/);
  }
  const collapse = await runCli(['collapse', file]);
  expectDocumented(collapse, `collapse ${what}`);
}

function expectDocumented(r: { code: number; err: string }, what: string): void {
  expect(r.err, what).not.toMatch(/internal error/);
  expect(DOCUMENTED, `${what}: exit ${r.code}\n${r.err}`).toContain(r.code);
}

function gunzipIfGz(path: string): Buffer {
  const raw = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}

function cutGzip(bytes: Buffer, rnd: () => number): Buffer {
  const gz = gzipSync(bytes);
  return gz.subarray(0, 2 + Math.floor(rnd() * (gz.length - 2)));
}
