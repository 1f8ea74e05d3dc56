// Every header, frame and side-band shape the perf script parser reads, each
// from a real line: `quote()` fails the test unless the block is in the named
// capture (samples/guard, samples/shapes, or FlameGraph's corpus).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePerfScript, parseTracepointFields } from '../../parsers/perf-script.js';
import type { Frame, MmapRecord, SampleRecord, TaskRecord, TraceRecord } from '../../src/model.js';
import { parseLines, quote, sampleLines } from './perf-script-helpers.js';

function only<K extends TraceRecord['kind']>(records: TraceRecord[], kind: K): Extract<TraceRecord, { kind: K }>[] {
  return records.filter((r): r is Extract<TraceRecord, { kind: K }> => r.kind === kind);
}

/** Parses a quoted block and returns its single record, checking nothing was reported. */
function one(rel: string, block: string): TraceRecord {
  const q = quote(rel, block);
  const { records, diagnostics } = parseLines(q.lines, rel);
  expect(diagnostics).toEqual([]);
  expect(records).toHaveLength(1);
  return records[0] as TraceRecord;
}

function sample(rel: string, block: string): SampleRecord {
  const r = one(rel, block);
  expect(r.kind).toBe('sample');
  return r as SampleRecord;
}

function frame(addr: string, symbol: string, offset: number, dso: string, srcline?: string): Frame {
  return srcline === undefined ? { addr, symbol, offset, dso } : { addr, symbol, offset, dso, srcline };
}

