// perf script's default text as the capture scripts keep it (--show-task-events
// --show-mmap-events): a sample is a line at the margin, its frames the indented
// lines after it (`addr symbol+0xoff (dso)`, innermost first). A read of the
// capture independent of faultpath's parsers, for tests to derive expectations.

export interface ScriptFrame {
  /** The address as perf printed it (hex, no 0x). */
  readonly addr: string;
  readonly symbol: string;
  /** undefined where perf printed no `+0x…` (`[unknown]`). */
  readonly offset: number | undefined;
  /** `inlined` for an inlined frame. */
  readonly dso: string;
}

export interface ScriptSample {
  readonly event: string;
  /** The thread (`comm tid` or `comm pid/tid`). */
  readonly tid: number;
  readonly header: string;
  readonly frames: readonly ScriptFrame[];
}

const FRAME = /^\s+([0-9a-f]+) (.*) \(([^()]*)\)$/;

/** The samples of these events, in the order perf printed them. */
export function scriptSamples(text: string, ...events: string[]): ScriptSample[] {
  const out: ScriptSample[] = [];
  let frames: ScriptFrame[] | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line[0] !== ' ' && line[0] !== '\t') {
      frames = undefined;
      const event = line.includes('PERF_RECORD_') ? undefined : events.find((e) => line.includes(` ${e}:`));
      if (event !== undefined) {
        frames = [];
        const tid = /\s(\d+)(?:\/(\d+))?\s+(?:\[\d+\]\s+)?\d+\.\d+:\s/.exec(line);
        out.push({ event, tid: tid === null ? NaN : Number(tid[2] ?? tid[1]), header: line, frames });
      }
      continue;
    }
    const f = frames === undefined ? undefined : frame(line);
    if (f !== undefined) frames!.push(f);
  }
  return out;
}

function frame(line: string): ScriptFrame | undefined {
  const m = FRAME.exec(line);
  if (m === null) return undefined;
  const at = /^(.*)\+0x([0-9a-f]+)$/.exec(m[2]!);
  return { addr: m[1]!, symbol: at === null ? m[2]! : at[1]!, offset: at === null ? undefined : parseInt(at[2]!, 16), dso: m[3]! };
}

export const isKernel = (f: ScriptFrame): boolean => f.dso.startsWith('[kernel');

/** The user frames of a sample, innermost first. */
export const userFrames = (s: ScriptSample): ScriptFrame[] => s.frames.filter((f) => !isKernel(f));

/** The frames at the leaf's address: the functions inlined there, then the real one when perf printed it. */
export function leafGroup(user: readonly ScriptFrame[]): ScriptFrame[] {
  const group: ScriptFrame[] = [];
  for (const f of user) {
    if (f.addr !== user[0]!.addr) break;
    group.push(f);
    if (f.dso !== 'inlined') break;
  }
  return group;
}

/** The `(inlined)` frames of the leaf when perf printed no real frame at its address, else undefined. */
export function inlinedOnlyLeaf(s: ScriptSample): ScriptFrame[] | undefined {
  const user = userFrames(s);
  if (user.length === 0) return undefined;
  const group = leafGroup(user);
  return group.every((f) => f.dso === 'inlined') ? group : undefined;
}

/** A sample's user chain as perf report's folded chains print it: outermost first, `name (inlined)` for an inlined frame. */
export function foldedChain(s: ScriptSample): string {
  return userFrames(s)
    .reverse()
    .map((f) => (f.dso === 'inlined' ? `${f.symbol} (inlined)` : f.symbol))
    .join(';');
}

/** The `ip=` of a fault tracepoint's payload. */
export function faultIp(s: ScriptSample): number | undefined {
  const m = / ip=0x([0-9a-f]+)/.exec(s.header);
  return m === null ? undefined : parseInt(m[1]!, 16);
}

/** The `address=` of a fault tracepoint's payload (NaN past 2^53: a kernel address). */
export function faultAddress(s: ScriptSample): number {
  const m = / address=0x([0-9a-f]+)/.exec(s.header);
  const n = m === null ? NaN : parseInt(m[1]!, 16);
  return Number.isSafeInteger(n) ? n : NaN;
}

/** The period perf printed before a software event's name (`threads 2182 11895.892210:          1                 page-faults:`), else undefined. */
export function periodOf(s: ScriptSample): number | undefined {
  const m = /:\s+(\d+)\s+\S+:/.exec(s.header);
  return m === null ? undefined : Number(m[1]);
}

/** Every frame line of the text, of every event. */
export function scriptFrames(text: string): ScriptFrame[] {
  const out: ScriptFrame[] = [];
  for (const line of text.split('\n')) {
    const f = line[0] === ' ' || line[0] === '\t' ? frame(line) : undefined;
    if (f !== undefined) out.push(f);
  }
  return out;
}

/** The code mappings of MMAP2 records (`[0xstart(0xlen) @ pgoff …]: r-xp path`), in order: a capture of one process. */
export function codeMappings(text: string): { start: number; end: number; pgoff: number; dso: string }[] {
  const out: { start: number; end: number; pgoff: number; dso: string }[] = [];
  for (const m of text.matchAll(/PERF_RECORD_MMAP2 \S+ \[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ (?:0x)?([0-9a-f]+) [^\]]*\]: r-xp (.+)$/gm)) {
    const start = parseInt(m[1]!, 16);
    out.push({ start, end: start + parseInt(m[2]!, 16), pgoff: parseInt(m[3]!, 16), dso: m[4]! });
  }
  return out;
}

/** `dso address` (the address in the dso, hex) of a runtime address, by the last code mapping holding it. */
export function inDso(maps: ReturnType<typeof codeMappings>, ip: number): string | undefined {
  const m = maps.findLast((x) => x.start <= ip && ip < x.end);
  if (m === undefined) return undefined;
  return `${m.dso.slice(m.dso.lastIndexOf('/') + 1)} ${(ip - m.start + m.pgoff).toString(16)}`;
}
