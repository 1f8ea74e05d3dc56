// A capture with many distinct faulting instructions, as perf script (perf
// 6.1) prints exceptions:page_fault_user records with callchains: a large
// program first-touching a wide heap from thousands of functions, on several
// threads. Deterministic and generated where it is used (the 100k-site test
// and `npm run bench`), never checked in:
//
//   wide  5000/5001  [000] 2000.000000:  exceptions:page_fault_user: address=0x7f0000000000 ip=0x401010 error_code=0x6
//   	ffffffff82260400 exc_page_fault+0x2f0 ([kernel.kallsyms])
//   	ffffffff81000c82 asm_exc_page_fault+0x22 ([kernel.kallsyms])
//   	          401010 fill_0+0x10 (/opt/wide/bin/wide)
//   	          4a0030 walk_0+0x30 (/opt/wide/bin/wide)
//   	          4b0050 main+0x50 (/opt/wide/bin/wide)
//   	           2724a __libc_start_call_main+0x7a (/usr/lib/x86_64-linux-gnu/libc.so.6)

const BIN = '/opt/wide/bin/wide';
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const PID = 5000;

// addresses as hex text: kernel ones are past Number's exact integers
const frame = (hex, name) => `\t${hex.padStart(16)} ${name}\n`;
const x = (n) => n.toString(16);

/**
 * The capture's text a record at a time (each distinct instruction faults once).
 * @param {{ sites: number, perFunction?: number, threads?: number }} options
 * @returns {Generator<string>}
 */
export function* wideCapture({ sites, perFunction = 40, threads = 4 }) {
  for (let i = 0; i < sites; i++) {
    const fn = Math.floor(i / perFunction);
    const off = 0x10 + (i % perFunction) * 4;
    const ip = 0x401000 + fn * 0x200 + off;
    const walker = fn % 97;
    const tid = PID + 1 + (i % threads);
    const time = (2000 + i * 1e-5).toFixed(6);
    const address = (0x7f0000000000 + i * 4096).toString(16);
    yield `wide ${String(PID).padStart(6)}/${tid} [${String(i % threads).padStart(3, '0')}] ${time}:  exceptions:page_fault_user: address=0x${address} ip=0x${ip.toString(16)} error_code=0x6\n` +
      frame('ffffffff82260400', 'exc_page_fault+0x2f0 ([kernel.kallsyms])') +
      frame('ffffffff81000c82', 'asm_exc_page_fault+0x22 ([kernel.kallsyms])') +
      frame(x(ip), `fill_${fn}+0x${off.toString(16)} (${BIN})`) +
      frame(x(0x4a0030 + walker * 0x100), `walk_${walker}+0x30 (${BIN})`) +
      frame(x(0x4b0050), `main+0x50 (${BIN})`) +
      frame(x(0x2724a), `__libc_start_call_main+0x7a (${LIBC})`) +
      '\n';
  }
}
