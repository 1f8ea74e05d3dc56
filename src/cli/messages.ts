// Where the CLI writes, and its stderr lines (`faultpath: …`): what the entry
// (main.ts) needs before the commands' modules load.
import type { Writable } from 'node:stream';
import { visible } from '../output.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin?: NodeJS.ReadableStream;
}

/** One line on stderr, `faultpath: ` first, control characters from the input made visible. */
export function say(io: CliIo, message: string): void {
  io.stderr.write(visible(message).split('\n').map((line) => `faultpath: ${line}\n`).join(''));
}

/** An error no input should cause: one line saying so, the stack with --debug. */
export function reportBug(e: unknown, io: CliIo, debug: boolean): void {
  const message = e instanceof Error ? e.message : String(e);
  say(io, `internal error: ${message.split('\n')[0]} — this is a bug in faultpath; please report it with the command line${debug ? '' : ' (--debug shows where it happened)'}`);
  if (debug && e instanceof Error && e.stack !== undefined) io.stderr.write(visible(e.stack) + '\n');
}