describe('header lines', () => {
  it('reads tid, time, period and a right-aligned event name; no [cpu] means cpu -1', () => {
    const r = sample(
      'guard/perf-script.txt.gz',
      `guard  2014  7537.692821:          1                 page-faults: 
	           1ab70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)`,
    );
    expect(r).toMatchObject({ comm: 'guard', pid: -1, tid: 2014, cpu: -1, time: 7537.692821, period: 1, event: 'page-faults', payload: '' });
    expect(r.addr).toBeUndefined();
    expect(r.stack).toEqual([frame('1ab70', '_start', 0, '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2')]);
  });

  it('reads a tracepoint: [cpu], no period column (period 1), the payload after the name', () => {
    const r = sample(
      'guard/perf-script.txt.gz',
      `guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
	ffffffff82260400 exc_page_fault+0x2f0 ([kernel.kallsyms])
	ffffffff81000c82 asm_exc_page_fault+0x22 ([kernel.kallsyms])
	           1ab70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)`,
    );
    expect(r).toMatchObject({
      comm: 'guard',
      tid: 2014,
      cpu: 0,
      time: 7537.692729,
      period: 1,
      event: 'exceptions:page_fault_user',
      payload: 'address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14',
    });
    expect(r.stack.map((f) => f.symbol)).toEqual(['exc_page_fault', 'asm_exc_page_fault', '_start']);
    expect(parseTracepointFields(r.payload)).toEqual({ address: '0x7f740dbc6b70', ip: '0x7f740dbc6b70', error_code: '0x14' });
  });

  it('reads syscalls:sys_enter_mprotect and its `key: value,` payload', () => {
    const r = sample(
      'guard/perf-script.txt.gz',
      `guard  2014 [000]  7537.694305: syscalls:sys_enter_mprotect: start: 0x7f740db86000, len: 0x00004000, prot: 0x00000001
	           20d07 mprotect+0x7 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)`,
    );
    expect(r.event).toBe('syscalls:sys_enter_mprotect');
    expect(parseTracepointFields(r.payload)).toEqual({ start: '0x7f740db86000', len: '0x00004000', prot: '0x00000001' });
  });

  it('keeps a comm with a space', () => {
    const r = sample(
      'shapes/callchain.txt.gz',
      `worker one 20077  8621.266052:          1 page-faults: 
	            12fa touch_pages+0xc (/work/main/samples/shapes/shapes)
	           891f5 start_thread+0x305 (/usr/lib/x86_64-linux-gnu/libc.so.6)`,
    );
    expect(r).toMatchObject({ comm: 'worker one', pid: -1, tid: 20077 });
  });

  it('reads pid/tid and a comm with a space (FlameGraph corpus)', () => {
    const r = sample(
      'flamegraph:perf-iperf-stacks-pidtid-01.txt',
      `iperf 27409/28744 [000] 441995.133575: cpu-clock: 
	          59fef5 copy_user_enhanced_fast_string (/lib/modules/4.3.0-rc1-virtual/build/vmlinux)
	          86bb0e skb_copy_datagram_iter (/lib/modules/4.3.0-rc1-virtual/build/vmlinux)`,
    );
    expect(r).toMatchObject({ comm: 'iperf', pid: 27409, tid: 28744, cpu: 0, time: 441995.133575, event: 'cpu-clock', period: 1 });
    expect(r.stack[0]).toEqual(frame('59fef5', 'copy_user_enhanced_fast_string', -1, '/lib/modules/4.3.0-rc1-virtual/build/vmlinux'));
  });

  it('reads a right-aligned comm with the ip frame on the header line (-G, no callchain)', () => {
    const r = sample('shapes/hidden-callchain.txt', '          shapes 20075  8621.263104:          1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])');
    expect(r).toMatchObject({ comm: 'shapes', tid: 20075, period: 1, event: 'page-faults', payload: 'ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])' });
    expect(r.addr).toBeUndefined();
    expect(r.stack).toEqual([frame('ffffffff81775b9a', 'elf_load', 0x28a, '[kernel.kallsyms]')]);
  });

  it('reads -F comm,pid,tid,cpu,time,event,addr,ip,sym,dso: the data address frame, then the ip frame', () => {
    const r = sample(
      'shapes/flat.txt',
      '          shapes 20088/20088 [001]  8622.910666: page-faults:     7f9d39cb4000 [unknown] (//anon)     7f9d39cbb000 [unknown] (/memfd:shapes jit (deleted))',
    );
    expect(r).toMatchObject({ comm: 'shapes', pid: 20088, tid: 20088, cpu: 1, time: 8622.910666, event: 'page-faults', addr: '7f9d39cb4000' });
    expect(r.stack).toEqual([frame('7f9d39cbb000', '[unknown]', -1, '/memfd:shapes jit (deleted)')]);
    expect(r.payload).toBe('7f9d39cb4000 [unknown] (//anon)     7f9d39cbb000 [unknown] (/memfd:shapes jit (deleted))');
  });

  it('reads a data address on the header above a callchain (-F …,addr,ip,sym,dso with -g), C++ data symbols with spaces', () => {
    const r = sample(
      'shapes/cxx-addr.txt.gz',
      `arena 20428  8632.888821: page-faults:     7fb90ba0d338 typeinfo for std::bad_function_call (/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30)
	            e2bc _dl_relocate_object (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
	           1de39 dl_main (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
	           1a34f _dl_sysdep_start (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
	           1ab78 _dl_start_user (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)`,
    );
    expect(r.addr).toBe('7fb90ba0d338');
    expect(r.payload).toBe('7fb90ba0d338 typeinfo for std::bad_function_call (/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30)');
    expect(r.stack[0]).toEqual(frame('e2bc', '_dl_relocate_object', -1, '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'));
    expect(r.stack).toHaveLength(4);
  });

  it('reads an event modifier and a period (cpu-clock:u -c 250000)', () => {
    const r = sample(
      'shapes/cpu-clock.txt',
      `shapes 20303  8629.875630:     250000 cpu-clock:u: 
	           1bb4e _dl_start+0x3de (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)`,
    );
    expect(r).toMatchObject({ event: 'cpu-clock:u', period: 250000 });
  });

  it('reads cycles:u with a two-space gap after the comm (FlameGraph corpus)', () => {
    const r = sample(
      'flamegraph:perf-rust-Yamakaky-dcpu.txt',
      `emulator  4152 75695.008865:          1 cycles:u: 
	             d70 _start+0xffff018fd5dce000 (/usr/lib/ld-2.24.so)`,
    );
    expect(r).toMatchObject({ comm: 'emulator', tid: 4152, event: 'cycles:u', period: 1 });
    // perf printed a bogus 64-bit offset; it is kept as a number (approximately)
    expect(r.stack[0]?.symbol).toBe('_start');
    expect(r.stack[0]?.offset).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
  });

  it('reads events in PMU syntax with terms and modifiers (the cpu/mem-loads,ldlat=30/P shape)', () => {
    const a = sample(
      'shapes/pmu-events.txt',
      `shapes 20447  8634.601204:          5 software/config=2,period=5/u: 
	           1ba13 _dl_start+0x2a3 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)`,
    );
    expect(a).toMatchObject({ event: 'software/config=2,period=5/u', period: 5 });
    const b = sample(
      'shapes/pmu-events.txt',
      `shapes 20447  8634.600595:          1         software/config=2/pp: 
	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])`,
    );
    expect(b).toMatchObject({ event: 'software/config=2/pp', period: 1 });
  });

  it('reads headers without a timestamp, with frames at column 0 (perf 3.x, FlameGraph corpus)', () => {
    const q = quote(
      'flamegraph:perf-java-stacks-02.txt',
      `java 19983 cycles:
ffffffff8103d0ca native_write_msr_safe ([kernel.kallsyms])
ffffffff810275f1 intel_pmu_enable_all ([kernel.kallsyms])`,
    );
    const { records, diagnostics } = parseLines(q.lines);
    expect(diagnostics).toEqual([]);
    const r = records[0] as SampleRecord;
    expect(r).toMatchObject({ comm: 'java', pid: -1, tid: 19983, cpu: -1, period: 1, event: 'cycles', payload: '' });
    expect(r.time).toBeNaN();
    expect(r.stack.map((f) => f.symbol)).toEqual(['native_write_msr_safe', 'intel_pmu_enable_all']);
  });

  it('reads a tracepoint payload followed by the ip frame (-F …,trace,ip,sym,dso)', () => {
    const r = sample(
      'shapes/tracepoints-ip.txt',
      '          shapes 20099 [000]  8624.296852:               tlb:tlb_flush: pages:1 reason:local MM shootdown (3) ffffffff8134b0a5 flush_tlb_func ([kernel.kallsyms])',
    );
    expect(r).toMatchObject({ event: 'tlb:tlb_flush', pid: -1, tid: 20099, cpu: 0 });
    expect(r.stack).toEqual([frame('ffffffff8134b0a5', 'flush_tlb_func', -1, '[kernel.kallsyms]')]);
    expect(parseTracepointFields(r.payload)).toEqual({ pages: '1', reason: 'local MM shootdown (3)' });
    const m = sample(
      'shapes/tracepoints-ip.txt',
      '          shapes 20099 [000]  8624.298389: syscalls:sys_enter_mprotect: start: 0x7f7d9c537000, len: 0x00004000, prot: 0x00000001     7f7d9c57ed07 mprotect (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
    );
    expect(m.stack).toEqual([frame('7f7d9c57ed07', 'mprotect', -1, '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2')]);
    expect(parseTracepointFields(m.payload)).toEqual({ start: '0x7f7d9c537000', len: '0x00004000', prot: '0x00000001' });
  });

  it('reads a tracepoint whose payload ends in parentheses without taking them for a dso', () => {
    const r = sample('shapes/tracepoints.txt', '          shapes 20099 [000]  8624.296852:               tlb:tlb_flush: pages:1 reason:local MM shootdown (3)');
    expect(r.stack).toEqual([]);
    expect(r.payload).toBe('pages:1 reason:local MM shootdown (3)');
  });

  it('reads syscalls:sys_exit_mprotect, whose payload is the bare return value', () => {
    const r = sample('shapes/tracepoints.txt', '          shapes 20099 [000]  8624.298413:  syscalls:sys_exit_mprotect: 0x0');
    expect(r.event).toBe('syscalls:sys_exit_mprotect');
    expect(parseTracepointFields(r.payload)).toEqual({ ret: '0x0' });
  });

  it('keeps a record whose callchain is empty (header, then the blank line)', () => {
    const q = quote('shapes/dwarf.txt', 'shapes 20169  8626.096112:          1 page-faults: \n');
    const { records, diagnostics } = parseLines(q.lines);
    expect(diagnostics).toEqual([]);
    expect(records).toHaveLength(1);
    expect((records[0] as SampleRecord).stack).toEqual([]);
  });
});

