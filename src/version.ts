// faultpath's version, from package.json: two levels up from dist/src/, three from the CLI's bundle
// in dist/src/cli/, one from src/ under vitest.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function version(): string {
  if (cached !== undefined) return cached;
  for (const rel of ['../../package.json', '../../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'faultpath' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // not there: try the next level
    }
  }
  return (cached = 'unknown');
}
