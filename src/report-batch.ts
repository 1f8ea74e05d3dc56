// The records of a trace as batches between report's worker thread
// (report-worker.ts, BatchEncoder) and the main thread (report-parallel.ts,
// BatchDecoder). A batch is numbers and UTF-8 in a slot of memory shared once
// for the whole read (no buffer allocated, transferred or collected per
// batch), plus what the main thread has not met yet: frames and names as they
// first appear, named by their number after that; a callchain by the parser's
// stack number once sent, so the main thread meets one object per frame and
// per interned callchain as it would reading the trace itself. Bad lines travel
// in the same order as records. Records of other shapes (side-band, perf
// trace's fields and return values) go whole, their callchain by reference.
// The numbers normalizeRecord reads from the payloads of the records a trace
// holds most of (software faults, mprotect, syscall exits) are read here, in
// the worker, and go as numbers: the main thread makes their events of them.
import { decodeHotRecord, faultFamily, HOT_FAULT, HOT_NONE, HOT_VALUES, hotEvent, frameAddress, normalizeRecord, type FaultAccess, type FaultEvent, type TraceEvent } from './events.js';
import { NO_IP_PRINTED, type Diagnostic, type Frame, type SampleRecord, type TraceRecord } from './model.js';
import { ReusedSample } from '../parsers/perf-script.js';
import { copyBytes, viewOf } from '../parsers/line-table.js';
import { Numbered } from './numbered.js';

/** Item tags in `ints` (ITEM_INTS numbers each). */
export const SAMPLE = 0;
export const SAMPLE_ADDR = 1;
/** The next of `objects`: a record (its callchain, if any, as a stack reference), or `{ diagnostic }`. */
export const OBJECT = 2;
/**
 * Numbers per item in `ints`: tag, pid, tid, cpu, comm, event, stack reference, the parser's
 * stack number (-1: none), the payload's UTF-8 bytes in the text, the addr's length, and where
 * the addr is: -1 its UTF-8 bytes in the text after the payload's, else the UTF-16 offset in
 * the payload where it is found, what decodeHotRecord read (HOT_NONE…). In `doubles`: line,
 * time, period, and decodeHotRecord's numbers.
 */
const ITEM_INTS = 12;
const ITEM_DOUBLES = 3 + HOT_VALUES;
/**
 * Stack references: ≥ 0 a stack sent before, by its slot; below, the frame ids follow in the
 * frames as [n, id…] (NO_IP_STACK: none, the parser's NO_IP_PRINTED): FRESH_STACK is kept by neither side, ≤ NEW_STACK is kept in slot
 * NEW_STACK - ref. Slots below MAX_NUMBERED are the parser's stack numbers; above, callchains
 * the parser interned without a number, numbered here.
 */
const FRESH_STACK = -2;
/** NO_IP_PRINTED: a record printed without its ip (-F without ip), told by identity on both sides. */
const NO_IP_STACK = -1;
const NO_STACK = -3;
const NEW_STACK = -4;
const MAX_NUMBERED = 1 << 16;
/** Callchains without the parser's number kept at most; later new ones go in full with each record (still right, not shared). */
const MAX_CHAINS = 1 << 16;

/** Records per batch. */
export const BATCH_ITEMS = 4096;
/** Items in the first batch (see BatchEncoder.postAt). */
export const FIRST_BATCH_ITEMS = 64;
// A slot's frames and text; a batch that needs more carries its own (a run of new deep stacks, long payloads).
// Frames: room for a batch of new stacks ~15 deep (the bench capture's first batches of ~9 deep overran
// half of it: copied with their message, and the first threw the encoder's optimized code away).
const SLOT_FRAMES = 1 << 16;
const SLOT_TEXT = 1 << 18;

/** The shared memory of `slots` batches (at most that many in flight), and [0] of `flight`: batches sent and not yet decoded. */
export interface BatchRing {
  readonly slots: number;
  readonly ints: SharedArrayBuffer;
  readonly doubles: SharedArrayBuffer;
  readonly frames: SharedArrayBuffer;
  readonly text: SharedArrayBuffer;
  readonly flight: SharedArrayBuffer;
}

