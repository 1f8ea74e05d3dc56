// perf trace's event lines → their parts: the head (time, comm, tid) and
// what follows it — a finished, interrupted or continued syscall, a page
// fault or a tracepoint event. Which record they make is perf-trace.ts's job.
// Source of truth: tools/perf/builtin-trace.c (perf 6.1).
import { matchFault, type FaultMatch } from './perf-trace-frames.js';

/** An event line's head, and the rest of the line. */
export interface Head {
  /** Seconds; NaN for `?`. */
  readonly time: number;
  /** '' when not printed (one thread traced). */
  readonly comm: string;
  /** -1 when not printed. */
  readonly tid: number;
  readonly rest: string;
}

// The head of every event line (trace__fprintf_entry_head): `%10.3f ` relative
// ms (absolute with -T; `         ? ` when the start time is unknown), then with
// syscalls traced `( %6.3f ms): ` — or nine blanks when no duration was
// computed — then, when several threads may be traced, `%.14s/` comm and
// `%d ` tid:
//      0.725 ( 0.016 ms): guard/14264 mmap(len: 8192, prot: READ|WRITE, flags: PRIVATE|ANONYMOUS)           = 0x7f6fd5e5c000
//          ? (         ): guard/14264  ... [continued]: execve())                                           = 0
//      0.000 guard/14281 exceptions:page_fault_user(address: 0x7fc2fa336b70, ip: 140475398056816, error_code: 20)
// 8304438.728 ( 0.093 ms): prot/14315 mprotect(start: 0x7f5f09c14000, len: 16384, prot: READ)               = 0
const HEAD = /^ *(\d+\.\d+|\?) (?:\((?: *\d+\.\d+ ms| *)\): )?(.*)$/s;
const COMM_TID = /^(.{0,14}?)\/(\d+) (.*)$/s;
const TID_ONLY = /^(\d+) (.*)$/s;

// A syscall that finished (trace__sys_exit): `name(args)`, padding, `= ret`.
// The return is a number, `0x…` (hexret), `-1 ERRNO (message)`, a pid with its
// comm, `?` for exit calls, or nothing when the errpid thread is unknown:
//      3.737 ( 0.008 ms): prot/14296 mprotect(start: 0x7f19c75fb001, len: 4096, prot: READ)                = -1 EINVAL (Invalid argument)
//      3.511 ( 0.049 ms): prot/14296 mprotect(start: 0x7f19c75fc000, len: 4096)                            = 0
//     11.521 ( 1.992 ms): prot/14296  ... [continued]: wait4())                                            = 14298 (prot)
//     12.913 (         ): prot/14298 exit_group()                                                          = ?
//          ? (         ): prot/14298  ... [continued]: clone())                                            =
const CALL = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)$/s;
const FINISHED_TAIL = /^(.*)\) +=(?: (.*))?$/s;
// A syscall interrupted by another event before it returned
// (trace__printf_interrupted_entry): the arguments, padding, ` ...`:
//      8.721 (         ): prot/14296 clock_nanosleep(rqtp: 0x7ffe6e754ed0)                              ...
//      1.899 (         ): guard/14287 rt_sigreturn()                                                     ...
const INTERRUPTED_TAIL = /^(.*)\) +\.\.\.$/s;
// …and its end, on the same tid (trace__sys_exit with no entry pending). When
// the sys_enter was lost the continuation stands alone; its time is then the
// previous syscall's (perf keeps a stale entry_time):
//      8.721 ( 0.440 ms): prot/14296  ... [continued]: clock_nanosleep())                                  = 0
//    130.962 ( 0.622 ms): lost/14319  ... [continued]: mprotect())                                         = 0
const CONTINUED = /^ *\.\.\. \[continued\]: ([A-Za-z_][A-Za-z0-9_]*)\(\)\) +=(?: (.*))?$/s;

// Other events (trace__event_handler): `system:name(` fields `)`. Fields print
// as `name: value, …` (perf's beautifiers), or as libtraceevent's
// `name=value …` with --libtraceevent_print:
//      0.000 guard/14281 exceptions:page_fault_user(address: 0x7fc2fa336b70, ip: 140475398056816, error_code: 20)
//      0.000 guard/14285 exceptions:page_fault_user(address=0x7f8975b4eb70 ip=0x7f8975b4eb70 error_code=0x14)
//      1.612 guard/14285 syscalls:sys_enter_mprotect(start: 0x7f8975b0d000, len: 16384, prot: READ)
const TRACEPOINT = /^([A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+)\((.*)\)$/s;

// trace__process_event, PERF_RECORD_LOST (no head):
// LOST 13055 events!
const LOST = /^LOST (\d+) events!$/;

/** Splits an event line's head off; undefined for a line with none (frames, LOST, summaries). */
export function splitHead(line: string): Head | undefined {
  const head = HEAD.exec(line);
  if (head === null) return undefined;
  const time = head[1]!;
  const rest = head[2]!;
  const seconds = time === '?' ? NaN : msToSeconds(time);
  const ct = COMM_TID.exec(rest);
  if (ct !== null) return { time: seconds, comm: ct[1]!, tid: Number(ct[2]), rest: ct[3]! };
  const tOnly = TID_ONLY.exec(rest);
  if (tOnly !== null) return { time: seconds, comm: '', tid: Number(tOnly[1]), rest: tOnly[2]! };
  return { time: seconds, comm: '', tid: -1, rest };
}

/** What an event line says after its head; undefined when it fits no shape. */
export type EventShape =
  | { readonly kind: 'continued'; readonly name: string; readonly ret: string | undefined }
  | { readonly kind: 'fault'; readonly fault: FaultMatch }
  | { readonly kind: 'tracepoint'; readonly event: string; readonly fields: string }
  | { readonly kind: 'finished'; readonly name: string; readonly args: string; readonly ret: string }
  | { readonly kind: 'interrupted'; readonly name: string; readonly args: string };

export function matchEvent(rest: string): EventShape | undefined {
  const cont = CONTINUED.exec(rest);
  if (cont !== null) return { kind: 'continued', name: cont[1]!, ret: cont[2] };
  const fault = matchFault(rest);
  if (fault !== undefined) return { kind: 'fault', fault };
  const tp = TRACEPOINT.exec(rest);
  if (tp !== null) return { kind: 'tracepoint', event: tp[1]!, fields: tp[2]! };
  const call = CALL.exec(rest);
  if (call === null) return undefined;
  const name = call[1]!;
  const tail = call[2]!;
  const finished = FINISHED_TAIL.exec(tail);
  if (finished !== null) return { kind: 'finished', name, args: finished[1]!, ret: finished[2] ?? '' };
  const interrupted = INTERRUPTED_TAIL.exec(tail);
  if (interrupted !== null) return { kind: 'interrupted', name, args: interrupted[1]! };
  return undefined;
}

/** `LOST N events!`: N, else undefined. */
export function matchLost(line: string): number | undefined {
  const lost = LOST.exec(line);
  return lost === null ? undefined : Number(lost[1]);
}

// `12.345` ms → 0.012345 s by moving the decimal point in the text, so the
// double is the one nearest the printed value (12.345 / 1000 is not).
function msToSeconds(ms: string): number {
  const dot = ms.indexOf('.');
  const whole = (dot < 0 ? ms : ms.slice(0, dot)).padStart(4, '0');
  const frac = dot < 0 ? '' : ms.slice(dot + 1);
  return Number(`${whole.slice(0, -3)}.${whole.slice(-3)}${frac}`);
}
