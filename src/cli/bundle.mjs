// Bundles the CLI as it runs: tsc's output for the entry (dist/src/cli/main.js)
// and for the two worker threads (report-worker.js, collapse-worker.js), into
// dist/src/cli/, the entry written over tsc's. Node loads each ES module on its
// own (resolve, read, compile, link): a report loaded ~120 of them, its worker
// thread ~40 of its own. The entry's dynamic imports (main.ts, program.ts, the
// renderers) stay chunks loaded when asked for: one file for everything parses
// every command's code before the trace's worker can start (small report,
// 10-20 runs on the loaded machine, CPU min/median: modules 660/720 ms,
// chunks 560/620, one file 570/610 but its worker started ~100 ms later).
// Each worker is one file: it needs all of its code at once.
// The workers sit beside the chunks: report-parallel.ts and collapse-parallel.ts
// start `new URL('./report-worker.js', import.meta.url)` from the chunk that
// holds them. The library (dist/src/index.js, its .d.ts) stays tsc's, module by
// module, and so do its workers (dist/src/*-worker.js). Dependencies stay in
// node_modules. Run by `npm run build`, after tsc.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'dist/src/cli');

/** Writes the bundles over tsc's CLI modules; returns their total size in bytes. */
export async function bundleCli() {
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: OUT,
    allowOverwrite: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
    metafile: true,
  };
  const results = await Promise.all([
    build({ ...common, entryPoints: { main: join(OUT, 'main.js') }, splitting: true, chunkNames: 'chunk-[hash]' }),
    build({ ...common, entryPoints: { 'report-worker': join(ROOT, 'dist/src/report-worker.js') } }),
    build({ ...common, entryPoints: { 'collapse-worker': join(ROOT, 'dist/src/collapse-worker.js') } }),
  ]);
  // tsc's modules of the CLI itself, now in the bundle (their .d.ts stay: main.d.ts refers to them)
  const written = new Set(results.flatMap((r) => Object.keys(r.metafile.outputs)));
  for (const input of Object.keys(results[0].metafile.inputs)) {
    const dir = relative('dist/src/cli', input);
    if (!dir.includes('/') && !dir.startsWith('..') && !written.has(input)) rmSync(join(ROOT, input));
  }
  return results.reduce((s, r) => s + Object.values(r.metafile.outputs).reduce((t, o) => t + o.bytes, 0), 0);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await bundleCli();
  console.log(`CLI bundle: ${OUT} (${(bytes / 1024).toFixed(1)} KiB)`);
}
