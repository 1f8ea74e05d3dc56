// Each shape perf trace prints, fed as real lines copied from the captures in
// samples/perf-trace/ (record.sh). Lines marked "from builtin-trace.c" (or
// "built from …") follow perf's format strings where no capture holds that
// variant.
import { describe, expect, test } from 'vitest';
import { PerfTraceParser, parsePerfTrace } from '../../parsers/perf-trace.js';
import type { Diagnostic, LostRecord, SampleRecord, TraceRecord } from '../../src/model.js';

function parse(lines: string[]): { records: TraceRecord[]; diagnostics: Diagnostic[]; parser: PerfTraceParser } {
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const parser = new PerfTraceParser({ source: 'test.txt', onDiagnostic: (d) => diagnostics.push(d) }, (r) => records.push(r));
  for (const l of lines) parser.line(l);
  parser.end();
  return { records, diagnostics, parser };
}

function samples(lines: string[]): SampleRecord[] {
  const { records, diagnostics } = parse(lines);
  expect(diagnostics).toEqual([]);
  return records.filter((r): r is SampleRecord => r.kind === 'sample');
}

function one(line: string): SampleRecord {
  const s = samples([line]);
  expect(s).toHaveLength(1);
  return s[0]!;
}

describe('syscall lines', () => {
  test('an mprotect becomes syscalls:sys_enter_mprotect with numeric fields, ret, time in seconds and comm/tid', () => {
    const r = one('    8.820 ( 0.060 ms): prot/14297 mprotect(start: 0x7f19c7602000, len: 4096, prot: READ)                = 0');
    expect(r).toEqual({
      kind: 'sample',
      source: 'test.txt',
      line: 1,
      comm: 'prot',
      pid: -1,
      tid: 14297,
      cpu: -1,
      time: 0.00882,
      period: 1,
      event: 'syscalls:sys_enter_mprotect',
      payload: 'start: 0x7f19c7602000, len: 4096, prot: READ',
      stack: [],
      fields: { start: '0x7f19c7602000', len: '4096', prot: '0x1' },
      ret: 0,
    });
    expect(Number(r.fields!.start)).toBe(0x7f19c7602000);
  });

  test('a missing prot is PROT_NONE: perf trace omits arguments equal to 0', () => {
    const r = one('    3.511 ( 0.049 ms): prot/14296 mprotect(start: 0x7f19c75fc000, len: 4096)                            = 0');
    expect(r.fields).toEqual({ start: '0x7f19c75fc000', len: '4096', prot: '0x0' });
  });

  test('prot flag names decode to their values: SEM, GROWSDOWN, EXEC', () => {
    expect(one('    3.650 ( 0.054 ms): prot/14296 mprotect(start: 0x7f19c75ff000, len: 4096, prot: READ|SEM)            = 0').fields!.prot).toBe('0x9');
    expect(one('    3.755 ( 0.008 ms): prot/14296 mprotect(start: 0x7f19c7601000, len: 4096, prot: READ|GROWSDOWN)      = -1 EINVAL (Invalid argument)').fields!.prot).toBe('0x1000001');
    expect(one('     1.060 ( 0.013 ms): guard/14264 mmap(addr: 0x7f6fd5c96000, len: 1400832, prot: READ|EXEC, flags: PRIVATE|FIXED|DENYWRITE, fd: 4, off: 0x26000) = 0x7f6fd5c96000').fields!.prot).toBe('0x5');
    // --string-prefix spelling (from builtin-trace.c's strarray prefix) and a leftover bit perf prints as hex
    expect(one('     3.650 ( 0.054 ms): prot/14296 mprotect(start: 0x1000, len: 4096, prot: PROT_READ|PROT_WRITE|0x10)  = 0').fields!.prot).toBe('0x13');
  });

  test('pkey_mprotect keeps its pkey', () => {
    const r = one('    3.714 ( 0.014 ms): prot/14296 pkey_mprotect(start: 0x7f19c7600000, len: 4096, prot: READ, pkey: -1) = 0');
    expect(r.event).toBe('syscalls:sys_enter_pkey_mprotect');
    expect(r.fields).toEqual({ start: '0x7f19c7600000', len: '4096', prot: '0x1', pkey: '-1' });
  });

  test('failures give ret -1 and the errno name', () => {
    const r = one('    7.563 ( 0.009 ms): prot/14296 mprotect(start: 0x7f19c75fa000, len: 4096, prot: READ|WRITE)          = -1 EACCES (Permission denied)');
    expect(r.ret).toBe(-1);
    expect(r.fields).toEqual({ start: '0x7f19c75fa000', len: '4096', prot: '0x3', errno: 'EACCES' });
  });

  test('mmap: hex return, flags decoded, omitted addr/off/prot filled with 0, fd masked for anonymous maps stays absent', () => {
    const r = one('    3.429 ( 0.010 ms): prot/14296 mmap(len: 16384, flags: PRIVATE|ANONYMOUS|NORESERVE)                  = 0x7f19c7410000');
    expect(r.ret).toBe(0x7f19c7410000);
    expect(r.fields).toEqual({ len: '16384', flags: '0x4022', addr: '0x0', prot: '0x0', off: '0x0' });
  });

  test('symbolic values perf decoded for other syscalls stay as printed; a pid with its comm splits', () => {
    const open = one('     1.147 ( 0.013 ms): prot/14296 openat(dfd: CWD, filename: 0xc76360b1, flags: RDONLY|CLOEXEC)         = 4');
    expect(open.fields).toEqual({ dfd: 'CWD', filename: '0xc76360b1', flags: 'RDONLY|CLOEXEC' });
    expect(open.ret).toBe(4);
    const { records } = parse([
      '    11.521 (         ): prot/14296 wait4(upid: 14298 (prot))                                          ...',
      '    11.521 ( 1.992 ms): prot/14296  ... [continued]: wait4())                                            = 14298 (prot)',
    ]);
    expect(records).toHaveLength(1);
    expect((records[0] as SampleRecord).fields).toEqual({ upid: '14298', upid_comm: 'prot' });
    expect((records[0] as SampleRecord).ret).toBe(14298);
  });

  test('exit calls print `= ?` and an unknown errpid child prints nothing: no ret', () => {
    const exit = one('    14.124 (         ): prot/14296 exit_group()                                                          = ?');
    expect(exit.event).toBe('syscalls:sys_enter_exit_group');
    expect(exit.ret).toBeUndefined();
    expect(exit.payload).toBe('');
    const clone = one('         ? (         ): prot/14298  ... [continued]: clone())                                            = ');
    expect(clone.ret).toBeUndefined();
    expect(clone.time).toBeNaN();
  });

  test('-T prints absolute milliseconds', () => {
    expect(one('8304438.728 ( 0.093 ms): prot/14315 mprotect(start: 0x7f5f09c14000, len: 16384, prot: READ)               = 0').time).toBe(8304.438728);
  });

  test('without comm (--no-comm) or without comm and tid (one thread traced), from builtin-trace.c', () => {
    const tidOnly = one('     8.820 ( 0.060 ms): 14297 mprotect(start: 0x7f19c7602000, len: 4096, prot: READ)                = 0');
    expect([tidOnly.comm, tidOnly.tid]).toEqual(['', 14297]);
    const bare = one('     8.820 ( 0.060 ms): mprotect(start: 0x7f19c7602000, len: 4096, prot: READ)                = 0');
    expect([bare.comm, bare.tid, bare.fields!.prot]).toEqual(['', -1, '0x1']);
  });

  test('comm is at most 14 characters and may hold / and spaces (builtin-trace.c %.14s)', () => {
    const r = one('     1.000 ( 0.010 ms): kworker/u8:2/77 mprotect(start: 0x1000, len: 4096, prot: READ)                = 0');
    expect([r.comm, r.tid]).toEqual(['kworker/u8:2', 77]);
    const s = one('     1.000 ( 0.010 ms): Web Content/78 mprotect(start: 0x1000, len: 4096, prot: READ)                = 0');
    expect([s.comm, s.tid]).toEqual(['Web Content', 78]);
  });
});

