// Worker thread of report-parallel.ts: reads one trace file with the parser of
// its format (parsers/input.ts, as readTrace does) and posts its records to the
// main thread in batches, in order, while the main thread joins and aggregates
// the ones before. A batch is numbers in transferred typed arrays plus the
// strings a record owns (payload, data address); frames, callchains, comms and
// event names go once, as they first appear, and are named by their number
// after that, so the main thread meets one object per frame and per interned
// callchain as it would reading the trace itself. Bad lines travel in the same
// order as records. Records of other shapes (side-band, perf trace's fields and
// return values) go whole, their callchain by number.
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { TRACE_FORMATS } from '../parsers/index.js';
import { readInput } from '../parsers/input.js';
import { PerfTraceParser } from '../parsers/perf-trace.js';
// loaded before readInput asks for it: a gzip error while readInput waited for this import went unseen (the read never ended)
import '../parsers/sniff.js';
import { InputError } from './errors.js';
import type { Diagnostic, Frame, SampleRecord, TraceRecord } from './model.js';

/** What the main thread sends. */
export interface TraceJob {
  path: string;
  /** Int32Array over it: [0] batches posted and not yet taken by the main thread. */
  inFlight: SharedArrayBuffer;
  /** The worker waits while this many batches are in flight. */
  maxInFlight: number;
}

/** Item tags in `ints` (ITEM_INTS numbers each). */
export const SAMPLE = 0;
export const SAMPLE_ADDR = 1;
/** The next of `objects`: a record (its callchain, if any, as a stack reference), or `{ diagnostic }`. */
export const OBJECT = 2;
/** Numbers per item in `ints`: tag, payload bytes, pid, tid, cpu, comm, event, stack, addr bytes, the parser's stack number (-1: none); in `doubles`: line, time, period. */
export const ITEM_INTS = 10;
export const ITEM_DOUBLES = 3;
/** Stack references below 0: the frame ids follow in `frames` as [n, id…]; NEW_STACK takes the next stack number. */
export const NEW_STACK = -1;
export const FRESH_STACK = -2;
export const NO_STACK = -3;

export type TraceMessage =
  | {
      type: 'batch';
      /** Items × ITEM_INTS. */
      ints: Int32Array;
      count: number;
      /** line, time, period of each sample item. */
      doubles: Float64Array;
      /** Stack frame ids ([n, id…] per stack sent in full). */
      frames: Int32Array;
      /** payload (and addr for SAMPLE_ADDR) of each sample item, UTF-8, one after the other (lengths in `ints`). */
      text: Uint8Array;
      objects: ({ record: TraceRecord } | { diagnostic: Diagnostic })[];
      /** Frames and names first seen in this batch, numbered on from the previous ones. */
      newFrames: Frame[];
      newNames: string[];
      bytesRead: number;
    }
  | { type: 'end'; format: string; lines: number; records: number; traceSummary: readonly unknown[] }
  | { type: 'error'; message: string; input: boolean };

const BATCH_ITEMS = 4096;
/** Callchains numbered at most; later new ones go in full with each record (still right, not shared). */
const MAX_STACKS = 1 << 16;

class BatchEncoder {
  private ints = new Int32Array(BATCH_ITEMS * ITEM_INTS);
  private doubles = new Float64Array(BATCH_ITEMS * ITEM_DOUBLES);
  private frames = new Int32Array(1 << 12);
  private framesUsed = 0;
  private count = 0;
  private text = Buffer.allocUnsafeSlow(1 << 18);
  private textUsed = 0;
  // records come in runs of one task and event, and a callchain often repeats
  private lastComm = '';
  private lastCommId = -1;
  private lastEvent = '';
  private lastEventId = -1;
  private lastStack: readonly Frame[] | undefined;
  private lastStackId = -1;
  private objects: ({ record: TraceRecord } | { diagnostic: Diagnostic })[] = [];
  private newFrames: Frame[] = [];
  private newNames: string[] = [];
  private readonly frameIds = new Map<Frame, number>();
  private readonly stackIds = new Map<readonly Frame[], number>();
  private readonly nameIds = new Map<string, number>();
  bytesRead = 0;
  private readonly flight: Int32Array;

  constructor(private readonly job: TraceJob) {
    this.flight = new Int32Array(job.inFlight);
  }

  readonly record = (r: TraceRecord): void => {
    // (ids that do not fit 32 bits, from odd input, go whole)
    if (r.kind === 'sample' && r.fields === undefined && r.ret === undefined && (r.pid | 0) === r.pid && (r.tid | 0) === r.tid && (r.cpu | 0) === r.cpu) {
      const at = this.count * ITEM_INTS;
      const ints = this.ints;
      const addr = r.addr;
      ints[at] = addr === undefined ? SAMPLE : SAMPLE_ADDR;
      ints[at + 2] = r.pid;
      ints[at + 3] = r.tid;
      ints[at + 4] = r.cpu;
      const comm = r.comm;
      if (comm !== this.lastComm || this.lastCommId < 0) {
        this.lastComm = comm;
        this.lastCommId = this.name(comm);
      }
      ints[at + 5] = this.lastCommId;
      const event = r.event;
      if (event !== this.lastEvent || this.lastEventId < 0) {
        this.lastEvent = event;
        this.lastEventId = this.name(event);
      }
      ints[at + 6] = this.lastEventId;
      const stack = r.stack;
      ints[at + 7] = stack === this.lastStack ? this.lastStackId : this.stack(stack, r.stackId !== undefined);
      ints[at + 9] = r.stackId ?? -1;
      const d = this.count * ITEM_DOUBLES;
      this.doubles[d] = r.line;
      this.doubles[d + 1] = r.time;
      this.doubles[d + 2] = r.period;
      ints[at + 1] = this.put(r.payload);
      if (addr !== undefined) ints[at + 8] = this.put(addr);
    } else {
      const at = this.count * ITEM_INTS;
      this.ints[at] = OBJECT;
      if (r.kind === 'sample') {
        // the callchain by number, in its place among the record's keys
        this.ints[at + 7] = this.stack(r.stack, r.stackId !== undefined);
        this.objects.push({ record: { ...r, stack: [] } });
      } else {
        this.ints[at + 7] = NO_STACK;
        this.objects.push({ record: r });
      }
    }
    if (++this.count === BATCH_ITEMS) this.post();
  };

