// faultpath as a library, as a user gets it: the package npm packs (the
// `npm run build` output that `npm test` made just before), installed into an
// empty project, imported by name from TypeScript checked against the shipped
// .d.ts files, then run on a sample (text and the HTML page with its bundled client).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../shared.js';

const dir = mkdtempSync(join(tmpdir(), 'faultpath-package-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const npm = (args: string[], cwd: string): string => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });

const USER_CODE = `import { buildReport, renderHtml, renderText, type Report } from 'faultpath';

const report: Report = await buildReport({
  traces: [process.argv[2]!],
  objdump: [process.argv[3]!],
});
const lines: string = renderText(report);
const html: string = renderHtml(report, { title: 'app' });
console.log(JSON.stringify({ total: report.tree.value, sites: report.sites.length, head: lines.split('\\n')[0], html: html.length, script: html.includes('d3-hierarchy') }));
`;

describe('the npm package', () => {
  it('installs, and `import { buildReport } from "faultpath"` type-checks and runs', () => {
    // --ignore-scripts: pack what the build made; the test does not rebuild.
    npm(['pack', ROOT, '--ignore-scripts', '--pack-destination', dir, '--silent'], dir);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', '--ignore-scripts', '--no-save', join(dir, tarball)], app);
    writeFileSync(join(app, 'main.ts'), USER_CODE);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noUncheckedIndexedAccess: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: false, outDir: 'out' }, files: ['main.ts'] }),
    );
    // The app's own compile, against the installed package's .d.ts (a type error fails here).
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
    const out = execFileSync(process.execPath, [join(app, 'out/main.js'), join(ROOT, 'samples/guard/perf-script.txt.gz'), join(ROOT, 'samples/guard/guard.objdump-dl.txt')], { cwd: app, encoding: 'utf8' });
    const result = JSON.parse(out) as { total: number; sites: number; head: string; html: number; script: boolean };
    expect(result.total).toBe(135);
    expect(result.sites).toBeGreaterThan(0);
    expect(result.head).toMatch(/^(Findings:|# faultpath)/); // findings first, when there are any
    // The HTML page carries the bundled client the package ships (dist/client/report.js).
    expect(result.script).toBe(true);
    expect(result.html).toBeGreaterThan(30_000);
  });

  // after the install above: the CLI as a user runs it from the installed package
  it.skipIf(spawnSync('perf', ['--version']).status !== 0 && process.env['CI'] !== 'true')('`npx faultpath record -- …` records, and `npx faultpath report DIR` reads the capture', () => {
    const app = join(dir, 'app');
    expect(execFileSync('npx', ['--no-install', 'faultpath', '--version'], { cwd: app, encoding: 'utf8' })).toMatch(/^\d+\.\d+\.\d+\n$/);
    const out = execFileSync('npx', ['--no-install', 'faultpath', 'record', '-q', '-o', 'cap', '--', 'sh', '-c', 'echo hello'], { cwd: app, encoding: 'utf8' });
    expect(out).toBe('hello\n');
    expect(existsSync(join(app, 'cap', 'manifest.json'))).toBe(true);
    const report = execFileSync('npx', ['--no-install', 'faultpath', 'report', 'cap', '-q'], { cwd: app, encoding: 'utf8' });
    expect(report).toMatch(/^# faultpath report$/m);
    expect(report).toMatch(/exceptions:page_fault_user/);
  });
});
