// perf trace's argument text → tracepoint-style fields: `name: value` pairs
// with the beautifiers' flag names turned back into numbers, tracepoint
// `name=value` payloads, and the text after `= ` (return value, errno).
// Source of truth: tools/perf/builtin-trace.c and tools/perf/trace/beauty/.

// Errors print `-1`, the errno name and strerror (trace__sys_exit, errno_print):
//   = -1 EACCES (Permission denied)
const ERRNO_RET = /^-1 (\S+) \(.*\)$/s;
const NUMBER_RET = /^(-?\d+|0x[0-9a-fA-F]+)(?: |$)/;

// Flag names as perf's beautifiers print them (tools/perf/trace/beauty/mmap.c,
// mmap_flags.sh over the uapi headers; x86 values). An optional PROT_/MAP_
// prefix (--string-prefix) is accepted.
const PROT_FLAGS: Readonly<Record<string, number>> = {
  NONE: 0,
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
  SEM: 0x8,
  GROWSDOWN: 0x01000000,
  GROWSUP: 0x02000000,
};
const MAP_FLAGS: Readonly<Record<string, number>> = {
  SHARED: 0x01,
  PRIVATE: 0x02,
  SHARED_VALIDATE: 0x03,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  '32BIT': 0x40,
  GROWSDOWN: 0x0100,
  DENYWRITE: 0x0800,
  EXECUTABLE: 0x1000,
  LOCKED: 0x2000,
  NORESERVE: 0x4000,
  POPULATE: 0x8000,
  NONBLOCK: 0x10000,
  STACK: 0x20000,
  HUGETLB: 0x40000,
  SYNC: 0x80000,
  FIXED_NOREPLACE: 0x100000,
  UNINITIALIZED: 0x4000000,
};
const HUGE_SIZE = /^HUGE_(\d+)(KB|MB|GB)$/;
const HUGE_SHIFT = 26;

// Arguments equal to 0 are not printed (syscall__scnprintf_args skips a zero
// unless its formatter asks to show it); for these calls the missing ones are
// known to be 0 — mprotect(start, len) with no prot is PROT_NONE:
//      3.511 ( 0.049 ms): prot/14296 mprotect(start: 0x7f19c75fc000, len: 4096)                            = 0
// mmap's fd is not listed: perf masks it for MAP_ANONYMOUS rather than for being 0.
const ZERO_WHEN_OMITTED: Readonly<Record<string, readonly string[]>> = {
  mprotect: ['start', 'len', 'prot'],
  pkey_mprotect: ['start', 'len', 'prot', 'pkey'],
  mmap: ['addr', 'len', 'prot', 'off'],
  munmap: ['addr', 'len'],
};
const HEX_ZERO_ARGS = new Set(['start', 'addr', 'prot', 'off']);

const ARG_SPLIT = /, (?=[A-Za-z_][A-Za-z0-9_]*: )/;
const ARG = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/s;
const TEP_SPLIT = / (?=[A-Za-z_][A-Za-z0-9_]*=)/;
const TEP_ARG = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const DECIMAL = /^-?\d+$/;
export const HEX = /^0x[0-9a-fA-F]+$/;
const FD_PATH = /^(-?\d+)<(.*)>$/s;
const PID_COMM = /^(-?\d+) \((.*)\)$/s;

function decodeFlags(text: string, table: Readonly<Record<string, number>>, prefix: string): string | undefined {
  let value = 0;
  for (const raw of text.split('|')) {
    const token = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
    const known = table[token];
    if (known !== undefined) {
      value = (value | known) >>> 0;
      continue;
    }
    if (HEX.test(token) || DECIMAL.test(token)) {
      value = (value | Number(token)) >>> 0;
      continue;
    }
    const huge = table === MAP_FLAGS ? HUGE_SIZE.exec(token) : null;
    if (huge !== null) {
      const bytes = Number(huge[1]) * (huge[2] === 'KB' ? 1 << 10 : huge[2] === 'MB' ? 1 << 20 : 1 << 30);
      const log2 = Math.log2(bytes);
      if (!Number.isInteger(log2)) return undefined;
      value = (value | (log2 << HUGE_SHIFT)) >>> 0;
      continue;
    }
    return undefined;
  }
  return `0x${value.toString(16)}`;
}

// One argument's value as text Number() reads when it is numeric: hex stays hex
// (lower case), decimal stays decimal, prot/flag names become their value, an
// fd with its path (`3</etc/ld.so.cache>`) keeps the number and puts the path
// in `<name>_path`, a pid with its comm (`upid: 5602 (prot)`) the comm in
// `<name>_comm`. Anything else (symbolic values perf decoded: `dfd: CWD`,
// `flags: RDONLY|CLOEXEC`, strings) is kept as printed.
function putArg(fields: Record<string, string>, syscall: string, name: string, value: string): void {
  if (DECIMAL.test(value)) {
    fields[name] = value;
    return;
  }
  if (HEX.test(value)) {
    fields[name] = value.toLowerCase();
    return;
  }
  if (name === 'prot' && (syscall === 'mprotect' || syscall === 'pkey_mprotect' || syscall === 'mmap')) {
    fields[name] = decodeFlags(value, PROT_FLAGS, 'PROT_') ?? value;
    return;
  }
  if (name === 'flags' && syscall === 'mmap') {
    fields[name] = decodeFlags(value, MAP_FLAGS, 'MAP_') ?? value;
    return;
  }
  const fd = FD_PATH.exec(value);
  if (fd !== null) {
    fields[name] = fd[1]!;
    fields[`${name}_path`] = fd[2]!;
    return;
  }
  const pid = PID_COMM.exec(value);
  if (pid !== null) {
    fields[name] = pid[1]!;
    fields[`${name}_comm`] = pid[2]!;
    return;
  }
  fields[name] = value;
}

export function syscallFields(syscall: string, argsText: string): Record<string, string> {
  const fields: Record<string, string> = {};
  if (argsText !== '') {
    const parts = argsText.split(ARG_SPLIT);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const m = ARG.exec(part);
      if (m !== null) putArg(fields, syscall, m[1]!, m[2]!);
      else fields[`arg${i}`] = part;
    }
  }
  const zeros = ZERO_WHEN_OMITTED[syscall];
  if (zeros !== undefined) {
    for (const name of zeros) if (fields[name] === undefined) fields[name] = HEX_ZERO_ARGS.has(name) ? '0x0' : '0';
  }
  return fields;
}

export function tracepointFields(event: string, text: string): Record<string, string> {
  if (event.startsWith('syscalls:sys_enter_')) return syscallFields(event.slice('syscalls:sys_enter_'.length), text);
  const fields: Record<string, string> = {};
  if (text === '') return fields;
  const tep = TEP_ARG.test(text);
  const parts = text.split(tep ? TEP_SPLIT : ARG_SPLIT);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const m = (tep ? TEP_ARG : ARG).exec(part);
    if (m !== null) fields[m[1]!] = m[2]!;
    else fields[`arg${i}`] = part;
  }
  return fields;
}

// The text after `= `: the return value, and the errno name on failure.
export function parseReturn(text: string | undefined, fields: Record<string, string>): number | undefined {
  if (text === undefined) return undefined;
  const errno = ERRNO_RET.exec(text);
  if (errno !== null) {
    fields.errno = errno[1]!;
    return -1;
  }
  const n = NUMBER_RET.exec(text);
  return n === null ? undefined : Number(n[1]);
}
