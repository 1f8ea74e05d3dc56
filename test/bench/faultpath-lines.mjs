// faultpath's own line edge counting the lines of a file (the string lines the
// report's parsers get: parsers/lines.ts, with its overlong-line diagnostics),
// beside split2-lines.mjs: the bench shows why the parsers do not use split2.
import { forEachLine, openInput } from '../../dist/parsers/lines.js';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: faultpath-lines.mjs FILE\n');
  process.exit(2);
}
let lines = 0;
await forEachLine(await openInput(path), () => {
  lines++;
});
process.stdout.write(`${lines}\n`);