export function newBatchRing(slots: number): BatchRing {
  return {
    slots,
    ints: new SharedArrayBuffer(slots * BATCH_ITEMS * ITEM_INTS * 4),
    doubles: new SharedArrayBuffer(slots * BATCH_ITEMS * ITEM_DOUBLES * 8),
    frames: new SharedArrayBuffer(slots * SLOT_FRAMES * 4),
    text: new SharedArrayBuffer(slots * SLOT_TEXT),
    flight: new SharedArrayBuffer(4),
  };
}

/**
 * Batches in flight at which the encoder, waiting on a full ring, goes on: an eighth of it free (at
 * least a slot). Woken once per few batches, not per batch; waiting for half of it, the worker idled
 * while the main thread, the one behind, decoded that half.
 */
function refillAt(slots: number): number {
  return slots - Math.max(1, slots >> 3);
}

interface Slot {
  readonly ints: Int32Array;
  readonly doubles: Float64Array;
  readonly frames: Int32Array;
  readonly text: Buffer;
  readonly textView: DataView;
}

function slotsOf(ring: BatchRing): Slot[] {
  return Array.from({ length: ring.slots }, (_, i) => ({
    ints: new Int32Array(ring.ints, i * BATCH_ITEMS * ITEM_INTS * 4, BATCH_ITEMS * ITEM_INTS),
    doubles: new Float64Array(ring.doubles, i * BATCH_ITEMS * ITEM_DOUBLES * 8, BATCH_ITEMS * ITEM_DOUBLES),
    frames: new Int32Array(ring.frames, i * SLOT_FRAMES * 4, SLOT_FRAMES),
    text: Buffer.from(ring.text, i * SLOT_TEXT, SLOT_TEXT),
    textView: new DataView(ring.text, i * SLOT_TEXT, SLOT_TEXT),
  }));
}

/** One batch: the numbers are in slot `slot` of the ring. */
export interface Batch {
  slot: number;
  count: number;
  /**
   * The frames and text when they did not fit the slot, else empty: every batch is one shape (the
   * first batch of another shape threw the main thread's optimized decoding code away).
   */
  frames: Int32Array;
  text: Uint8Array;
  /** The text is ASCII. */
  ascii: boolean;
  /** Bytes of text. */
  textBytes: number;
  objects: ({ record: TraceRecord } | { diagnostic: Diagnostic })[];
  /** Frames and names first met in this batch, numbered on from the previous ones. */
  newFrames: Frame[];
  newNames: string[];
  bytesRead: number;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

// A batch's own frames and text when it has none (the slot's are read).
const NO_FRAME_IDS = new Int32Array(0);
const NO_TEXT = new Uint8Array(0);

/** The worker's side: records and bad lines in, batches out through `send`; waits while the ring is full. */
export class BatchEncoder {
  private readonly slots: Slot[];
  private readonly flight: Int32Array;
  private slot = 0;
  /** Slots sent, oldest first: the last `flight` of them are not decoded yet. */
  private readonly sent: number[] = [];
  /** Slots decoded, the last freed on top: the next batch goes in the one freed last. */
  private readonly free: number[];
  private ints: Int32Array;
  private doubles: Float64Array;
  private frames: Int32Array;
  private framesOwn = false;
  private framesUsed = 0;
  private text: Buffer;
  private textView: DataView;
  private textOwn = false;
  private textUsed = 0;
  private ascii = true;
  private count = 0;
  // the first batch is short: posted while the code that fills batches still runs unoptimized, which then has
  // met `post` and a batch's fresh arrays (met first in optimized code, each threw it away: a recompile)
  private postAt = FIRST_BATCH_ITEMS;
  // records come in runs of one task and event
  private lastComm = '';
  private lastCommId = -1;
  private lastEvent = '';
  private lastEventId = -1;
  private objects: Batch['objects'] = [];
  /**
   * Frames and names by id, those from framesSent and namesSent on not sent yet. (Arrays kept,
   * not new ones per batch: an empty array's first push of an object, met in optimized code,
   * threw it away.)
   */
  private readonly framesById: Frame[] = [];
  private framesSent = 0;
  private readonly namesById: string[] = [];
  private namesSent = 0;
  private readonly frameIds = new Map<Frame, number>();
  /** By frame id: its address (frameAddress). */
  private readonly frameIps: number[] = [];
  // (both whole from the start: growing, first met in optimized code, threw it away; pages are backed only where written)
  /** The parser's stack numbers sent (1 per number below MAX_NUMBERED). */
  private readonly numberedSent = new Uint8Array(MAX_NUMBERED);
  /** By the parser's stack number sent: its leaf frame's address (a fault's ip), read once per stack. */
  private readonly leafIps = new Float64Array(MAX_NUMBERED);
  private readonly chainIds = new Map<readonly Frame[], number>();
  private readonly nameIds = new Map<string, number>();
  /** The parser's payload bytes (a ReusedSample's, the same buffer but when it grows) and their view. */
  private payloadBytes: Buffer | null = null;
  private payloadView: DataView | null = null;
  bytesRead = 0;