describe('interrupted syscalls', () => {
  const interleaved = [
    '     8.721 (         ): prot/14296 clock_nanosleep(rqtp: 0x7ffe6e754ed0)                              ...',
    '     8.768 ( 0.008 ms): prot/14297 rseq(rseq: 0x7f19c740ffe0, rseq_len: 32, sig: 1392848979)             = 0',
    '     8.785 ( 0.008 ms): prot/14297 set_robust_list(head: 0x7f19c740f9a0, len: 24)                        = 0',
    '     8.803 ( 0.008 ms): prot/14297 rt_sigprocmask(how: SETMASK, nset: 0x7f19c740ffb0, sigsetsize: 8)     = 0',
    '     8.820 ( 0.060 ms): prot/14297 mprotect(start: 0x7f19c7602000, len: 4096, prot: READ)                = 0',
    '     8.721 ( 0.440 ms): prot/14296  ... [continued]: clock_nanosleep())                                  = 0',
  ];

  test('the start and its [continued] on the same tid are one record: start time, args and line, the end\'s ret', () => {
    const s = samples(interleaved);
    expect(s.map((r) => r.event)).toEqual([
      'syscalls:sys_enter_rseq',
      'syscalls:sys_enter_set_robust_list',
      'syscalls:sys_enter_rt_sigprocmask',
      'syscalls:sys_enter_mprotect',
      'syscalls:sys_enter_clock_nanosleep',
    ]);
    const sleep = s[4]!;
    expect([sleep.line, sleep.tid, sleep.time, sleep.ret, sleep.payload]).toEqual([1, 14296, 0.008721, 0, 'rqtp: 0x7ffe6e754ed0']);
    expect(sleep.fields).toEqual({ rqtp: '0x7ffe6e754ed0' });
  });

  test('a [continued] with no start (sys_enter before tracing began, or lost) is its own record with unknown arguments', () => {
    const r = one('         ? (         ): prot/14296  ... [continued]: execve())                                           = 0');
    expect([r.event, r.ret, r.payload, r.fields]).toEqual(['syscalls:sys_enter_execve', 0, '', {}]);
    expect(r.time).toBeNaN();
    // an mprotect whose arguments are unknown must not claim PROT_NONE
    const lost = one('   130.962 ( 0.622 ms): lost/14319  ... [continued]: mprotect())                                         = 0');
    expect(lost.fields).toEqual({});
  });

  test('a start never continued (rt_sigreturn does not return) is emitted without ret when the thread moves on', () => {
    const s = samples([
      '     3.643 (         ): guard/14264 rt_sigreturn()                                                     ...',
      '     3.673 ( 0.012 ms): guard/14264 mprotect(start: 0x7f6fd5c5e000, len: 4096, prot: READ|WRITE)          = 0',
    ]);
    expect(s.map((r) => [r.event, r.ret, r.line])).toEqual([
      ['syscalls:sys_enter_rt_sigreturn', undefined, 1],
      ['syscalls:sys_enter_mprotect', 0, 2],
    ]);
  });

  test('a start still open at the end of the input is emitted by end()', () => {
    const records: TraceRecord[] = [];
    const p = new PerfTraceParser({ source: 't' }, (r) => records.push(r));
    p.line('     3.643 (         ): guard/14264 rt_sigreturn()                                                     ...');
    expect(records).toEqual([]);
    p.end();
    expect(records.map((r) => (r as SampleRecord).event)).toEqual(['syscalls:sys_enter_rt_sigreturn']);
  });

  test('a [continued] for another syscall than the open start: both are counted once', () => {
    const s = samples([
      '     8.721 (         ): prot/14296 clock_nanosleep(rqtp: 0x7ffe6e754ed0)                              ...',
      '    11.521 ( 1.992 ms): prot/14296  ... [continued]: wait4())                                            = 14298 (prot)',
    ]);
    expect(s.map((r) => [r.event, r.ret])).toEqual([
      ['syscalls:sys_enter_clock_nanosleep', undefined],
      ['syscalls:sys_enter_wait4', 14298],
    ]);
  });
});

