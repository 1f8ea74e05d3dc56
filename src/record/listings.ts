// The listings a trace needs: which dsos hold a fault site, a protection call
// or a frame above one (the unwinding repair reads the call before a return
// address), the functions in each, and an objdump listing of them — the
// build-id note in front (so a listing of another build is refused), then
// `objdump -dl` of the whole binary when it is small, or of each needed
// function (--start-address/--stop-address) when it is large, like libc.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AddressSpaces } from '../addresses.js';
import type { TraceEvent } from '../events.js';
import { ThreadOwners } from '../memory/index.js';
import { isJitDso, isKernelDso } from '../dso.js';
import { readTrace } from '../report-inputs.js';
import { functionRange, type ElfInfo } from './elf.js';

/** What a trace needs of one dso. */
export interface DsoNeed {
  /** The path perf printed. */
  dso: string;
  /** The build id the trace gives (MMAP2 records of perf record --buildid-mmap, or a buildid-list). */
  buildId?: string;
  /** perf's map-relative addresses of the frames in this dso. */
  addresses: Set<number>;
  /** perf's symbol+offset of those frames. */
  symbols: Map<string, Set<number>>;
}

/** Reads the traces once and collects the user-space dsos in the stacks of fault events and protection calls. */
export async function scanTraces(traces: readonly string[], stdin?: Readable): Promise<Map<string, DsoNeed>> {
  const needs = new Map<string, DsoNeed>();
  const ids = new Map<string, string>();
  const need = (dso: string): DsoNeed => {
    let n = needs.get(dso);
    if (n === undefined) {
      n = { dso, addresses: new Set(), symbols: new Map() };
      needs.set(dso, n);
    }
    return n;
  };
  // the faulting ip of a tracepoint, through the MMAP records: a leaf perf printed only as
  // `(inlined)`, or no callchain at all, still names its dso's function
  const owners = new ThreadOwners();
  const addresses = new AddressSpaces(owners);
  const onEvent = (e: TraceEvent): void => {
    owners.note(e);
    if (e.kind === 'mmap') {
      addresses.addMmap(e);
      if (e.buildId !== undefined) ids.set(e.filename, e.buildId.toLowerCase());
      return;
    }
    if (e.kind === 'comm') addresses.addTask(e);
    if (e.kind !== 'fault' && e.kind !== 'call' && e.kind !== 'return') return;
    const r = e.record;
    const fault = e.kind === 'fault' ? e.access : undefined;
    if (fault?.ipText !== undefined && fault.ip !== undefined) {
      const at = addresses.lookup(addresses.processFor(r.pid, r.tid), fault.ip);
      if (at !== undefined && at.dso.startsWith('/') && !isJitDso(at.dso)) need(at.dso).addresses.add(at.dsoAddress);
    }
    for (const f of r.stack) {
      const dso = f.dso.endsWith(' (deleted)') ? f.dso.slice(0, -10) : f.dso;
      if (!dso.startsWith('/') || isKernelDso(dso) || isJitDso(dso)) continue;
      const n = need(dso);
      const addr = parseInt(f.addr, 16);
      if (!Number.isNaN(addr)) n.addresses.add(addr);
      if (f.symbol !== '' && f.symbol !== '[unknown]') {
        const offsets = n.symbols.get(f.symbol) ?? new Set<number>();
        offsets.add(Math.max(0, f.offset));
        n.symbols.set(f.symbol, offsets);
      }
    }
  };
  const diagnostics = { sink: () => undefined };
  for (const t of traces) await readTrace(t, onEvent, diagnostics, stdin);
  for (const [dso, id] of ids) {
    const need = needs.get(dso);
    if (need !== undefined) need.buildId = id;
  }
  return needs;
}

/** Binaries with up to this much code are listed whole; bigger ones by function. */
export const WHOLE_LISTING_LIMIT = 128 * 1024;
/** More separate functions than this: one whole listing is quicker than this many objdump runs. */
const MAX_RANGES = 48;

/** The [start, stop) listing ranges holding the needed frames, merged; 'all' when the binary is small or the ranges many. */
export function neededRanges(need: DsoNeed, elf: ElfInfo): Array<[number, number]> | 'all' {
  if (elf.codeSize <= WHOLE_LISTING_LIMIT) return 'all';
  const ranges: Array<[number, number]> = [];
  const add = (address: number): void => {
    const r = functionRange(elf, address);
    if (r !== undefined) ranges.push(r);
  };
  for (const a of need.addresses) {
    add(a + elf.loadBias);
    // DWARF chains give return address - 1, frame-pointer chains the return address: both are in the caller
    if (a > 0) add(a + elf.loadBias - 1);
  }
  for (const [symbol, offsets] of need.symbols) {
    for (const start of elf.symbols.get(symbol) ?? []) for (const off of offsets) add(start + off);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged.length > MAX_RANGES ? 'all' : merged;
}

/** Writes `{ objdump -s -j .note.gnu.build-id BIN; objdump -dl [ranges] BIN; }` to `out` (gzipped when it ends in .gz). Resolves with the bytes of text written. */
export async function writeListing(binary: string, elf: ElfInfo, ranges: Array<[number, number]> | 'all', out: string, options: { objdump?: string; name?: string } = {}): Promise<number> {
  const objdump = options.objdump ?? 'objdump';
  // a binary found elsewhere (perf's build-id cache) is listed under the name the trace knows it by
  const header = options.name !== undefined && options.name !== binary ? { from: `${binary}:`, to: `${options.name}:` } : undefined;
  const file = createWriteStream(out);
  const gzip = out.endsWith('.gz') ? createGzip({ level: 6 }) : undefined;
  const sink = gzip ?? file;
  const done = gzip !== undefined ? pipeline(gzip, file) : once(file, 'finish').then(() => undefined);
  let bytes = 0;
  const write = async (chunk: Buffer | string): Promise<void> => {
    if (header !== undefined) chunk = chunk.toString().split(header.from).join(header.to);
    bytes += Buffer.byteLength(chunk);
    if (!sink.write(chunk)) await once(sink, 'drain');
  };
  try {
    if (elf.buildId !== undefined) await runInto(objdump, ['-s', '-j', '.note.gnu.build-id', binary], write);
    if (ranges === 'all') {
      await runInto(objdump, ['-dl', binary], write);
    } else {
      for (let i = 0; i < ranges.length; i++) {
        const [start, stop] = ranges[i]!;
        const args = ['-dl', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${stop.toString(16)}`, binary];
        // every run prints the file header: keep the first, then only from the section line on
        await runInto(objdump, args, write, i === 0 ? undefined : /^Disassembly of section /m);
      }
    }
  } finally {
    sink.end();
    await done;
  }
  return bytes;
}

/** Runs a command and hands its stdout on (from the first match of `from`, when given). Rejects on a non-zero exit. */
async function runInto(cmd: string, args: readonly string[], write: (chunk: Buffer | string) => Promise<void>, from?: RegExp): Promise<void> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  let pending = from !== undefined ? '' : undefined;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    if (pending === undefined) {
      await write(chunk);
      continue;
    }
    pending += chunk.toString('utf8');
    const m = from!.exec(pending);
    if (m !== null) {
      await write(pending.slice(m.index));
      pending = undefined;
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit status ${code}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`);
}