  constructor(
    private readonly ring: BatchRing,
    private readonly send: (b: Batch) => void,
  ) {
    this.slots = slotsOf(ring);
    this.flight = new Int32Array(ring.flight);
    this.free = Array.from({ length: ring.slots - 1 }, (_, i) => ring.slots - 1 - i);
    ({ ints: this.ints, doubles: this.doubles, frames: this.frames, text: this.text, textView: this.textView } = this.slots[0]!);
  }

  readonly record = (r: TraceRecord): void => {
    if (r instanceof ReusedSample) {
      if (r.bytes !== null && (r.pid | 0) === r.pid && (r.tid | 0) === r.tid && (r.cpu | 0) === r.cpu) this.reused(r, r.bytes);
      else this.record(r.plain());
      return;
    }
    const at = this.count * ITEM_INTS;
    const ints = this.ints;
    // (ids that do not fit 32 bits, from odd input, go whole)
    if (r.kind === 'sample' && r.fields === undefined && r.ret === undefined && (r.pid | 0) === r.pid && (r.tid | 0) === r.tid && (r.cpu | 0) === r.cpu) {
      const addr = r.addr;
      ints[at] = addr === undefined ? SAMPLE : SAMPLE_ADDR;
      this.header(at, r);
      const payload = r.payload;
      ints[at + 8] = this.put(payload);
      if (addr !== undefined) {
        // the data address is mostly the payload's first column (`-F +addr`): found there, not sent twice
        const i = payload.indexOf(addr);
        ints[at + 9] = i < 0 ? this.put(addr) : addr.length;
        ints[at + 10] = i;
      }
      const d = this.count * ITEM_DOUBLES;
      const doubles = this.doubles;
      doubles[d] = r.line;
      doubles[d + 1] = r.time;
      doubles[d + 2] = r.period;
      ints[at + 11] = decodeHotRecord(r, doubles, d + 3);
    } else {
      ints[at] = OBJECT;
      if (r.kind === 'sample') {
        // the callchain by reference, in its place among the record's keys
        ints[at + 6] = this.stack(r.stack, r.stackId ?? -1);
        this.objects.push({ record: { ...r, stack: [] } });
      } else {
        ints[at + 6] = NO_STACK;
        this.objects.push({ record: r });
      }
    }
    if (++this.count === this.postAt) this.post();
  };

