// perf script's record header lines: comm, pid/tid, cpu, time, period and
// event. Source of truth: tools/perf/builtin-script.c (perf 6.1).

// Header lines (perf_sample__fprintf_start, then process_event): comm — `%s `
// with a callchain, right-aligned `%16s ` without one (-G, or no -g) — then
// `%5d ` tid or `%7d/%-7d ` pid/tid, `[%03d] ` cpu, `%5lu.%06lu: ` time, then
// `%10lu ` period (events that sample a period; tracepoints do not), the
// event name right-aligned to the longest name, `: `, and whatever fields come
// after the name: the tracepoint payload, the data address (-d with -F addr)
// and the ip frame (no callchain):
// guard  2014  7537.692370:          1                 page-faults: 
// guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
// guard  2014 [000]  7537.694305: syscalls:sys_enter_mprotect: start: 0x7f740db86000, len: 0x00004000, prot: 0x00000001
// worker one 12258  8199.041742:          1 page-faults: 
//           shapes 12280  8199.322086:               tlb:tlb_flush: pages:1 reason:local MM shootdown (3)
//           shapes 10277  8025.566738:          1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
//           shapes 10377/10377 [001]  8029.902417: page-faults:     7f305a5d9000 [unknown] (//anon)     7f305a5e1000 [unknown] (/memfd:shapes jit (deleted))
// shapes 12322  8200.213180:     250000 cpu-clock:u: 
// Older perf and trimmed -F lists leave out fields (FlameGraph's test/*.txt):
// V8 WorkerThread 24636/25607 [000] 94564.109216: cycles:
// iperf 27409/28744 [000] 441995.133575: cpu-clock: 
// java 19983 cycles:
// The timestamp anchors the parse: comm is everything before the pid/tid that
// precedes it (so comms with spaces and digits survive), the event is the first
// `name:` token after it.
export const TIME = /\s(\d+\.\d+):(?=\s|$)/;
export const AFTER_TIME = /^\s*(?:(\d+)\s+)?(\S+?):(?=\s|$)/;
// Without a timestamp: `comm tid [cpu] [period] event:`.
export const NO_TIME = /^\s*(?:(.*?)\s+)?(-?\d+)(?:\/(-?\d+))?\s+(?:\[(\d+)\]\s+)?(?:(\d+)\s+)?([^\s\d:]\S*?):(?=\s|$)/;
// A lone number there is the period when -F has no tid: the tid prints as
// `%5d ` (`%7d ` from perf 6.5), the period as `%10lu `, after comm's `%s `
// or `%16s ` (samples/odd/, `perf script -F comm,event,ip,dso,period`):
// guard          4 page-faults: 
// guard  2014  7537.692370:          1                 page-faults: 
const PERIOD_WIDTH = 10;
const TASK_ID = /^(-?\d+)(?:\/(-?\d+))?$/;

// Whether the number before the event (NO_TIME's lone `tid`) fills the
// period's 10 columns: its digits and the blanks before them, less comm's
// one separating blank.
export function isPeriodField(whole: string, comm: string, digits: string): boolean {
  const at = whole.indexOf(digits, whole.indexOf(comm) + comm.length);
  let from = at;
  while (from > 0 && (whole.charCodeAt(from - 1) === 32 || whole.charCodeAt(from - 1) === 9)) from--;
  const width = at - from - (comm === '' ? 0 : 1) + digits.length;
  return width >= PERIOD_WIDTH;
}

// `-F +tod` (recorded with -k) puts the wall-clock time between the cpu and the timestamp:
// guard 29856 2026-11-25 11:02:26.673708 14647.760700:          1 page-faults:
const TOD = /\s\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?$/;

/** The text before a header's timestamp → comm, pid (-1 when not printed), tid and cpu (-1 when not printed). */
export function splitCommTask(before: string): { comm: string; pid: number; tid: number; cpu: number } {
  let s = before.trimEnd();
  if (s.includes(':')) s = s.replace(TOD, '');
  let cpu = -1;
  if (s.endsWith(']')) {
    const open = s.lastIndexOf('[');
    const inside = s.slice(open + 1, -1);
    if (open >= 0 && /^\d+$/.test(inside)) {
      cpu = Number(inside);
      s = s.slice(0, open).trimEnd();
    }
  }
  const sp = Math.max(s.lastIndexOf(' '), s.lastIndexOf('\t'));
  const id = TASK_ID.exec(s.slice(sp + 1));
  if (id === null) return { comm: s.trim(), pid: -1, tid: -1, cpu };
  const comm = sp >= 0 ? s.slice(0, sp).trim() : '';
  return id[2] === undefined ? { comm, pid: -1, tid: Number(id[1]), cpu } : { comm, pid: Number(id[1]), tid: Number(id[2]), cpu };
}

// ------------------------------------------------------------ by hand

/** JavaScript's `\s` (what TIME and AFTER_TIME mean by a blank). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * TIME and AFTER_TIME matched by hand (a header line per record makes their
 * regexes and slices a fifth of the parse). Fills `into` and returns true when
 * both match: the text before the timestamp, the time, the period (when
 * printed), the event and where the rest begins. The time's match is the
 * first `:` followed by a blank or the end, with `<blank><digits>.<digits>`
 * before it: a match cannot hold a colon, so the first such colon is TIME's
 * leftmost match.
 */
export interface HeaderParts {
  /** Index of TIME's match (the blank before the digits); -1 when the line has no timestamp. */
  timeAt: number;
  /** Index just past the time's colon. */
  afterTime: number;
  time: number;
  /** Set when AFTER_TIME matched: the period's text (undefined when not printed), the event, where the rest begins. */
  event: string | undefined;
  period: string | undefined;
  restAt: number;
}

export function scanHeader(text: string, into: HeaderParts): void {
  into.timeAt = -1;
  into.event = undefined;
  const n = text.length;
  for (let c = text.indexOf(':'); c >= 0; c = text.indexOf(':', c + 1)) {
    if (c + 1 < n && !isSpace(text.charCodeAt(c + 1))) continue;
    let i = c - 1;
    while (i >= 0 && isDigit(text.charCodeAt(i))) i--;
    if (i === c - 1 || i < 0 || text.charCodeAt(i) !== 46) continue;
    const dot = i--;
    while (i >= 0 && isDigit(text.charCodeAt(i))) i--;
    if (i === dot - 1 || i < 0 || !isSpace(text.charCodeAt(i))) continue;
    into.timeAt = i;
    into.afterTime = c + 1;
    into.time = Number(text.slice(i + 1, c));
    afterTime(text, c + 1, into);
    return;
  }
}

// AFTER_TIME from `from`: blanks, optionally `<digits><blanks>` (the period), then the event up to the first `:` before a blank or the end, with no blank in it.
function afterTime(text: string, from: number, into: HeaderParts): void {
  const n = text.length;
  let i = from;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let j = i;
  while (j < n && isDigit(text.charCodeAt(j))) j++;
  let period: string | undefined;
  if (j > i && j < n && isSpace(text.charCodeAt(j))) {
    period = text.slice(i, j);
    i = j;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  }
  if (i >= n) return;
  for (let q = i + 1; q < n; q++) {
    const k = text.charCodeAt(q);
    if (k === 58 && (q + 1 === n || isSpace(text.charCodeAt(q + 1)))) {
      into.event = text.slice(i, q);
      into.period = period;
      into.restAt = q + 1;
      return;
    }
    if (isSpace(k)) return;
  }
}
