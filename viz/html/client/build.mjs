// Bundles the browser scripts: the HTML report's client (main.ts and its
// modules, d3-hierarchy's partition) into dist/client/report.js, and the
// interactive SVG's (viz/svg-client.ts) into dist/client/svg.js; the renderers
// inline them (viz/bundles.ts). Run by `npm run build` and before the tests
// (test/global-setup.ts). esbuild is a dev dependency: the published package
// ships the bundles, not the bundler.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the bundles go: viz/bundles.ts reads them from here. */
export const OUT_DIR = join(ROOT, 'dist/client');

const BUNDLES = [
  { entry: 'viz/html/client/main.ts', out: 'report.js', banner: d3Notice },
  { entry: 'viz/svg-client.ts', out: 'svg.js' },
];

/** Writes the bundles; returns their total size in bytes. */
export async function bundleClient(outDir = OUT_DIR) {
  let bytes = 0;
  for (const b of BUNDLES) {
    const result = await build({
      entryPoints: [join(ROOT, b.entry)],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      charset: 'utf8',
      legalComments: 'none',
      ...(b.banner !== undefined ? { banner: { js: b.banner() } } : {}),
      outfile: join(outDir, b.out),
      logLevel: 'warning',
      metafile: true,
    });
    bytes += Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  }
  return bytes;
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
  console.log(`browser scripts: ${OUT_DIR} (${(bytes / 1024).toFixed(1)} KiB)`);
}