  readonly diagnostic = (d: Diagnostic): void => {
    this.ints[this.count * ITEM_INTS] = OBJECT;
    this.ints[this.count * ITEM_INTS + 7] = NO_STACK;
    this.objects.push({ diagnostic: d });
    if (++this.count === BATCH_ITEMS) this.post();
  };

  // The UTF-8 of `s` after the batch's text so far: its length in bytes.
  private put(s: string): number {
    if (this.textUsed + 3 * s.length > this.text.length) {
      const more = Buffer.allocUnsafeSlow(Math.max(2 * this.text.length, this.textUsed + 3 * s.length));
      this.text.copy(more, 0, 0, this.textUsed);
      this.text = more;
    }
    const n = (this.text as unknown as { utf8Write(s: string, at: number): number }).utf8Write(s, this.textUsed);
    this.textUsed += n;
    return n;
  }

  private name(s: string): number {
    let id = this.nameIds.get(s);
    if (id === undefined) {
      id = this.nameIds.size;
      this.nameIds.set(s, id);
      this.newNames.push(s);
    }
    return id;
  }

  private stack(stack: readonly Frame[], numbered: boolean): number {
    const known = this.stackIds.get(stack);
    if (known !== undefined) {
      this.lastStack = stack;
      this.lastStackId = known;
      return known;
    }
    let ref = FRESH_STACK;
    // a callchain of two or more frames may be the parser's interned one, a numbered stack is (one frame or none is otherwise a fresh array each record)
    if ((stack.length > 1 || numbered) && this.stackIds.size < MAX_STACKS) {
      this.stackIds.set(stack, this.stackIds.size);
      ref = NEW_STACK;
    }
    const n = stack.length;
    if (this.framesUsed + n + 1 > this.frames.length) {
      const more = new Int32Array(Math.max(this.frames.length * 2, this.framesUsed + n + 1));
      more.set(this.frames.subarray(0, this.framesUsed));
      this.frames = more;
    }
    const frames = this.frames;
    frames[this.framesUsed++] = n;
    for (let i = 0; i < n; i++) {
      const f = stack[i]!;
      let id = this.frameIds.get(f);
      if (id === undefined) {
        id = this.frameIds.size;
        this.frameIds.set(f, id);
        this.newFrames.push(f);
      }
      frames[this.framesUsed++] = id;
    }
    return ref;
  }

  /** Posts what is pending, then waits while the main thread is maxInFlight batches behind. */
  post(): void {
    if (this.count === 0 && this.newFrames.length === 0) return;
    const message: TraceMessage = {
      type: 'batch',
      ints: this.ints,
      count: this.count,
      doubles: this.doubles,
      frames: this.frames,
      text: this.text.subarray(0, this.textUsed),
      objects: this.objects,
      newFrames: this.newFrames,
      newNames: this.newNames,
      bytesRead: this.bytesRead,
    };
    Atomics.add(this.flight, 0, 1);
    parentPort!.postMessage(message, [this.ints.buffer, this.doubles.buffer, this.frames.buffer, this.text.buffer]);
    this.ints = new Int32Array(BATCH_ITEMS * ITEM_INTS);
    this.doubles = new Float64Array(BATCH_ITEMS * ITEM_DOUBLES);
    // the next batch's arrays sized for one like this one
    this.frames = new Int32Array(Math.max(1 << 12, this.framesUsed));
    this.framesUsed = 0;
    this.count = 0;
    this.text = Buffer.allocUnsafeSlow(Math.max(1 << 18, this.textUsed + (this.textUsed >> 3)));
    this.textUsed = 0;
    this.objects = [];
    this.newFrames = [];
    this.newNames = [];
    for (let n = Atomics.load(this.flight, 0); n >= this.job.maxInFlight; n = Atomics.load(this.flight, 0)) Atomics.wait(this.flight, 0, n);
  }
}

async function run(job: TraceJob): Promise<TraceMessage> {
  const encoder = new BatchEncoder(job);
  const progress = {
    track(stream: Readable): void {
      stream.on('data', (chunk: Buffer) => (encoder.bytesRead += chunk.length));
    },
    stop(): void {},
  };
  const read = await readInput(job.path, { formats: TRACE_FORMATS, onRecord: encoder.record, onDiagnostic: encoder.diagnostic, progress });
  encoder.post();
  const traceSummary = read.parser instanceof PerfTraceParser ? read.parser.summary : [];
  return { type: 'end', format: read.format, lines: read.lines, records: read.records, traceSummary };
}

// (report-parallel.ts imports the protocol above in the main thread)
if (parentPort !== null && (workerData as TraceJob | undefined)?.inFlight !== undefined) {
  const port = parentPort;
  run(workerData as TraceJob).then(
    (end) => port.postMessage(end),
    (e: unknown) => port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e), input: e instanceof InputError } satisfies TraceMessage),
  );
}
