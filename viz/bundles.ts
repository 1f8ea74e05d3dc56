// The browser scripts the pages carry, bundled by esbuild at build time
// (viz/html/client/build.mjs) into dist/client/: report.js for the HTML report
// (viz/html/client/), svg.js for the interactive SVG (viz/svg-client.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scripts = new Map<string, string>();

/** A bundled script, read once from dist/client/ under the package root (the source tree and the installed package alike). */
export function bundledScript(name: 'report' | 'svg'): string {
  let script = scripts.get(name);
  if (script !== undefined) return script;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('faultpath: package root not found above viz/');
    dir = up;
  }
  const path = join(dir, `dist/client/${name}.js`);
  if (!existsSync(path)) throw new Error(`faultpath: the browser scripts are not built (${path}): run npm run build`);
  script = readFileSync(path, 'utf8').trimEnd();
  scripts.set(name, script);
  return script;
}
