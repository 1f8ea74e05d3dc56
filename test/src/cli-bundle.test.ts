// The CLI as `npm run build` ships it: tsc's output bundled by esbuild into
// dist/src/cli/ (src/cli/bundle.mjs), main.js with chunks loaded on demand and
// a file per worker thread beside them. What finds its files from where its
// module sits (package.json for the version, the page's script, the demangler's
// wasm, the workers) must find them from there, and every command must print
// what the in-process CLI (the TypeScript modules) prints.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR, ROOT, runCli } from '../shared.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
const built = (argv: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, ...argv], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });

describe('the bundled CLI', () => {
  it('prints the version from package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(built(['--version']).stdout).toBe(`${pkg.version}\n`);
  });

  it('prints what the in-process CLI prints: demangled names, the HTML page with its script, the report and collapse workers', async () => {
    const cases: [string[], Record<string, string>][] = [
      [['report', 'samples/cxx/cxx.perf-script.txt.gz', '--objdump', 'samples/cxx/cxx.objdump-dl.txt.gz'], {}],
      [['report', '-f', 'html', 'samples/protection/guard.perf-script.txt.gz', '--objdump', 'samples/protection/guard.objdump-dl.txt'], {}],
      [['report', '-f', 'json', 'samples/protection/guard.perf-script.txt.gz', '--objdump', 'samples/protection/guard.objdump-dl.txt'], { FAULTPATH_REPORT_PARALLEL_MIN: '0', FAULTPATH_THREADS: '2' }],
      [['collapse', 'samples/protection/guard.perf-script.txt.gz'], {}],
      [['collapse', '--all', `${CONFORMANCE_DIR}perf-cycles-instructions-01.txt`], { FAULTPATH_PARALLEL_MIN: '0', FAULTPATH_THREADS: '3' }],
      [['report', '--nope', 'x'], {}],
    ];
    for (const [argv, env] of cases) {
      const want = await runCli(argv);
      const got = built(argv, env);
      expect(got.status, argv.join(' ')).toBe(want.code);
      expect(got.stdout, argv.join(' ')).toBe(want.out);
      expect(got.stderr, argv.join(' ')).toBe(want.err);
    }
  }, 60_000);
});