describe('callchain frames', () => {
  const stackOf = (rel: string, block: string): readonly Frame[] => sample(rel, block).stack;

  it('splits address, symbol, +0x offset and dso; keeps [unknown] and [kernel.kallsyms]', () => {
    const s = stackOf(
      'guard/perf-script.txt.gz',
      `guard  2014  7537.692370:          1                 page-faults: 
	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
	ffffffff8177622a load_elf_binary+0x65a ([kernel.kallsyms])
	ffffffff816e0fed bprm_execve+0x2ad ([kernel.kallsyms])
	ffffffff816e2716 do_execveat_common.isra.0+0x1a6 ([kernel.kallsyms])
	ffffffff816e37e4 __x64_sys_execve+0x34 ([kernel.kallsyms])
	ffffffff8225a6c1 do_syscall_64+0x71 ([kernel.kallsyms])
	ffffffff81000130 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])
	    7f1611ef2ad7 [unknown] ([unknown])`,
    );
    expect(s[0]).toEqual(frame('ffffffff81775b9a', 'elf_load', 0x28a, '[kernel.kallsyms]'));
    expect(s[3]).toEqual(frame('ffffffff816e2716', 'do_execveat_common.isra.0', 0x1a6, '[kernel.kallsyms]'));
    expect(s[7]).toEqual(frame('7f1611ef2ad7', '[unknown]', -1, '[unknown]'));
  });

  it('reads a perf-map JIT symbol with spaces, parentheses and brackets', () => {
    const s = stackOf(
      'shapes/callchain.txt.gz',
      `shapes 20075  8621.269836:          1 page-faults: 
	    7fd5c5c1d000 jit::store(char*, int) [tier 1]+0x0 (/tmp/perf-20075.map)
	            1736 main+0xcd (/work/main/samples/shapes/shapes)`,
    );
    expect(s[0]).toEqual(frame('7fd5c5c1d000', 'jit::store(char*, int) [tier 1]', 0, '/tmp/perf-20075.map'));
  });

  it('takes the last balanced group as the dso: "(deleted)" files and memfds, //anon', () => {
    const deleted = stackOf(
      'shapes/callchain.txt.gz',
      `shapes 20075  8621.270090:          1 page-faults: 
	               0 [unknown] (/tmp/shapes-code-BQCWAY (deleted))
	            173b main+0xd2 (/work/main/samples/shapes/shapes)
	           2724a __libc_start_call_main+0x7a (/usr/lib/x86_64-linux-gnu/libc.so.6)`,
    );
    expect(deleted[0]).toEqual(frame('0', '[unknown]', -1, '/tmp/shapes-code-BQCWAY (deleted)'));
    const memfd = stackOf(
      'shapes/callchain.txt.gz',
      `shapes 20075  8621.270300:          1 page-faults: 
	               0 [unknown] (/memfd:shapes jit (deleted))
	            173b main+0xd2 (/work/main/samples/shapes/shapes)
	           2724a __libc_start_call_main+0x7a (/usr/lib/x86_64-linux-gnu/libc.so.6)`,
    );
    expect(memfd[0]?.dso).toBe('/memfd:shapes jit (deleted)');
    const q = quote('shapes/callchain.txt.gz', `	           828e0 _IO_link_in+0x110 (/usr/lib/x86_64-linux-gnu/libc.so.6)
	    7fd5c5a380e0 [unknown] (//anon)`);
    const { records } = parseLines(['shapes 1 1.0: 1 page-faults: ', ...q.lines]);
    expect((records[0] as SampleRecord).stack[1]).toEqual(frame('7fd5c5a380e0', '[unknown]', -1, '//anon'));
  });

  it('reads [vdso] frames and versioned symbols', () => {
    const q = quote(
      'shapes/cpu-clock.txt',
      `	             79d [unknown] ([vdso])
	           cf439 clock_gettime@@GLIBC_2.17+0x19 (/usr/lib/x86_64-linux-gnu/libc.so.6)`,
    );
    const { records } = parseLines(['shapes 1 1.0: 1 cpu-clock:u: ', ...q.lines]);
    const s = (records[0] as SampleRecord).stack;
    expect(s[0]).toEqual(frame('79d', '[unknown]', -1, '[vdso]'));
    expect(s[1]).toEqual(frame('cf439', 'clock_gettime@@GLIBC_2.17', 0x19, '/usr/lib/x86_64-linux-gnu/libc.so.6'));
  });

  it('reads demangled C++: anonymous namespace, lambda, operator<, templates', () => {
    const lines = [
      '	            11af heap::(anonymous namespace)::scribble+0x25 (/work/main/samples/shapes/arena)',
      '	            11ef main::{lambda(char*, int)#1}::operator()+0x25 (/work/main/samples/shapes/arena)',
      '	            1385 heap::Slot::operator<+0x3 (/work/main/samples/shapes/arena)',
      '	            1401 heap::Arena<char>::touch+0x29 (/work/main/samples/shapes/arena)',
    ];
    for (const l of lines) quote('shapes/cxx.txt', l);
    const { records } = parseLines(['arena 1 1.0: 1 page-faults: ', ...lines]);
    expect((records[0] as SampleRecord).stack.map((f) => [f.symbol, f.offset])).toEqual([
      ['heap::(anonymous namespace)::scribble', 0x25],
      ['main::{lambda(char*, int)#1}::operator()', 0x25],
      ['heap::Slot::operator<', 0x3],
      ['heap::Arena<char>::touch', 0x29],
    ]);
  });

  it('reads Go method symbols (non-PIE: absolute addresses)', () => {
    const s = stackOf(
      'shapes/go.txt.gz',
      `goarena.bin 20451  8635.839366:          1 page-faults: 
	           81412 main.(*arena).touch+0x12 (/work/main/samples/shapes/goarena.bin)
	           81488 main.fill+0x28 (/work/main/samples/shapes/goarena.bin)
	           814e5 main.main+0x25 (/work/main/samples/shapes/goarena.bin)`,
    );
    expect(s[0]).toEqual(frame('81412', 'main.(*arena).touch', 0x12, '/work/main/samples/shapes/goarena.bin'));
  });

  it('reads (inlined) in place of the dso (dwarf callchains)', () => {
    const q = quote('shapes/dwarf.txt', `	            12fa poke+0xc (inlined)
	            12fa touch_pages+0xc (/work/main/samples/shapes/shapes)`);
    const { records } = parseLines(['shapes 1 1.0: 1 page-faults: ', ...q.lines]);
    const s = (records[0] as SampleRecord).stack;
    expect(s[0]).toEqual(frame('12fa', 'poke', 0xc, 'inlined'));
    expect(s[1]).toEqual(frame('12fa', 'touch_pages', 0xc, '/work/main/samples/shapes/shapes'));
  });

  it('attaches srclines (-F +srcline) to the frame above, moving (inlined) back to the dso', () => {
    const q = quote(
      'shapes/dwarf-srcline.txt',
      `	            12fa poke+0xc
  shapes.c:38 (inlined)
	            12fa touch_pages+0xc (/work/main/samples/shapes/shapes)
  shapes.c:42`,
    );
    const { records, diagnostics } = parseLines(['shapes 1 1.0: 1 page-faults: ', ...q.lines]);
    expect(diagnostics).toEqual([]);
    const s = (records[0] as SampleRecord).stack;
    expect(s).toEqual([frame('12fa', 'poke', 0xc, 'inlined', 'shapes.c:38'), frame('12fa', 'touch_pages', 0xc, '/work/main/samples/shapes/shapes', 'shapes.c:42')]);
    const k = quote('shapes/dwarf-srcline.txt', `	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
  [kernel.kallsyms][ffffffff81775b9a]`);
    const kernel = (parseLines(['shapes 1 1.0: 1 page-faults: ', ...k.lines]).records[0] as SampleRecord).stack[0];
    expect(kernel?.srcline).toBe('[kernel.kallsyms][ffffffff81775b9a]');
    quote('shapes/dwarf-srcline.txt', '  ??:0');
  });

  it('interns frames: equal lines give the same Frame object, srclines make a different one', () => {
    const { records } = parseLines(
      quote(
        'guard/perf-script.txt.gz',
        `guard  2014  7537.692370:          1                 page-faults: 
	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
	ffffffff8177622a load_elf_binary+0x65a ([kernel.kallsyms])
	ffffffff816e0fed bprm_execve+0x2ad ([kernel.kallsyms])
	ffffffff816e2716 do_execveat_common.isra.0+0x1a6 ([kernel.kallsyms])
	ffffffff816e37e4 __x64_sys_execve+0x34 ([kernel.kallsyms])
	ffffffff8225a6c1 do_syscall_64+0x71 ([kernel.kallsyms])
	ffffffff81000130 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])
	    7f1611ef2ad7 [unknown] ([unknown])

guard  2014  7537.692567:          1                 page-faults: 
	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
	ffffffff81776725 load_elf_binary+0xb55 ([kernel.kallsyms])
	ffffffff816e0fed bprm_execve+0x2ad ([kernel.kallsyms])`,
      ).lines,
    );
    const [a, b] = records as SampleRecord[];
    expect(a?.stack[0]).toBe(b?.stack[0]);
    expect(a?.stack[2]).toBe(b?.stack[2]);
    expect(a?.stack[1]).not.toBe(b?.stack[1]);
  });
});