  // A sample's ids at item `at`: pid, tid, cpu, comm and event (by name id, the last one kept), its stack.
  private header(at: number, r: Pick<SampleRecord, 'pid' | 'tid' | 'cpu' | 'comm' | 'event' | 'stack' | 'stackId'>): void {
    const ints = this.ints;
    ints[at + 1] = r.pid;
    ints[at + 2] = r.tid;
    ints[at + 3] = r.cpu;
    const comm = r.comm;
    if (comm !== this.lastComm || this.lastCommId < 0) {
      this.lastComm = comm;
      this.lastCommId = this.name(comm);
    }
    ints[at + 4] = this.lastCommId;
    const event = r.event;
    if (event !== this.lastEvent || this.lastEventId < 0) {
      this.lastEvent = event;
      this.lastEventId = this.name(event);
    }
    ints[at + 5] = this.lastEventId;
    const stackId = r.stackId ?? -1;
    ints[at + 6] = this.stack(r.stack, stackId);
    ints[at + 7] = stackId;
  }

  // The parser's one record, its payload as ASCII bytes: copied as they are, the data address by its place in them.
  private reused(r: ReusedSample, bytes: Buffer): void {
    const at = this.count * ITEM_INTS;
    const ints = this.ints;
    const addrAt = r.addrAt;
    ints[at] = addrAt < 0 ? SAMPLE : SAMPLE_ADDR;
    this.header(at, r);
    const n = r.payloadLength;
    if (this.textUsed + n > this.text.length) this.growText(n);
    if (bytes !== this.payloadBytes) this.payloadView = viewOf((this.payloadBytes = bytes));
    copyBytes(this.payloadView!, 0, this.textView, this.textUsed, n);
    this.textUsed += n;
    ints[at + 8] = n;
    if (addrAt >= 0) {
      ints[at + 9] = r.addrLength;
      ints[at + 10] = addrAt;
    }
    const d = this.count * ITEM_DOUBLES;
    const doubles = this.doubles;
    doubles[d] = r.line;
    doubles[d + 1] = r.time;
    doubles[d + 2] = r.period;
    const id = r.stackId ?? -1;
    ints[at + 11] = decodeHotRecord(r, doubles, d + 3, r.addrValue(), id >= 0 && id < MAX_NUMBERED ? this.leafIps[id] : undefined);
    if (++this.count === this.postAt) this.post();
  }

  readonly diagnostic = (d: Diagnostic): void => {
    this.ints[this.count * ITEM_INTS] = OBJECT;
    this.ints[this.count * ITEM_INTS + 6] = NO_STACK;
    this.objects.push({ diagnostic: d });
    if (++this.count === this.postAt) this.post();
  };

