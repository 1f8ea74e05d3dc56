// Bundles the HTML report's client (main.ts and its modules, d3-hierarchy's
// partition) into one script, dist/client/report.js, which renderHtml inlines
// into every page. Run by `npm run build` and before the tests
// (test/global-setup.ts). esbuild is a dev dependency: the published package
// ships the bundle, not the bundler.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the bundle goes: renderHtml reads it from here (viz/html/client-script.ts). */
export const BUNDLE = join(ROOT, 'dist/client/report.js');

/** Writes the bundle; returns its size in bytes. */
export async function bundleClient(outfile = BUNDLE) {
  const result = await build({
    entryPoints: [join(ROOT, 'viz/html/client/main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: d3Notice() },
    outfile,
    logLevel: 'warning',
    metafile: true,
  });
  return Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
}

// d3-hierarchy is ISC-licensed: its copyright line goes into every page that carries its code
// (the licence's web address does not: the page holds no URL).
function d3Notice() {
  const require = createRequire(import.meta.url);
  // The entry is dist/d3-hierarchy.*: the package folder is one up.
  const dir = dirname(dirname(require.resolve('d3-hierarchy')));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const copyright = readFileSync(join(dir, 'LICENSE'), 'utf8').split('\n')[0].trim();
  return `/*! d3-hierarchy ${version}, ${copyright}, ISC licence */`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await bundleClient();
  console.log(`client bundle: ${BUNDLE} (${(bytes / 1024).toFixed(1)} KiB)`);
}