describe('page fault lines (--pf / -F)', () => {
  test('a fault taken in kernel mode (?k): no map, the absolute address, one frame from [sym+off]', () => {
    const r = one('     0.000 ( 0.000 ms): guard/14268 minfault [elf_load+0x28a] => 0x55b4ffe74068 (?k)');
    expect(r).toMatchObject({
      event: 'minor-faults',
      addr: '55b4ffe74068',
      period: 1,
      payload: '[elf_load+0x28a] => 0x55b4ffe74068 (?k)',
      fields: { map: 'none', level: 'kernel', ip: 'elf_load+0x28a' },
      stack: [{ addr: '', symbol: 'elf_load', offset: 0x28a, dso: '' }],
    });
  });

  test('anonymous memory and the stack print absolute addresses (perf maps them 1:1)', () => {
    const anon = one('     1.039 ( 0.000 ms): guard/14268 minfault [_dl_init_paths+0xce] => //anon@0x7f68f4760008 (d.)');
    expect([anon.addr, anon.fields]).toEqual(['7f68f4760008', { map: 'data', level: 'user', target_dso: '//anon', ip: '_dl_init_paths+0xce' }]);
    const stack = one('     1.176 ( 0.000 ms): guard/14268 minfault [open_verify.constprop.0+0x1ca] => [stack]@0x7ffefa4c6dc8 (d.)');
    expect(stack.addr).toBe('7ffefa4c6dc8');
    expect(stack.stack).toEqual([{ addr: '', symbol: 'open_verify.constprop.0', offset: 0x1ca, dso: '' }]);
  });

  test('a file-backed target prints an offset into the file, not an address: no addr, the offset in fields', () => {
    const r = one('     6.104 ( 0.000 ms): prot/14296 majfault [read_pages+0x15] => /work/main/samples/perf-trace/prot-major.tmp@0x0 (d.)');
    expect(r.event).toBe('major-faults');
    expect(r.addr).toBeUndefined();
    expect(r.fields).toEqual({ map: 'data', level: 'user', target_dso: '/work/main/samples/perf-trace/prot-major.tmp', target_offset: '0x0', ip: 'read_pages+0x15' });
    const vdso = one('     0.999 ( 0.000 ms): guard/14268 minfault [dl_main+0xe58] => /tmp/perf-vdso.so-KsBp4H@0x20 (d.)');
    expect([vdso.addr, vdso.fields!.target_offset]).toEqual([undefined, '0x20']);
  });

  test('a replay of `perf trace record` (no -d) prints => 0x0: the address was not recorded', () => {
    const r = one('     0.189 ( 0.000 ms): guard/14287 minfault [_start+0x0] => 0x0 (?.)');
    expect(r.addr).toBeUndefined();
    expect(r.fields).toEqual({ map: 'none', level: 'user', ip: '_start+0x0' });
  });

  test('an ip with no symbol and no map is printed as the data address: no frame, the text kept in fields.ip', () => {
    // from a re-run of record.sh (guard-callchain-dwarf.txt; timing-dependent, so not the committed copy):
    // faults processed after the process exited, its maps gone
    const a = one('    26.631 ( 0.000 ms): guard/28658 minfault [0x7fa584c495b0] => 0x7fa584c495b0 (?.)');
    expect([a.stack, a.addr, a.fields!.ip]).toEqual([[], '7fa584c495b0', '0x7fa584c495b0']);
    const b = one('    26.987 ( 0.000 ms): guard/28658 minfault [0x5617a64462a8] => //anon@0x5617a64462a8 (d.)');
    expect([b.stack, b.addr]).toEqual([[], '5617a64462a8']);
    // -v with a map but no symbol (built from print_location): the map-relative ip, with its dso
    const v = one('     1.000 ( 0.000 ms): guard/1 minfault [/usr/lib/x86_64-linux-gnu/libc.so.6@0x1b7ad] => //anon@0x7f68f4760008 (d.)');
    expect(v.stack).toEqual([{ addr: '1b7ad', symbol: '', offset: -1, dso: '/usr/lib/x86_64-linux-gnu/libc.so.6' }]);
  });

  test('a thread whose comm perf has not seen yet prints as `:TID`', () => {
    // from a re-run of record.sh (prot-with-summary-errno.txt; timing-dependent): the new thread's first call
    const r = one('    51.166 ( 0.084 ms): :29121/29121 mprotect(start: 0x7f485038e000, len: 4096, prot: READ)                = 0');
    expect([r.comm, r.tid]).toEqual([':29121', 29121]);
  });

  test('-v names the dso on both sides, and a symbol for the target when it has one', () => {
    const kernel = one('     0.000 ( 0.000 ms): guard/27334 minfault [[kernel.kallsyms]@elf_load+0x28a] => 0x55f00d53d068 (?k)');
    expect(kernel.stack).toEqual([{ addr: '', symbol: 'elf_load', offset: 0x28a, dso: '[kernel.kallsyms]' }]);
    expect(kernel.addr).toBe('55f00d53d068');
    const anon = one('     5.244 ( 0.000 ms): guard/27334 minfault [/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2@_dl_init_paths+0xce] => //anon@0x7f6910691008 (d.)');
    expect(anon.stack).toEqual([{ addr: '', symbol: '_dl_init_paths', offset: 0xce, dso: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' }]);
    expect(anon.addr).toBe('7f6910691008');
    const data = one('     5.143 ( 0.000 ms): guard/27334 minfault [/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2@dl_main+0xc11] => /work/main/samples/perf-trace/guard@_DYNAMIC+0x0 (d.)');
    expect(data.addr).toBeUndefined();
    expect(data.fields).toEqual({
      map: 'data',
      level: 'user',
      target_dso: '/work/main/samples/perf-trace/guard',
      target_symbol: '_DYNAMIC+0x0',
      ip: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2@dl_main+0xc11',
    });
    const noSymbol = one('     5.068 ( 0.000 ms): guard/27334 minfault [/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2@dl_main+0x6e8] => /work/main/samples/perf-trace/guard@0x40 (d.)');
    expect(noSymbol.fields!.target_offset).toBe('0x40');
  });

  test('symbols with @ (real) and C++ brackets (demangled names, built from print_location) stay whole', () => {
    const plt = one('     1.275 ( 0.000 ms): prot/14304 minfault [_dl_catch_exception@plt+0x0] => /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2@0x1010 (d.)');
    expect(one('     2.730 ( 0.000 ms): prot/14296 minfault [@plt+0x0] => /usr/lib/x86_64-linux-gnu/libc.so.6@0x262c0 (d.)').stack[0]!.symbol).toBe('@plt');
    expect(plt.stack[0]).toEqual({ addr: '', symbol: '_dl_catch_exception@plt', offset: 0, dso: '' });
    const cpp = one('     1.000 ( 0.000 ms): app/9 minfault [std::map<int, int>::operator[](int const&)+0x1f] => //anon@0x7f0000001000 (d.)');
    expect(cpp.stack[0]!.symbol).toBe('std::map<int, int>::operator[](int const&)');
    expect(cpp.addr).toBe('7f0000001000');
  });
});

describe('callchains', () => {
  const fp = [
    '     4.643 ( 0.050 ms): prot/14304 mprotect(start: 0x7f94a4fcd000, len: 4096)                            = 0',
    '                                       __GI_mprotect (inlined)',
    '                                       set_protection (/work/main/samples/perf-trace/prot)',
    '                                       main (/work/main/samples/perf-trace/prot)',
    '                                       __libc_start_call_main (/usr/lib/x86_64-linux-gnu/libc.so.6)',
    '                                       __libc_start_main_impl (inlined)',
    '                                       _start (/work/main/samples/perf-trace/prot)',
    '     4.703 ( 0.057 ms): prot/14304 mprotect(start: 0x7f94a4fce000, len: 4096, prot: READ|EXEC)           = 0',
    '                                       __GI_mprotect (inlined)',
    '                                       set_protection (/work/main/samples/perf-trace/prot)',
  ];

  test('frames under a syscall, leaf first, with no address; inlined frames keep `inlined` as their dso', () => {
    const s = samples(fp);
    expect(s[0]!.stack.map((f) => `${f.symbol} ${f.dso}`)).toEqual([
      '__GI_mprotect inlined',
      'set_protection /work/main/samples/perf-trace/prot',
      'main /work/main/samples/perf-trace/prot',
      '__libc_start_call_main /usr/lib/x86_64-linux-gnu/libc.so.6',
      '__libc_start_main_impl inlined',
      '_start /work/main/samples/perf-trace/prot',
    ]);
    expect(s[0]!.stack.every((f) => f.addr === '' && f.offset === -1)).toBe(true);
    expect(s[1]!.stack).toHaveLength(2);
  });

  test('equal frame lines give the same Frame object', () => {
    const s = samples(fp);
    expect(s[1]!.stack[0]).toBe(s[0]!.stack[0]);
    expect(s[1]!.stack[1]).toBe(s[0]!.stack[1]);
  });

  test('under a fault the callchain replaces the [sym+off] frame, its leaf keeping the offset; unresolved frames keep their printed address', () => {
    // frame lines gathered from several callchains of prot-callchain-fp.txt
    const s = samples([
      '     6.258 ( 0.000 ms): prot/14300 minfault [printf+0x0] => /usr/lib/x86_64-linux-gnu/libc.so.6@0x525b0 (d.)',
      '                                       printf (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      '                                       [0x348a8] (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
      '                                       [0x7ffc464f9b03] ([stack])',
      '                                       [0] ([unknown])',
    ]);
    expect(s[0]!.stack).toEqual([
      { addr: '', symbol: 'printf', offset: 0, dso: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
      { addr: '348a8', symbol: '', offset: -1, dso: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
      { addr: '7ffc464f9b03', symbol: '', offset: -1, dso: '[stack]' },
      { addr: '0', symbol: '', offset: -1, dso: '[unknown]' },
    ]);
  });

  test('with --call-graph dwarf the leaf may be an inlined function: the chain stays as printed, the header in fields.ip', () => {
    const s = samples([
      '     0.609 ( 0.000 ms): guard/14274 minfault [brk+0x0] => /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2@0x1fc40 (d.)',
      '                                       __brk_call (inlined)',
      '                                       __brk (inlined)',
      '                                       _dl_sysdep_start (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
    ]);
    expect(s[0]!.stack.map((f) => [f.symbol, f.offset, f.dso])).toEqual([
      ['__brk_call', -1, 'inlined'],
      ['__brk', -1, 'inlined'],
      ['_dl_sysdep_start', -1, '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'],
    ]);
    expect(s[0]!.fields!.ip).toBe('brk+0x0');
  });

  test('the callchain of an interrupted syscall follows its [continued] line and joins the one record', () => {
    const s = samples([
      '     8.721 (         ): prot/14296 clock_nanosleep(rqtp: 0x7ffe6e754ed0)                              ...',
      '     8.820 ( 0.060 ms): prot/14297 mprotect(start: 0x7f19c7602000, len: 4096, prot: READ)                = 0',
      '                                       __mprotect (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      '     8.721 ( 0.440 ms): prot/14296  ... [continued]: clock_nanosleep())                                  = 0',
      '                                       __GI___clock_nanosleep (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      '                                       nap (/work/main/samples/perf-trace/prot)',
    ]);
    expect(s.map((r) => [r.event, r.line, r.stack.map((f) => f.symbol)])).toEqual([
      ['syscalls:sys_enter_mprotect', 2, ['__mprotect']],
      ['syscalls:sys_enter_clock_nanosleep', 1, ['__GI___clock_nanosleep', 'nap']],
    ]);
  });

  test('a frame with no event above it is a diagnostic', () => {
    const { records, diagnostics } = parse(['                                       main (/work/main/samples/perf-trace/prot)']);
    expect(records).toEqual([]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.line).toBe(1);
    expect(diagnostics[0]!.reason).toMatch(/callchain frame with no event/);
  });
});

describe('tracepoint events', () => {
  test('exceptions:page_fault_user with perf\'s `name: value` fields, decimal as printed', () => {
    const r = one('     0.000 guard/14281 exceptions:page_fault_user(address: 0x7fc2fa336b70, ip: 140475398056816, error_code: 20)');
    expect(r).toMatchObject({
      event: 'exceptions:page_fault_user',
      payload: 'address: 0x7fc2fa336b70, ip: 140475398056816, error_code: 20',
      fields: { address: '0x7fc2fa336b70', ip: '140475398056816', error_code: '20' },
      tid: 14281,
      comm: 'guard',
      stack: [],
    });
    expect(r.addr).toBeUndefined();
  });

  test('--libtraceevent_print fields `name=value`', () => {
    const r = one('     0.099 guard/14285 exceptions:page_fault_user(address=0x7f8975b67e06 ip=0x7f8975b4f7ad error_code=0x6)');
    expect(r.fields).toEqual({ address: '0x7f8975b67e06', ip: '0x7f8975b4f7ad', error_code: '0x6' });
  });

  test('syscalls:sys_enter_mprotect as a tracepoint gets the syscall decoding', () => {
    const r = one('    1.612 guard/14285 syscalls:sys_enter_mprotect(start: 0x7f8975b0d000, len: 16384, prot: READ)');
    expect(r.event).toBe('syscalls:sys_enter_mprotect');
    expect(r.fields).toEqual({ start: '0x7f8975b0d000', len: '16384', prot: '0x1' });
    expect(r.ret).toBeUndefined();
  });

  test('with its callchain (kernel frames first)', () => {
    const s = samples([
      '     0.704 guard/14283 exceptions:page_fault_user(address: 0x55aeb8a96eb8, ip: 140614925014560, error_code: 7)',
      '                                       exc_page_fault ([kernel.kallsyms])',
      '                                       asm_exc_page_fault ([kernel.kallsyms])',
      '                                       dl_main (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)',
    ]);
    expect(s[0]!.stack.map((f) => f.dso)).toEqual(['[kernel.kallsyms]', '[kernel.kallsyms]', '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2']);
  });

  test('with syscalls traced too, tracepoints get the empty duration column', () => {
    const r = one('     1.224 (         ): guard/26702 exceptions:page_fault_user(address: 0x7f7806f30770, ip: 140153489393520, error_code: 20)');
    expect([r.event, r.tid, r.time]).toEqual(['exceptions:page_fault_user', 26702, 0.001224]);
  });
});

describe('LOST, summaries and other lines', () => {
  test('LOST N events! is a LostRecord, never a diagnostic', () => {
    const { records, diagnostics } = parse(['LOST 1640 events!']);
    expect(diagnostics).toEqual([]);
    expect(records).toEqual([{ kind: 'lost', source: 'test.txt', line: 1, count: 1640 } satisfies LostRecord]);
  });

  test('a LOST line ends the callchain of the event above it', () => {
    const { records } = parse([
      '     4.643 ( 0.050 ms): prot/14304 mprotect(start: 0x7f94a4fcd000, len: 4096)                            = 0',
      '                                       __GI_mprotect (inlined)',
      'LOST 34 events!',
    ]);
    expect(records.map((r) => r.kind)).toEqual(['sample', 'lost']);
    expect((records[0] as SampleRecord).stack).toHaveLength(1);
  });

  test('the -S summary with --errno-summary is recognised and counted, not a record or a diagnostic', () => {
    const table = [
      '',
      ' Summary of events:',
      '',
      ' prot (10701), 68 events, 68.0%',
      '',
      '   syscall            calls  errors  total       min       avg       max       stddev',
      '                                     (msec)    (msec)    (msec)    (msec)        (%)',
      '   --------------- --------  ------ -------- --------- --------- ---------     ------',
      '   munmap                 6      0     1.108     0.029     0.185     0.426     37.37%',
      '   mprotect              13      3     0.832     0.010     0.064     0.302     37.61%',
      '\t\t\t\tEACCES: 1',
      '\t\t\t\tEINVAL: 2',
      '',
      '',
      ' guard (8353), 467 events, 87.9%, 73 minfaults',
    ];
    const { records, diagnostics, parser } = parse(table);
    expect(records).toEqual([]);
    expect(diagnostics).toEqual([]);
    expect(parser.ignoredLines).toBe(table.length);
    expect(parser.lines).toBe(table.length);
  });

  test('output that is not perf trace is reported with its line number and what was expected', () => {
    const { records, diagnostics, parser } = parse([
      '     0.000 ( 0.000 ms): guard/14268 minfault [elf_load+0x28a] => 0x55b4ffe74068 (?k)',
      'dirty pages: 64',
      '     1.000 ( 0.000 ms): guard/14268 something odd here',
    ]);
    expect(records).toHaveLength(1);
    expect(diagnostics.map((d) => d.line)).toEqual([2, 3]);
    expect(diagnostics[0]!.reason).toMatch(/expected .*LOST N events!/);
    expect(diagnostics[1]!.reason).toMatch(/unrecognised perf trace event: expected/);
    expect(parser.diagnostics).toBe(2);
  });

  test('colour codes perf writes to a terminal are ignored (builtin-trace.c color_fprintf)', () => {
    const r = one('     8.721 ( \x1b[33m0.440 ms\x1b[m): prot/14296  ... [\x1b[33mcontinued\x1b[m]: clock_nanosleep())                                  = 0');
    expect([r.event, r.ret]).toEqual(['syscalls:sys_enter_clock_nanosleep', 0]);
  });

  test('CRLF line ends are tolerated', () => {
    expect(one('     0.000 ( 0.000 ms): guard/14268 minfault [elf_load+0x28a] => 0x55b4ffe74068 (?k)\r').addr).toBe('55b4ffe74068');
  });
});

test('parsePerfTrace yields the records of an async line source', async () => {
  async function* lines(): AsyncGenerator<string> {
    yield '     3.643 (         ): guard/14264 rt_sigreturn()                                                     ...';
    yield '     3.673 ( 0.012 ms): guard/14264 mprotect(start: 0x7f6fd5c5e000, len: 4096, prot: READ|WRITE)          = 0';
    yield 'LOST 2 events!';
  }
  const out: TraceRecord[] = [];
  for await (const r of parsePerfTrace(lines(), { source: 's' })) out.push(r);
  expect(out.map((r) => (r.kind === 'sample' ? r.event : r.kind))).toEqual(['syscalls:sys_enter_rt_sigreturn', 'syscalls:sys_enter_mprotect', 'lost']);
});
