// Indexes one objdump listing with faultpath's built code (dist/) and prints
// the instruction count and the time indexing took in this process (ms), so
// the bench can tell indexing from Node's start-up.
import { performance } from 'node:perf_hooks';
import { indexObjdumpFile } from '../../dist/src/disasm-index.js';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: index-listing.mjs LISTING\n');
  process.exit(2);
}
const t0 = performance.now();
const index = await indexObjdumpFile(path);
const ms = performance.now() - t0;
process.stdout.write(`${index.instructionCount} ${ms.toFixed(0)}\n`);
