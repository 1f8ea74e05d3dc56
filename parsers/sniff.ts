// Which text format is this? The CLI asks with a trace's first lines so it can
// pick a parser, or reject a wrong file in one sentence. Each rule quotes the
// lines it recognises (samples/guard/, samples/shapes/, samples/perf-trace/,
// samples/listings/). The answer comes from the first decisive line; comment
// and blank lines decide nothing.

/** The answer: a format, or 'unknown' with what the input looks like instead. */
export interface Sniffed {
  readonly format: 'perf-script' | 'perf-trace' | 'objdump' | 'unknown';
  /** One short phrase for the user: `perf script output`, `looks like binary data`, … */
  readonly description: string;
}

// perf script (tools/perf/builtin-script.c): a header with a timestamp and an
// event name, a side-band record, or a tab-indented callchain frame:
// guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
//           shapes 10277  8025.566738:          1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
// swapper     0 [000]     0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1276f48) @ 0xffffffff81000000]: x [kernel.kallsyms]_text
// 	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
// and, from perf 3.x with fewer fields (FlameGraph's test/perf-java-stacks-02.txt):
// java 19983 cycles:
// and with no comm (samples/odd/, `perf script -F tid,time,event,ip,sym`):
//  5729 12446.891952:                 page-faults: 
const SCRIPT_HEADER = /^\s*(?:\S.*?\s)?(-?\d+)(?:\/-?\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d+:\s+(?:\d+\s+)?\S+?:(?:\s|$)/;
const SCRIPT_SIDEBAND = /\s\d+\.\d+:\s+PERF_RECORD_[A-Z0-9_]+/;
const SCRIPT_NO_TIME = /^\s*\S.*?\s-?\d+(?:\/-?\d+)?\s+(?:\[\d+\]\s+)?(?:\d+\s+)?[^\s\d:]\S*?:\s*$/;
const SCRIPT_FRAME = /^\t\s*[0-9a-f]+ \S.* \(.*\)\s*$/;

// perf trace (tools/perf/builtin-trace.c): `%10.3f ( %6.3f ms): comm/tid …`,
// or without durations `%10.3f comm/tid …`:
//      2.420 ( 0.157 ms): mprot/21700 mprotect(start: 0x7f3f97426000, len: 16384, prot: READ) = 0
//      0.000 ( 0.000 ms): mprot/21700 minfault [elf_load+0x28a] => 0x564caca0c050 (?k)
//          ? (         ): guard/14270  ... [continued]: execve())                                           = 0
//      0.000 guard/5110 exceptions:page_fault_user(address: 0x7fe7ac6c3b70, ip: 140633006947184, error_code: 20)
const TRACE_LINE = /^\s*(?:\d+\.\d+|\?) (?:\((?:\s*\d+\.\d+ ms|\s*)\): )?\S.{0,13}\/\d+ /;
// …and the summary alone (perf trace -s, trace__fprintf_thread_summary):
//  Summary of events:
const TRACE_SUMMARY = /^ Summary of events:$/;

// objdump / llvm-objdump -d:
// guard:     file format elf64-x86-64
// ../guard/guard:	file format elf64-x86-64
// Disassembly of section .text:
// 0000000000001139 <write_field>:
//     1139:	48 89 37             	mov    %rsi,(%rdi)
const OBJDUMP_FORMAT = /:\s+file format \S+$/;
const OBJDUMP_SECTION = /^Disassembly of section \S+:$/;
const OBJDUMP_SYMBOL = /^[0-9a-f]{8,16} <.+>:$/;

/**
 * Names the format of a trace or listing from its first lines (perf script,
 * perf trace, objdump), or says what it looks like instead.
 */
export function sniffFormat(firstLines: readonly string[]): Sniffed {
  let binary = 0;
  let text = 0;
  for (const raw of firstLines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('PERFILE')) return { format: 'unknown', description: 'looks like a perf.data file: run `perf script -i FILE > FILE.txt` and pass that' };
    if (isBinary(line)) {
      binary++;
      continue;
    }
    if (line.trim() === '' || line.startsWith('#')) continue;
    text++;
    if (SCRIPT_HEADER.test(line) || SCRIPT_SIDEBAND.test(line) || SCRIPT_FRAME.test(line)) return { format: 'perf-script', description: 'perf script output' };
    if (TRACE_LINE.test(line) || TRACE_SUMMARY.test(line)) return { format: 'perf-trace', description: 'perf trace output' };
    if (OBJDUMP_FORMAT.test(line) || OBJDUMP_SECTION.test(line) || OBJDUMP_SYMBOL.test(line)) return { format: 'objdump', description: 'looks like an objdump listing' };
    if (SCRIPT_NO_TIME.test(line)) return { format: 'perf-script', description: 'perf script output' };
  }
  if (binary > 0 && binary >= text) return { format: 'unknown', description: 'looks like binary data' };
  if (text === 0) return { format: 'unknown', description: 'has no lines to read yet' };
  return { format: 'unknown', description: 'no line looks like a perf script header (`comm tid time: event:`) or a perf trace event' };
}

// NUL, other C0 controls than tab, or the replacement character that invalid
// UTF-8 decodes to.
function isBinary(line: string): boolean {
  let odd = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 32 && c !== 9) || c === 0xfffd) odd++;
  }
  return odd > 0 && odd * 10 >= line.length;
}
