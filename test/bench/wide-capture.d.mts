/** perf script text of a capture with `sites` distinct faulting instructions, a record at a time (test/bench/wide-capture.mjs). */
export function wideCapture(options: { sites: number; perFunction?: number; threads?: number }): Generator<string>;
