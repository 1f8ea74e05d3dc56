// Whether lines look like perf script output (the format registry asks).
import type { LineSniff } from './format.js';

// A header with a timestamp and an event name, a side-band record, or a
// tab-indented callchain frame:
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

export function sniffPerfScript(line: string): LineSniff {
  if (SCRIPT_HEADER.test(line) || SCRIPT_SIDEBAND.test(line) || SCRIPT_FRAME.test(line)) return 'yes';
  // a header without a timestamp looks like too many other things to win over them
  return SCRIPT_NO_TIME.test(line) ? 'weak' : 'no';
}


// perf script with -F ip,sym,symoff,dso,addr (samples/noip/*.ip-only.txt): no comm, tid, time or
// event, so a record starts with the right-aligned addr or ip (`%16lx`), with -g its frames after it:
//     559f7158e020 __TMC_END__+0x0 (/work/wt/correct/samples/noip/fields)
//                0
//     7f431aa31b70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)     7f431aa31b70 _start+0x0 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
// Asked only of a line that is not a header: one without comm (` 5729 12446.891952: page-faults: … (dso)`) has the shape too.
const HEADERLESS_LINE = /^ +[0-9a-f]+(?:\s*$| +\S.* \(.*\)\s*$)/;

/** The error for such input (parsers/sniff.ts answers it for report, src/collapse.ts for collapse). */
export const HEADERLESS_SCRIPT =
  "perf script output without record headers: its -F list leaves out comm, tid, time and event (as -F ip,sym,symoff,dso,addr does), so no record tells its event, thread or time, and none is counted; add them to the list (perf script -F comm,tid,time,event,ip,sym,symoff,dso,addr)";

/** Whether a line that no format claims, or collapse does not read as a header, is perf script printed without record headers. */
export function isHeaderlessScript(line: string): boolean {
  return HEADERLESS_LINE.test(line);
}
