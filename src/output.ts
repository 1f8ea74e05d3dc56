// Writing results: a file is written under a temporary name and renamed, so
// a report is either whole or absent; stdout tolerates a reader that left (EPIPE).
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { InputError } from './errors.js';

export async function writeOutput(text: string, path: string | undefined, stdout: Writable): Promise<void> {
  if (path === undefined || path === '-') {
    await writeStream(stdout, text);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new InputError(`${path}: cannot write: ${(e as Error).message}`);
  }
}

/** Resolves when the text is handed to the stream; a closed pipe (EPIPE) counts as done. */
export function writeStream(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (text.length === 0) {
      resolve();
      return;
    }
    const onError = (e: NodeJS.ErrnoException): void => {
      if (e.code === 'EPIPE') resolve();
      else reject(e);
    };
    stream.once('error', onError);
    stream.write(text, (e) => {
      stream.off('error', onError);
      if (e && (e as NodeJS.ErrnoException).code !== 'EPIPE') reject(e);
      else resolve();
    });
  });
}