describe('simpleperf frames', () => {
  it('reads frames indented by blanks with a tab after the address (they were all dropped)', () => {
    const lines = readFileSync('test/conformance/shapes/simpleperf-tab-frames.txt', 'utf8').split('\n');
    const { records, diagnostics } = parseLines(lines);
    expect(diagnostics).toEqual([]);
    const r = records[0] as SampleRecord;
    expect(r.comm).toBe('Gecko');
    expect(r.event).toBe('task-clock:u');
    expect(r.stack).toEqual([
      { addr: 'b3cea6c4', symbol: 'Lock::unlock()', offset: -1, dso: '/system/lib/libc.so' },
      { addr: 'b3cea535', symbol: 'should_trace()', offset: -1, dso: '/system/lib/libc.so' },
    ]);
  });
});

describe('side-band records', () => {
  it('reads PERF_RECORD_MMAP (kernel) and MMAP2 (device/inode and build-id forms)', () => {
    const kernel = one('shapes/callchain.txt.gz', 'swapper     0     0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1276f48) @ 0xffffffff81000000]: x [kernel.kallsyms]_text') as MmapRecord;
    expect(kernel).toMatchObject({ kind: 'mmap', comm: 'swapper', pid: -1, tid: 0, time: 0, start: 0xffffffff81000000, len: 0x1276f48, pgoff: 0xffffffff81000000, prot: 'x', filename: '[kernel.kallsyms]_text' });
    const stack = one('shapes/callchain.txt.gz', 'shapes 20075  8621.263069: PERF_RECORD_MMAP2 20075/20075: [0x7fff365e8000(0x21000) @ 0x7ffffffde000 00:00 0 0]: rw-p [stack]') as MmapRecord;
    expect(stack).toMatchObject({ comm: 'shapes', pid: 20075, tid: 20075, time: 8621.263069, start: 0x7fff365e8000, len: 0x21000, pgoff: 0x7ffffffde000, prot: 'rw-p', filename: '[stack]' });
    expect(stack.buildId).toBeUndefined();
    const pgoffZero = one('guard/perf-script-mmap.txt', 'guard  2014 [000]  7537.692346: PERF_RECORD_MMAP2 2014/2014: [0x559a7b8aa000(0x5000) @ 0 fe:00 5310308 3793793217]: r--p /work/main/samples/guard/guard') as MmapRecord;
    expect(pgoffZero).toMatchObject({ pgoff: 0, prot: 'r--p', filename: '/work/main/samples/guard/guard' });
    const withId = one(
      'shapes/buildid-mmap.txt',
      'shapes 20253  8628.368263: PERF_RECORD_MMAP2 20253/20253: [0x563271233000(0x1000) @ 0x1000 <71da5a7d468f39059d95c5ece575d903c56ae4c3>]: r-xp /work/main/samples/shapes/shapes',
    ) as MmapRecord;
    expect(withId).toMatchObject({ start: 0x563271233000, pgoff: 0x1000, buildId: '71da5a7d468f39059d95c5ece575d903c56ae4c3', filename: '/work/main/samples/shapes/shapes' });
    const deleted = one('shapes/callchain.txt.gz', 'shapes 20075  8621.270291: PERF_RECORD_MMAP2 20075/20075: [0x7fd5c521d000(0x1000) @ 0 00:01 1597 3786110194]: r-xp /memfd:shapes jit (deleted)') as MmapRecord;
    expect(deleted.filename).toBe('/memfd:shapes jit (deleted)');
  });

  it('reads PERF_RECORD_COMM (plain and exec, a comm with a space), FORK and EXIT', () => {
    const q = quote(
      'shapes/callchain.txt.gz',
      `worker one 20077  8621.266042: PERF_RECORD_COMM: worker one:20075/20077`,
    );
    expect(parseLines(q.lines).records).toEqual([{ kind: 'comm', source: 'test', line: 1, comm: 'worker one', pid: 20075, tid: 20077, time: 8621.266042 }]);
    const exec = one('shapes/callchain.txt.gz', 'shapes 20075  8621.263035: PERF_RECORD_COMM exec: shapes:20075/20075') as TaskRecord;
    expect(exec).toMatchObject({ kind: 'comm', comm: 'shapes', pid: 20075, tid: 20075 });
    const fork = one('shapes/callchain.txt.gz', 'shapes 20075  8621.265983: PERF_RECORD_FORK(20075:20077):(20075:20075)') as TaskRecord;
    expect(fork).toMatchObject({ kind: 'fork', comm: 'shapes', pid: 20075, tid: 20077, ppid: 20075, ptid: 20075, time: 8621.265983 });
    const exit = one('shapes/callchain.txt.gz', 'worker one 20077  8621.266295: PERF_RECORD_EXIT(20075:20077):(20074:20074)') as TaskRecord;
    expect(exit).toMatchObject({ kind: 'exit', comm: 'worker one', pid: 20075, tid: 20077, ppid: 20074, ptid: 20074 });
  });

  it('reads PERF_RECORD_LOST (--show-lost-events) between records that have no blank line between them', () => {
    const q = quote(
      'shapes/lost.txt',
      `perf 20405  8631.209831: PERF_RECORD_LOST lost 53
perf 20405  8631.209831:          1 page-faults: 
	            ace0 _dl_new_object+0x90 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
	756e696c2d34365f [unknown] ([unknown])`,
    );
    const { records, diagnostics } = parseLines(q.lines);
    expect(diagnostics).toEqual([]);
    expect(records.map((r) => r.kind)).toEqual(['lost', 'sample']);
    expect(records[0]).toEqual({ kind: 'lost', source: 'test', line: 1, count: 53 });
  });
});

