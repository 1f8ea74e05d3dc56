// A corrupt .gz read where the sniffer is not loaded yet (this file imports only
// readInput): the gzip error must reach the caller, not pass while sniff.js loads.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { TRACE_FORMATS } from '../../parsers/index.js';
import { readInput } from '../../parsers/input.js';

it('reports a corrupt .gz read before the sniffer has loaded', async () => {
  const gz = gzipSync(Buffer.from(' 1234 1.000: page-faults:\n\t  401000 main (/bin/x)\n\n'.repeat(50)));
  gz.writeUInt16BE(gz.readUInt16BE(20) ^ 0xffff, 20); // bad bytes in the deflate data
  const path = join(mkdtempSync(join(tmpdir(), 'faultpath-gz-')), 'bad.perf-script.gz');
  writeFileSync(path, gz);
  const read = readInput(path, { formats: TRACE_FORMATS, onRecord: () => {} });
  await expect(Promise.race([read, new Promise((_, fail) => setTimeout(() => fail(new Error('no answer in 10 s')), 10_000))])).rejects.toThrow(/bad\.perf-script\.gz/);
});
