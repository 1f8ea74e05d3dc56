// A tracepoint's payload as perf script prints it → its fields.
import { frameStarts } from './perf-script-frames.js';

/**
 * Tracepoint payload → fields, values kept as printed:
 * `address=0x7f… ip=0x55… error_code=0x7` (exceptions:page_fault_user),
 * `start: 0x…, len: 0x00001000, prot: 0x00000001` (syscalls:sys_enter_*),
 * `pages:1 reason:local MM shootdown (3)` (tlb:tlb_flush). A value runs to the
 * next `key=`/`key:` token, so values may hold spaces. A payload that is one
 * bare value — syscalls:sys_exit_* print only `0x%lx` of their `ret` field — gives
 * `{ ret }`. Header frames that `-F …,ip,sym,dso` appended are not fields.
 */
export function parseTracepointFields(payload: string): Record<string, string> {
  const starts = frameStarts(' ' + payload);
  const text = (starts.length > 0 ? (' ' + payload).slice(0, starts[0]) : payload).trim();
  const out: Record<string, string> = {};
  if (text === '') return out;
  const keys: { at: number; name: string; valueAt: number }[] = [];
  const KEY = /(^|[\s,])([A-Za-z_][A-Za-z0-9_.]*)(=|: ?)/g;
  let m: RegExpExecArray | null;
  while ((m = KEY.exec(text)) !== null) {
    const at = m.index + (m[1] ?? '').length;
    keys.push({ at, name: m[2] ?? '', valueAt: m.index + m[0].length });
  }
  if (keys.length === 0 || (keys[0]?.at ?? 0) > 0) {
    const head = text.slice(0, keys[0]?.at ?? text.length).trim().replace(/,$/, '');
    if (head !== '') out['ret'] = head;
  }
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === undefined) continue;
    const end = keys[i + 1]?.at ?? text.length;
    out[k.name] = text.slice(k.valueAt, end).trim().replace(/,$/, '');
  }
  return out;
}
