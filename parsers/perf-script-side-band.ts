// perf script's side-band lines → mmap, task and lost records.
import type { LostRecord, MmapRecord, Origin, TaskRecord } from './records.js';

// Side-band records (--show-mmap-events, --show-task-events, --show-lost-events):
// the same comm/tid/cpu/time prefix, then perf_event__fprintf_*:
// swapper     0 [000]     0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1276f48) @ 0xffffffff81000000]: x [kernel.kallsyms]_text
// guard  2014 [000]  7537.692346: PERF_RECORD_MMAP2 2014/2014: [0x559a7b8aa000(0x5000) @ 0 fe:00 5310308 3793793217]: r--p /work/main/samples/guard/guard
// shapes 12779  8218.716642: PERF_RECORD_MMAP2 12779/12779: [0x557dbd690000(0x1000) @ 0x1000 <edbf0e8272ee4d7a0ed5ba00d95546a02dbcf8a6>]: r-xp /tmp/h1/shapes
const MMAP =
  /^PERF_RECORD_MMAP2? (-?\d+)\/(-?\d+): \[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+|0)(?: <([0-9a-f]+)>| [0-9a-f]+:[0-9a-f]+ \d+ \d+)?\]: (\S+) (.*)$/;
// perf-exec     0     0.000000: PERF_RECORD_COMM: perf-exec:12256/12256
// shapes 12256  8199.040044: PERF_RECORD_COMM exec: shapes:12256/12256
// worker one 12258  8199.041735: PERF_RECORD_COMM: worker one:12256/12258
const COMM = /^PERF_RECORD_COMM( exec)?: (.*):(-?\d+)\/(-?\d+)$/;
// shapes 12256  8199.041703: PERF_RECORD_FORK(12256:12258):(12256:12256)
// worker one 12258  8199.042005: PERF_RECORD_EXIT(12256:12258):(12255:12255)
const FORK_EXIT = /^PERF_RECORD_(FORK|EXIT)\((-?\d+):(-?\d+)\):\((-?\d+):(-?\d+)\)$/;
// perf 12463  8207.270357: PERF_RECORD_LOST lost 15
// and, as perf trace and perf report's stdio print it: `LOST 15 events!`
const LOST = /^PERF_RECORD_LOST(?:_SAMPLES)? lost (\d+)/;
const LOST_BANG = /^\s*LOST (\d+) events!\s*$/;
// Others (--show-switch-events, --show-namespace-events, …) are reported, not read:
// shapes  9762  9401.989692: PERF_RECORD_SWITCH OUT preempt
const READ_SIDE_BAND = /^PERF_RECORD_(MMAP2?|COMM|FORK|EXIT|LOST(_SAMPLES)?)$/;

/** `LOST N events!`, which has no PERF_RECORD_ name. */
export function isLostLine(text: string): boolean {
  return LOST_BANG.test(text);
}

/** A side-band line's body (from `PERF_RECORD_`) → its record, or why it is not one. `comm`, `time`: the line's prefix. */
export function parseSideBand(body: string, origin: Origin, comm: string, time: number): MmapRecord | TaskRecord | LostRecord | string {
  let m: RegExpExecArray | null;
  if ((m = MMAP.exec(body)) !== null) {
    const [, pid = '', tid = '', start = '', len = '', pgoff = '', buildId, prot = '', filename = ''] = m;
    const r: MmapRecord = {
      kind: 'mmap',
      ...origin,
      comm,
      pid: Number(pid),
      tid: Number(tid),
      time,
      start: Number(start),
      len: Number(len),
      pgoff: Number(pgoff),
      prot,
      filename,
      ...(buildId === undefined ? {} : { buildId }),
    };
    return r;
  } else if ((m = COMM.exec(body)) !== null) {
    const r: TaskRecord = { kind: 'comm', ...origin, comm: m[2] ?? '', pid: Number(m[3]), tid: Number(m[4]), time, ...(m[1] !== undefined ? { exec: true } : {}) };
    return r;
  } else if ((m = FORK_EXIT.exec(body)) !== null) {
    const r: TaskRecord = {
      kind: m[1] === 'FORK' ? 'fork' : 'exit',
      ...origin,
      comm,
      pid: Number(m[2]),
      tid: Number(m[3]),
      time,
      ppid: Number(m[4]),
      ptid: Number(m[5]),
    };
    return r;
  } else if ((m = LOST.exec(body) ?? LOST_BANG.exec(body)) !== null) {
    const r: LostRecord = { kind: 'lost', ...origin, count: Number(m[1]) };
    return r;
  }
  const name = /^PERF_RECORD_[A-Z0-9_]+/.exec(body)?.[0] ?? 'PERF_RECORD_?';
  return READ_SIDE_BAND.test(name)
    ? `${name} line does not match perf's format`
    : `${name}: a side-band record faultpath does not read (it reads MMAP, MMAP2, COMM, FORK, EXIT and LOST)`;
}