  // The UTF-8 of `s` after the batch's text so far: its length in bytes.
  private put(s: string): number {
    const n = s.length;
    if (this.textUsed + 3 * n > this.text.length) this.growText(3 * n);
    // short ASCII is copied here: cheaper than a call into utf8Write
    const text = this.text;
    const from = this.textUsed;
    let at = from;
    if (n <= 128) {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          at = -1;
          break;
        }
        text[at++] = c;
      }
    } else {
      at = -1;
    }
    if (at < 0) {
      at = from + (text as unknown as { utf8Write(s: string, at: number): number }).utf8Write(s, from);
      if (at - from !== n) this.ascii = false;
    }
    this.textUsed = at;
    return at - from;
  }

  // Room for `bytes` more bytes of text: the batch carries its own.
  private growText(bytes: number): void {
    const more = Buffer.allocUnsafeSlow(Math.max(2 * this.text.length, this.textUsed + bytes));
    this.text.copy(more, 0, 0, this.textUsed);
    this.text = more;
    this.textView = viewOf(more);
    this.textOwn = true;
  }

  private name(s: string): number {
    let id = this.nameIds.get(s);
    if (id === undefined) {
      id = this.nameIds.size;
      this.nameIds.set(s, id);
      this.namesById.push(s);
    }
    return id;
  }

  // A callchain's reference: its slot when sent before (the parser hands one array per stack number), else its frames.
  private stack(stack: readonly Frame[], number: number): number {
    let ref = FRESH_STACK;
    if (number >= 0 && number < MAX_NUMBERED) {
      if (this.numberedSent[number] === 1) return number;
      this.numberedSent[number] = 1;
      ref = NEW_STACK - number;
    } else if (number < 0 && stack.length > 1) {
      // a callchain of two or more frames without a number may still be one the parser interned
      const known = this.chainIds.get(stack);
      if (known !== undefined) return MAX_NUMBERED + known;
      if (this.chainIds.size < MAX_CHAINS) {
        ref = NEW_STACK - (MAX_NUMBERED + this.chainIds.size);
        this.chainIds.set(stack, this.chainIds.size);
      }
    } else if (stack === NO_IP_PRINTED) {
      return NO_IP_STACK;
    }
    const n = stack.length;
    if (this.framesUsed + n + 1 > this.frames.length) {
      const more = new Int32Array(Math.max(this.frames.length * 2, this.framesUsed + n + 1));
      more.set(this.frames.subarray(0, this.framesUsed));
      this.frames = more;
      this.framesOwn = true;
    }
    const frames = this.frames;
    frames[this.framesUsed++] = n;
    for (let i = 0; i < n; i++) {
      const f = stack[i]!;
      let id = this.frameIds.get(f);
      if (id === undefined) {
        id = this.frameIds.size;
        this.frameIds.set(f, id);
        this.framesById.push(f);
        this.frameIps.push(frameAddress(f));
      }
      frames[this.framesUsed++] = id;
    }
    // a fault's ip, read once per frame
    if (ref <= NEW_STACK && ref > NEW_STACK - MAX_NUMBERED) this.leafIps[NEW_STACK - ref] = n === 0 ? NaN : this.frameIps[frames[this.framesUsed - n]!]!;
    return ref;
  }

  /** Sends what is pending, then waits while the ring is full. */
  post(): void {
    if (this.count === 0 && this.framesSent === this.framesById.length) return;
    const frames = this.framesOwn ? this.frames : NO_FRAME_IDS;
    const text = this.textOwn ? this.text.subarray(0, this.textUsed) : NO_TEXT;
    const b: Batch = { slot: this.slot, count: this.count, frames, text, ascii: this.ascii, textBytes: this.textUsed, objects: this.objects, newFrames: this.framesById.slice(this.framesSent), newNames: this.namesById.slice(this.namesSent), bytesRead: this.bytesRead };
    Atomics.add(this.flight, 0, 1);
    // (a batch's own frames and text are copied, not transferred: the first buffer this thread detached
    // threw away the optimized code of every function that reads a typed array, ~20 on the bench capture)
    this.send(b);
    this.sent.push(this.slot);
    this.framesOwn = this.textOwn = false;
    this.framesUsed = this.textUsed = this.count = 0;
    this.ascii = true;
    this.objects = [];
    this.framesSent = this.framesById.length;
    this.namesSent = this.namesById.length;
    this.postAt = BATCH_ITEMS;
    // a slot is free once the main thread has decoded its batch; once the ring is full, this
    // thread waits until some of it is free (refillAt; woken once per refill, not per batch)
    let n = Atomics.load(this.flight, 0);
    if (n >= this.ring.slots) {
      for (const low = refillAt(this.ring.slots); n > low; n = Atomics.load(this.flight, 0)) Atomics.wait(this.flight, 0, n);
    }
    // batches are decoded in the order sent: all but the last n sent are free. The slot freed last
    // is taken first, so that while the main thread keeps up the same few slots are written and
    // read (in the caches, no fresh pages), however deep the ring
    while (this.sent.length > n) this.free.push(this.sent.shift()!);
    this.slot = this.free.pop()!;
    ({ ints: this.ints, doubles: this.doubles, frames: this.frames, text: this.text, textView: this.textView } = this.slots[this.slot]!);
  }
}

