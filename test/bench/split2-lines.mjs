// The baseline: Node + split2 counting the lines of a file, the floor for a
// line-stream design. Prints the count and this process's peak RSS (KiB).
import { createReadStream } from 'node:fs';
import split2 from 'split2';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: split2-lines.mjs FILE\n');
  process.exit(2);
}
let lines = 0;
createReadStream(path)
  .pipe(split2())
  .on('data', () => {
    lines++;
  })
  .on('end', () => {
    process.stdout.write(`${lines}\n`);
  });
