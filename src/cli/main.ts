#!/usr/bin/env node
// The CLI's entry. A report's trace starts being read in a worker thread
// before the commands' modules load (program.ts and the pipeline's: chunks of
// the built CLI, src/cli/bundle.mjs), then program.ts runs the command line.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_INTERNAL, EXIT_OK } from '../errors.js';
import { TraceWorker } from '../report-parallel.js';
import { keepYoungSmall } from '../threads.js';
import { earlyTrace } from './early.js';
import { reportBug, type CliIo } from './messages.js';

export type { CliIo } from './messages.js';

/** Runs the CLI; resolves with the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const trace = earlyTrace(argv);
  if (trace !== undefined) {
    TraceWorker.startEarly(trace);
    // the pipeline's modules (and the capture folders' reader) load alongside the commands' (their reads
    // overlap); an error is the command's to report
    import('../pipeline.js').catch(() => undefined);
    import('../record/inputs.js').catch(() => undefined);
  }
  try {
    return await (await import('./program.js')).main(argv, io);
  } finally {
    // a worker the command did not take (it failed before reading, or read other inputs)
    await TraceWorker.closeEarly();
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // V8's young generation stays at its first size: peak RSS ~25 MB lower for html on 1 GB of stdin,
  // ~60 MB for the 100k-site page, for no measurable CPU; past report's worker too (collapse's
  // workers' start sets it back to V8's least, 2: a big file's collapse left as it was).
  keepYoungSmall();
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
  });
  // With `2>&1 | head` the reader of stderr leaves too: a warning written
  // after that must not become an uncaught error (a stack trace and exit 1).
  process.stderr.on('error', () => undefined);
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin; // created on first use: only a `-` input reads it
    },
  };
  const debug = process.argv.includes('--debug');
  // an error thrown outside the promise chain (in a stream callback) is a bug too
  process.on('uncaughtException', (e) => {
    reportBug(e, io, debug);
    process.exit(EXIT_INTERNAL);
  });
  main(process.argv.slice(2), io).then(
    (code) => exitWhenWritten(code),
    (e: unknown) => {
      reportBug(e, io, debug);
      exitWhenWritten(EXIT_INTERNAL);
    },
  );
}

// Exits once stdout and stderr have taken what was written, not when the event loop empties: after that
// Node deletes the isolate, and V8 frees its heap a chunk at a time (munmap, mprotect; ~13% of the bench
// capture's html report after its records, in a perf profile), where exit() leaves the memory to the kernel.
// (A stream that never calls back leaves the exit to the emptied loop, with the code set.)
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  let waiting = 2;
  const written = (): void => {
    if (--waiting === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