// A batch's text, read as Buffer's own slices
type TextSlices = { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

/** The main thread's side: batches in, in order, the records as the parser handed them over out. */
export class BatchDecoder {
  private readonly slots: Slot[];
  private readonly flight: Int32Array;
  private readonly frames: Frame[] = [];
  /** Callchains by the parser's number (below MAX_NUMBERED), and those it interned without one. */
  private readonly numbered = new Numbered<readonly Frame[] | undefined>(undefined);
  private readonly chains = new Numbered<readonly Frame[] | undefined>(undefined);
  private readonly names: string[] = [];
  private readonly refillAt: number;
  /**
   * A fault's record (one per shape: without and with a data address), its access and its event,
   * filled in again for each fault: the main thread keeps none of them past the fault (its numbers
   * and strings are copied where kept), and they were most of what it allocated per record.
   */
  private faultRecord: BatchFault | undefined;
  private faultAddrRecord: BatchFault | undefined;
  private readonly access: Writable<FaultAccess> = { address: 0 };
  private readonly accessIp: Writable<FaultAccess> = { address: 0, ip: 0 };
  private faultEvent: Writable<FaultEvent> | undefined;
  // the fault family of the last event name id
  private familyOf = -1;
  private family = -1;
  // Where decoding a batch is (item() decodes one at a time): in its frames, text and objects.
  private fi = 0;
  private ti = 0;
  private oi = 0;

  constructor(
    ring: BatchRing,
    private readonly source: string,
  ) {
    this.slots = slotsOf(ring);
    this.flight = new Int32Array(ring.flight);
    this.refillAt = refillAt(ring.slots);
  }

  /** Batches the worker sent that are not decoded yet. */
  inFlight(): number {
    return Atomics.load(this.flight, 0);
  }

  /**
   * Hands `b`'s records (normalized) and bad lines on, then frees its slot. A fault's event, its
   * record and access are filled in again for the next fault: `onEvent` copies what it keeps.
   */
  decode(b: Batch, onEvent: (e: TraceEvent) => void, sink: (d: Diagnostic) => void): void {
    try {
      const { newFrames, newNames } = b;
      for (let k = 0; k < newFrames.length; k++) this.frames.push(newFrames[k]!);
      for (let k = 0; k < newNames.length; k++) this.names.push(newNames[k]!);
      this.fi = this.ti = this.oi = 0;
      const { text: slotText, frames: slotFrames } = this.slots[b.slot]!;
      const t = b.text.length > 0 ? b.text : slotText;
      const text = Buffer.from(t.buffer, t.byteOffset, t.byteLength) as unknown as TextSlices;
      const frameIds = b.frames.length > 0 ? b.frames : slotFrames;
      // (indexed loops, and the slot's text and frames read whether or not the batch has its own: a path
      // first taken after the code was optimized threw it away)
      const { ints, doubles } = this.slots[b.slot]!;
      // A call an item: when the decoder looped over a batch (4096, then 64 at a time), the loop ran
      // on after V8 marked it hot or had its code in, and it was compiled twice, on stack (OSR) and
      // again (~60 ms of compile each on the bench capture). This loop is small to compile twice.
      for (let i = 0; i < b.count; i++) this.item(b, i, text, frameIds, ints, doubles, onEvent, sink);
    } finally {
      // (the worker waits only for this: a wake-up costs this thread a system call and a switch)
      if (Atomics.sub(this.flight, 0, 1) - 1 === this.refillAt) Atomics.notify(this.flight, 0);
    }
  }

  // Item i of `b`: one call an item, and no loop here (see decode), its cursors in fields.
  private item(b: Batch, i: number, text: TextSlices, frameIds: Int32Array, ints: Int32Array, doubles: Float64Array, onEvent: (e: TraceEvent) => void, sink: (d: Diagnostic) => void): void {
    const at = i * ITEM_INTS;
    const tag = ints[at]!;
    const ref = ints[at + 6]!;
    let stack: readonly Frame[] | undefined;
    if (ref >= 0) stack = ref < MAX_NUMBERED ? this.numbered.get(ref) : this.chains.get(ref - MAX_NUMBERED);
    else if (ref === NO_IP_STACK) stack = NO_IP_PRINTED;
    else if (ref !== NO_STACK) stack = this.stackOf(frameIds, ref);
    if (tag === OBJECT) {
      const o = b.objects[this.oi++]!;
      if ('diagnostic' in o) {
        sink(o.diagnostic);
        return;
      }
      const r = o.record as Writable<TraceRecord> & { stack?: readonly Frame[] };
      if (r.kind === 'sample') r.stack = stack!;
      onEvent(normalizeRecord(r as TraceRecord));
      return;
    }
    const { names, source } = this;
    const ascii = b.ascii;
    const comm = names[ints[at + 4]!]!;
    const event = names[ints[at + 5]!]!;
    const hot = ints[at + 11]!;
    const payloadAt = this.ti;
    const n = ints[at + 8]!;
    let ti = payloadAt + n;
    let addrFound = -1;
    let addrAt = 0;
    let addrBytes = 0;
    if (tag === SAMPLE_ADDR) {
      addrBytes = ints[at + 9]!;
      addrFound = ints[at + 10]!;
      if (addrFound < 0) {
        addrAt = ti;
        ti += addrBytes;
      }
    }
    this.ti = ti;
    const d = i * ITEM_DOUBLES;
    const stackId = ints[at + 7]! >= 0 ? ints[at + 7]! : undefined;
    if (hot === HOT_FAULT) {
      const r = tag === SAMPLE ? (this.faultRecord ??= new BatchFault(source, false)) : (this.faultAddrRecord ??= new BatchFault(source, true));
      r.line = doubles[d]!;
      r.comm = comm;
      r.pid = ints[at + 1]!;
      r.tid = ints[at + 2]!;
      r.cpu = ints[at + 3]!;
      r.time = doubles[d + 1]!;
      r.period = doubles[d + 2]!;
      r.event = event;
      r.stack = stack!;
      r.stackId = stackId;
      r.place(text, ascii, payloadAt, n, addrFound, addrAt, addrBytes);
      onEvent(this.fault(r, ints[at + 5]!, doubles[d + 3]!, doubles[d + 4]!));
      return;
    }
    // (ASCII read as Latin-1 is the same text, read faster)
    const payload = ascii ? text.latin1Slice(payloadAt, payloadAt + n) : text.utf8Slice(payloadAt, payloadAt + n);
    let addr: string | undefined;
    if (tag === SAMPLE_ADDR) addr = addrFound >= 0 ? payload.slice(addrFound, addrFound + addrBytes) : ascii ? text.latin1Slice(addrAt, addrAt + addrBytes) : text.utf8Slice(addrAt, addrAt + addrBytes);
    // the parser's two shapes, keys in its order
    const r: SampleRecord =
      tag === SAMPLE
        ? { kind: 'sample', source, line: doubles[d]!, comm, pid: ints[at + 1]!, tid: ints[at + 2]!, cpu: ints[at + 3]!, time: doubles[d + 1]!, period: doubles[d + 2]!, event, payload, stack: stack!, stackId }
        : { kind: 'sample', source, line: doubles[d]!, comm, pid: ints[at + 1]!, tid: ints[at + 2]!, cpu: ints[at + 3]!, time: doubles[d + 1]!, period: doubles[d + 2]!, event, payload, addr, stack: stack!, stackId };
    onEvent(hot === HOT_NONE ? normalizeRecord(r) : hotEvent(r, hot, doubles, d + 3));
  }

  // A stack the worker sent as frame ids, from frameIds[fi]: its length, then its frames.
  private stackOf(frameIds: Int32Array, ref: number): readonly Frame[] {
    const { frames } = this;
    let fi = this.fi;
    const n = frameIds[fi++]!;
    const s = new Array<Frame>(n);
    for (let k = 0; k < n; k++) s[k] = frames[frameIds[fi++]!]!;
    this.fi = fi;
    if (ref <= NEW_STACK) {
      const kept = NEW_STACK - ref;
      if (kept < MAX_NUMBERED) this.numbered.set(kept, s);
      else this.chains.set(kept - MAX_NUMBERED, s);
    } else if (ref !== FRESH_STACK) {
      throw new Error(`report worker: stack reference ${ref}`);
    }
    return s;
  }

  // The fault event of `r`, whose event name is names[eventId], from the address and ip the worker read (as hotEvent makes it).
  private fault(r: SampleRecord, eventId: number, address: number, ip: number): FaultEvent {
    if (eventId !== this.familyOf) {
      this.familyOf = eventId;
      this.family = faultFamily(r.event);
    }
    let access: Writable<FaultAccess>;
    if (Number.isNaN(ip)) access = this.access;
    else {
      access = this.accessIp;
      access.ip = ip;
    }
    access.address = address;
    const e = this.faultEvent;
    if (e === undefined) return (this.faultEvent = { kind: 'fault', record: r, family: this.family, access });
    e.record = r;
    e.family = this.family;
    e.access = access;
    return e;
  }
}

/**
 * A software fault's record as the decoder hands it over, filled in again for each fault: its
 * payload and data address are read from the batch's text when asked (while onEvent runs), by
 * accessors that are its own, enumerable, in the parser's key order, so that a copy ({ ...r })
 * has them as a plain record does. Nothing on this thread reads them (decodeHotRecord read the
 * numbers); cut per fault, they were a fifth of decoding and ~45 MB of strings per 270 MB of trace.
 */
class BatchFault implements SampleRecord {
  declare readonly kind: 'sample';
  declare readonly source: string;
  declare line: number;
  declare comm: string;
  declare pid: number;
  declare tid: number;
  declare cpu: number;
  declare time: number;
  declare period: number;
  declare event: string;
  declare readonly payload: string;
  declare readonly addr?: string;
  declare stack: readonly Frame[];
  declare stackId: number | undefined;
  // the batch's text: the payload is bytes [payloadAt, payloadAt + payloadBytes) of it; the data
  // address is at addrFound in the payload (>= 0), else at byte addrAt of the text, addrBytes long
  #text: TextSlices | undefined = undefined;
  #ascii = true;
  #payloadAt = 0;
  #payloadBytes = 0;
  #addrFound = -1;
  #addrAt = 0;
  #addrBytes = 0;

  // (one getter each for every record: a getter per object made each its own map, in dictionary mode)
  static readonly #payload: PropertyDescriptor = {
    get(this: BatchFault): string {
      return this.#slice(this.#payloadAt, this.#payloadBytes);
    },
    enumerable: true,
    configurable: true,
  };

  static readonly #addr: PropertyDescriptor = {
    get(this: BatchFault): string {
      const found = this.#addrFound;
      return found >= 0 ? this.payload.slice(found, found + this.#addrBytes) : this.#slice(this.#addrAt, this.#addrBytes);
    },
    enumerable: true,
    configurable: true,
  };

  /** `withAddr`: the shape with a data address. */
  constructor(source: string, withAddr: boolean) {
    const self = this as Writable<BatchFault>;
    self.kind = 'sample';
    self.source = source;
    self.line = 0;
    self.comm = '';
    self.pid = 0;
    self.tid = 0;
    self.cpu = 0;
    self.time = 0;
    self.period = 0;
    self.event = '';
    Object.defineProperty(this, 'payload', BatchFault.#payload);
    if (withAddr) Object.defineProperty(this, 'addr', BatchFault.#addr);
    self.stack = [];
    self.stackId = undefined;
  }

  /** Where this fault's payload and address are in `text` (see the fields). */
  place(text: TextSlices, ascii: boolean, payloadAt: number, payloadBytes: number, addrFound: number, addrAt: number, addrBytes: number): void {
    this.#text = text;
    this.#ascii = ascii;
    this.#payloadAt = payloadAt;
    this.#payloadBytes = payloadBytes;
    this.#addrFound = addrFound;
    this.#addrAt = addrAt;
    this.#addrBytes = addrBytes;
  }

  // (ASCII read as Latin-1 is the same text, read faster)
  #slice(from: number, n: number): string {
    return this.#ascii ? this.#text!.latin1Slice(from, from + n) : this.#text!.utf8Slice(from, from + n);
  }
}