describe('side-band records faultpath does not read', () => {
  it('reports each PERF_RECORD_SWITCH line by name, and reads the records around them', () => {
    const q = quote(
      'shapes/switch-events.txt.gz',
      `shapes  9762  9401.989692: PERF_RECORD_SWITCH OUT preempt
shapes  9762  9401.989940: PERF_RECORD_SWITCH IN         `,
    );
    const { records, diagnostics } = parseLines(q.lines, 'sw');
    expect(records).toEqual([]);
    expect(diagnostics).toEqual([1, 2].map((line) => ({ source: 'sw', line, reason: expect.stringMatching(/^PERF_RECORD_SWITCH: a side-band record faultpath does not read/) })));
    const all = parseLines(sampleLines('shapes/switch-events.txt.gz'));
    expect(all.diagnostics.length).toBe(sampleLines('shapes/switch-events.txt.gz').filter((l) => l.includes('PERF_RECORD_SWITCH')).length);
    expect(all.records.filter((r) => r.kind === 'sample').length).toBeGreaterThan(100);
  });
});

describe('the stream', () => {
  it('skips the # header block of perf script --header', () => {
    const q = quote(
      'shapes/callchain.txt.gz',
      `# ========
# captured on    : Wed Nov 25 09:22:00 2026`,
    );
    const { records, diagnostics, parser } = parseLines(q.lines);
    expect(records).toEqual([]);
    expect(diagnostics).toEqual([]);
    expect(parser.lines).toBe(2);
  });

  it('keeps the last record when the input does not end with a blank line', () => {
    const q = quote(
      'flamegraph:perf-dd-stacks-01.txt',
      `dd 29776 666709.771979:   10101010 cpu-clock: 
	          414b3b fsnotify (/lib/modules/4.1.0-virtual/build/vmlinux)`,
    );
    const { records } = parseLines(q.lines);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ comm: 'dd', period: 10101010, event: 'cpu-clock' });
  });

  it('reads CRLF lines like LF lines', () => {
    const q = quote(
      'guard/perf-script.txt.gz',
      `guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
	ffffffff82260400 exc_page_fault+0x2f0 ([kernel.kallsyms])
	ffffffff81000c82 asm_exc_page_fault+0x22 ([kernel.kallsyms])
	           1ab70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
`,
    );
    const lf = parseLines(q.lines);
    const crlf = parseLines(q.lines.map((l) => l + '\r'));
    expect(crlf.diagnostics).toEqual([]);
    expect(crlf.records).toEqual(lf.records);
  });

  it('records line origins: the header line of each record, 1-based', () => {
    const q = quote(
      'shapes/lost.txt',
      `perf 20405  8631.209831: PERF_RECORD_LOST lost 53
perf 20405  8631.209831:          1 page-faults: 
	            ace0 _dl_new_object+0x90 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
	756e696c2d34365f [unknown] ([unknown])`,
    );
    const { records } = parseLines(['', ...q.lines], 'lost.txt');
    expect(records.map((r) => [r.source, r.line])).toEqual([
      ['lost.txt', 2],
      ['lost.txt', 3],
    ]);
  });

  it('reports lines that fit no shape, says what was expected, and goes on', () => {
    const q = quote(
      'guard/perf-script.txt.gz',
      `guard  2014  7537.692821:          1                 page-faults: 
	           1ab70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)`,
    );
    const lines = ['Warning:', ...q.lines.slice(0, 1), '\tnot a frame', ...q.lines.slice(1), '', '\t           1ab70 _start+0x0 (x)'];
    const { records, diagnostics, parser } = parseLines(lines, 'mixed');
    expect(records).toHaveLength(1);
    expect((records[0] as SampleRecord).stack).toHaveLength(1);
    expect(diagnostics.map((d) => d.line)).toEqual([1, 3, 6]);
    expect(diagnostics[0]?.reason).toMatch(/expected a record header/);
    expect(diagnostics[1]?.reason).toMatch(/expected a callchain frame/);
    expect(diagnostics[2]?.reason).toMatch(/outside a record/);
    expect(parser.diagnostics).toBe(3);
  });

  it('parsePerfScript yields the same records as the push parser, from sync and async iterables', async () => {
    const q = quote(
      'shapes/lost.txt',
      `perf 20405  8631.209831: PERF_RECORD_LOST lost 53
perf 20405  8631.209831:          1 page-faults: 
	            ace0 _dl_new_object+0x90 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
	756e696c2d34365f [unknown] ([unknown])`,
    );
    const pushed = parseLines(q.lines).records;
    const fromSync: TraceRecord[] = [];
    for await (const r of parsePerfScript(q.lines, { source: 'test' })) fromSync.push(r);
    async function* lines(): AsyncGenerator<string> {
      yield* q.lines;
    }
    const fromAsync: TraceRecord[] = [];
    for await (const r of parsePerfScript(lines(), { source: 'test' })) fromAsync.push(r);
    expect(fromSync).toEqual(pushed);
    expect(fromAsync).toEqual(pushed);
    expect(only(pushed, 'lost')).toHaveLength(1);
  });
});
