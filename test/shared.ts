// Helpers the test files share: paths under the checkout, listing lines, an in-process CLI.
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { LineSplitter } from '../parsers/lines.js';
import { main } from '../src/cli/main.js';

/** The checkout's root. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The lines of a file under the checkout (.gz unpacked), cut as the byte edge cuts them. */
export function linesOf(path: string): string[] {
  const bytes = readFileSync(ROOT + path);
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  s.write(text);
  s.end();
  return lines;
}

/** FlameGraph's perf-script corpus and stackcollapse-perf.pl's results for it (a copy in the repository). */
export const CONFORMANCE_DIR = process.env['FAULTPATH_CONFORMANCE_DIR'] ?? `${ROOT}test/conformance/flamegraph/`;

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `faultpath argv` in-process with string sinks; stdin (for `-`) is `stdin` when given. */
export async function runCli(argv: readonly string[], stdin?: Readable): Promise<CliResult> {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        add(chunk.toString());
        done();
      },
    });
  const code = await main(argv, {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    ...(stdin !== undefined ? { stdin } : {}),
  });
  return { code, out, err };
}
