// stackcollapse-perf.pl's naming rules for one frame line, and the header's ip
// frame of a record printed without callchain lines (src/collapse.ts).
import { atAddrColumn, FLAGS_FIELD, frameStarts } from '../parsers/perf-script-frames.js';

// Perl's \s and \S on bytes (JS's \s also takes U+00A0, which is a byte of latin1 text here).
const STACK_LINE = /^[ \t\n\v\f\r]*(\w+)[ \t\n\v\f\r]*(.+) \(([^ \t\n\v\f\r]*)\)/s;
const SYMBOL_OFFSET = /\+0x[\da-f]+$/;
const GO_METHOD = /\.\(.*\)\./s;
const AFTER_PAREN = /\((?!anonymous namespace\)).*/s;
const QUOTES = /["']/g;
const KERNEL_DSO = /(^\[|vmlinux$)/;
const JIT_DSO = /\/tmp\/perf-\d+\.map/;

/** One frame line's collapsed name by stackcollapse-perf.pl's rules: `a;b_[i]` for an `a->b` inline chain, null when it skips the frame, false when the line is no frame. */
export function collapseFrame(line: string, java: boolean, kernel: boolean, jit: boolean, addrs: boolean): string | null | false {
  // the regex backtracks: only lines that can match go to it
  const open = line.lastIndexOf(' (');
  if (open < 0 || line.indexOf(')', open) < 0) return false;
  const m = STACK_LINE.exec(line);
  if (m === null) return false; // "Unrecognized line"
  const pc = m[1] ?? '';
  const mod = m[3] ?? '';
  const rawfunc = (m[2] ?? '').replace(SYMBOL_OFFSET, '');
  if (rawfunc.startsWith('(')) return null; // "skip process names"
  const parts = perlSplit(rawfunc, '->');
  if (parts.length === 0) return null;
  const out: string[] = [];
  for (let func of parts) {
    if (func === '[unknown]') {
      func = mod !== '[unknown]' ? mod.replace(/.*\//s, '') : 'unknown';
      func = addrs ? `[${func} <${pc}>]` : `[${func}]`;
    }
    func = func.replaceAll(';', ':');
    if (!GO_METHOD.test(func)) func = func.replace(AFTER_PAREN, '');
    func = func.replace(QUOTES, '');
    if (java && func.includes('/')) func = func.replace(/^L/, '');
    if (out.length > 0) func += '_[i]';
    else if (kernel && KERNEL_DSO.test(mod) && !mod.includes('unknown')) func += '_[k]';
    else if (jit && JIT_DSO.test(mod)) func += '_[j]';
    out.push(func);
  }
  return out.join(';');
}

// Perl's split drops trailing empty fields.
function perlSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

// A frame-ish line when no record is open (the reference skips it unread, or
// warns when `^\s*(\w+)\s*(.+) \((\S*)\)` fails): a cheap test, for the warning only.
export function looksLikeFrame(text: string): boolean {
  const open = text.lastIndexOf(' (');
  return open > 0 && text.indexOf(')', open) > 0 && /^[ \t\n\v\f\r]*\w/.test(text);
}

// A header's ip frame, for a record without callchain lines: after the
// timestamp and the event name, each address is printed as ` %16lx` (the data
// address first with -F +addr, then the ip), so the last such field starts the
// frame:
//           shapes 10277  8025.566738:          1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
// tlb:tlb_flush: pages:1 reason:local MM shootdown (3) ffffffff8134b0a5 flush_tlb_func ([kernel.kallsyms])
// A lone field right after the event's `: ` (or after blank -F flags) is the data address (the
// ip's is a column on: ` %16lx`), printed with no ip when the callchain came out empty
// (samples/findings/cow), or when -F has no ip (samples/fields/*.flags-addr):
// cow 22542/22542 [001] 11575.203569:                      page-faults:     7ffeed070f60 [unknown] ([stack])
const AFTER_TIME = /[ \t]\d+\.\d+:[ \t]+(?:\d+[ \t]+)?[^ \t]+?:(?=[ \t]|$)/;
export function headerIpFrame(header: string): string | undefined {
  const m = AFTER_TIME.exec(header);
  if (m === null) return undefined;
  const rest = header.slice(m.index + m[0].length);
  const at = frameStarts(rest);
  const last = at.at(-1);
  if (last === undefined) return undefined;
  if (at.length === 1 && (last === 0 || (last === FLAGS_FIELD && atAddrColumn(last, rest.length - rest.trimStart().length)))) return undefined;
  return rest.slice(last).trim();
}
