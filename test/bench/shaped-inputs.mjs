// Inputs shaped like perf output other than a plain `perf script` capture, for
// the bench's "any input shaped like perf output runs at ≥ half the perf
// script speed" rows: the checked-in samples repeated to 150 MB (start-up is
// still about half of a run at this size: README, Performance, on what the
// odd-shapes row measures). Written into data/ (gitignored) when missing.
//   perf-trace.txt   `perf trace` output: every line indented, callchains of
//                    `perf trace --call-graph`, summaries, syscall lines
//   odd-lines.txt    perf script in odd shapes: `-F` field lists (no comm, no
//                    time, no symbol), `-G`-style right-aligned headers,
//                    tracepoint payloads, side-band records, latin1 bytes
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

function read(path) {
  const b = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(b) : b;
}

function repeatTo(path, pieces, bytes) {
  if (existsSync(path)) return;
  const one = Buffer.concat(pieces.flatMap((p) => [p, Buffer.from('\n')]));
  const fd = openSync(path + '.tmp', 'w');
  for (let n = 0; n < bytes; n += one.length) writeSync(fd, one);
  closeSync(fd);
  renameSync(path + '.tmp', path);
}

/** Writes the shaped inputs of about `bytes` each into `data`; returns their paths. */
export function shapedInputs(root, data, bytes) {
  const samples = join(root, 'samples');
  const trace = join(data, 'perf-trace.txt');
  const traceDir = join(samples, 'perf-trace');
  repeatTo(trace, readdirSync(traceDir).filter((f) => f.endsWith('.txt')).sort().map((f) => read(join(traceDir, f))), bytes);
  const odd = join(data, 'odd-lines.txt');
  const oddFiles = [
    'odd/guard-run1.F-tid-time-event-ip-sym.txt.gz',
    'odd/guard-run1.F-comm-event-ip-dso-period.txt.gz',
    'odd/guard-c4.F-comm-event-ip-dso-period.txt',
    'odd/guard-terms.perf-script.txt.gz',
    'odd/guard-tod.F-tod.txt.gz',
    'odd/latin1.perf-script.txt',
    'protection/guard.perf-script-pid.txt.gz',
    'protection/mapping.perf-script-pid.txt',
    'shapes/flat.txt',
    'shapes/dwarf-srcline.txt',
    'shapes/tracepoints.txt',
    'shapes/lost.txt',
    'shapes/switch-events.txt.gz',
  ];
  repeatTo(odd, oddFiles.map((f) => read(join(samples, f))), bytes);
  return { trace, odd };
}
