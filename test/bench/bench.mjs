// `npm run bench`: faultpath's speed and memory on a large real perf script
// capture, as ratios to a split2 line count of the same file measured in the
// same run (the machines are shared and noisy; ratios travel, seconds do not).
// Beside the wall time each row shows its CPU time (user + system, from
// /usr/bin/time): on busy shared cores the wall time carries the waits for a
// core, the CPU time much less.
//
// The input is recorded by record.sh (fanout.c under perf) into data/ when it
// is missing, and so is the page-fault capture collapse is also measured on
// (pagewalk.c); shaped-inputs.mjs writes the perf trace
// and odd-shape inputs from the samples. Every command runs as a child process: wall time from hrtime
// around the child, peak RSS and CPU time from /usr/bin/time when installed,
// else peak RSS from polling VmHWM in /proc (and no CPU time). Each command
// runs BENCH_RUNS times (default 2) and keeps its fastest wall time, its least
// CPU time and its largest peak RSS.
// A row with a wall-ratio target (collapse, report -f json / html) runs
// alternately with its own split2 baseline and takes its ratio from that one,
// and the perf trace and odd-shape rows alternately with collapse on the
// capture, whose bytes per second they are held to (measurePaired).
//
// The 1 GB rows (the capture repeated) take their ratios from split2 on those
// same bytes.
//
// Environment: BENCH_RUNS (runs per command), BENCH_SKIP_1G=1 (skip the 1 GB
// runs), EVENTS and FAULTS (passed to record.sh when it records).
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shapedInputs } from './shaped-inputs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const data = join(here, 'data');
const out = join(data, 'out');
const capture = join(data, 'fanout.perf-script.txt');
const pagewalk = join(data, 'pagewalk.perf-script.txt');
const fanoutListing = join(data, 'fanout.objdump.txt');
const libcListing = join(data, 'libc.objdump.txt');
const cli = join(root, 'dist/src/cli/main.js');
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 2) || 1);
const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);

// ------------------------------------------------------------------ input

function onPath(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function ensureData() {
  if (!existsSync(pagewalk)) {
    process.stderr.write(`bench: ${pagewalk} is missing; recording it with test/bench/record.sh pagewalk\n`);
    const r = onPath('perf') === undefined ? undefined : spawnSync(join(here, 'record.sh'), ['pagewalk'], { stdio: 'inherit' });
    if (r?.status !== 0 || !existsSync(pagewalk)) {
      process.stderr.write('bench: cannot record the page-fault capture: perf is missing or record.sh failed (see above)\n');
      process.exit(1);
    }
  }
  if ([capture, fanoutListing, libcListing].every((p) => existsSync(p))) return;
  process.stderr.write(`bench: ${capture} is missing; recording it with test/bench/record.sh\n`);
  if (onPath('perf') === undefined) {
    process.stderr.write('bench: cannot record the input: perf is not installed (Debian: apt-get install linux-perf).\n');
    process.exit(1);
  }
  const paranoid = Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'));
  if (process.getuid?.() !== 0 && !(paranoid <= -1)) {
    process.stderr.write(
      `bench: cannot record the input: the syscall tracepoints need root or kernel.perf_event_paranoid <= -1 (it is ${paranoid}). Run as root, or record once with: sudo test/bench/record.sh\n`,
    );
    process.exit(1);
  }
  const r = spawnSync(join(here, 'record.sh'), ['fanout'], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(capture)) {
    process.stderr.write('bench: record.sh failed; see its output above\n');
    process.exit(1);
  }
}

// ------------------------------------------------------------------ measuring

const q = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;

/** Runs a shell command line; returns wall seconds, peak RSS (KiB) and CPU seconds (NaN without /usr/bin/time) of the measured process, stdout. */
function runOnce(name, command, { measured = command, before = '' } = {}) {
  return new Promise((resolvePromise, reject) => {
    const rssFile = join(tmpdir(), `faultpath-bench-${process.pid}.rss`);
    const timed = haveTime ? `${TIME} -f '%M %U %S' -o ${q(rssFile)} ${measured}` : measured;
    const line = before === '' ? `exec ${timed}` : `${before} | exec ${timed}`;
    const start = process.hrtime.bigint();
    const child = spawn('sh', ['-c', line], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let polled = 0;
    const poll = haveTime ? undefined : setInterval(() => (polled = Math.max(polled, treeHwm(child.pid))), 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - start) / 1e9;
      if (poll !== undefined) clearInterval(poll);
      if (code !== 0) {
        reject(new Error(`${name}: exit ${code}\n${stderr.slice(-2000)}`));
        return;
      }
      let rss = polled;
      let cpu = NaN;
      if (haveTime) {
        const [kb, user, system] = (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
        rss = kb;
        cpu = user + system;
        rmSync(rssFile, { force: true });
      }
      resolvePromise({ wall, rss, cpu, stdout, stderr });
    });
  });
}

// Largest VmHWM among a process and its descendants (when /usr/bin/time is missing).
function treeHwm(pid) {
  let best = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) best = Math.max(best, Number(m[1]));
      const kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      if (kids !== '') stack.push(...kids.split(/\s+/).map(Number));
    } catch {
      // gone already
    }
  }
  return best;
}

async function measure(name, command, options = {}) {
  let best;
  for (let i = 0; i < (options.runs ?? runs); i++) {
    const r = await runOnce(name, command, options);
    if (best === undefined) best = r;
    else best = { ...(r.wall < best.wall ? r : best), rss: Math.max(best.rss, r.rss), cpu: Math.min(best.cpu, r.cpu) };
  }
  process.stderr.write(`bench: ${name}: ${best.wall.toFixed(2)} s, CPU ${best.cpu.toFixed(2)} s, ${(best.rss / 1024).toFixed(0)} MB\n`);
  return { name, ...best };
}

// A command with a target relative to another command (its split2 baseline, or
// collapse on the perf script capture), run alternately with it (other,
// command, other, command, …): the host's speed drifts by up to 1.7× within
// minutes here, so a reference measured at another moment moves the ratio more
// than the code does. The row keeps the best of each side; `beside` is the other's.
async function measurePaired(name, command, besideCommand, besideName = 'split2 beside it', options = {}) {
  let cmd;
  let base;
  const keep = (best, r) => (best === undefined ? r : { ...(r.wall < best.wall ? r : best), rss: Math.max(best.rss, r.rss), cpu: Math.min(best.cpu, r.cpu) });
  for (let i = 0; i < (options.runs ?? runs); i++) {
    base = keep(base, await runOnce(`${name} (${besideName})`, besideCommand));
    cmd = keep(cmd, await runOnce(name, command, options));
  }
  process.stderr.write(`bench: ${name}: ${cmd.wall.toFixed(2)} s, CPU ${cmd.cpu.toFixed(2)} s, ${(cmd.rss / 1024).toFixed(0)} MB; ${besideName} ${base.wall.toFixed(2)} s\n`);
  return { name, ...cmd, beside: { ...base, name: besideName } };
}

// ------------------------------------------------------------------ checks on outputs

function foldedTotal(path) {
  let total = 0;
  let lines = 0;
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    if (l === '') continue;
    lines++;
    total += Number(l.slice(l.lastIndexOf(' ') + 1));
  }
  return { lines, total };
}

function treeNodes(reportPath) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  let n = 0;
  const stack = [report.tree];
  while (stack.length > 0) {
    const t = stack.pop();
    n++;
    for (const c of t.children ?? []) stack.push(c);
  }
  return n;
}

async function countLines(path) {
  let n = 0;
  for await (const chunk of createReadStream(path)) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

// ------------------------------------------------------------------ the run

ensureData();
if (!existsSync(cli)) {
  process.stderr.write('bench: dist/ is missing; run it as `npm run bench` (which builds first)\n');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const size = statSync(capture).size;
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
process.stderr.write(`bench: input ${capture} (${mb(size)}), ${runs} run(s) per command\n`);
spawnSync('sh', ['-c', `cat ${q(capture)} ${q(libcListing)} > /dev/null`]); // into the page cache

const node = q(process.execPath);
const listings = `--objdump ${q(fanoutListing)} --objdump ${q(libcListing)}`;
const rows = [];
const split2 = `${node} ${q(join(here, 'split2-lines.mjs'))} ${q(capture)}`;
const baseline = await measure('split2 line count (baseline)', split2);
rows.push(baseline);
const lineCount = Number(baseline.stdout.trim());
// the string lines the report's parsers read: faultpath's splitter, which also
// counts and reports overlong lines (split2 drops or fails on them)
const ownLines = await measure("faultpath's line splitter", `${node} ${q(join(here, 'faultpath-lines.mjs'))} ${q(capture)}`);
rows.push(ownLines);

const collapseOut = join(out, 'collapse.folded');
// at this size collapse runs in one thread; the second row forces the worker threads
const collapseCommand = `${node} ${q(cli)} collapse -q ${q(capture)} -o ${q(collapseOut)}`;
const collapse = await measurePaired('faultpath collapse', collapseCommand, split2);
rows.push({ ...collapse, base: collapse.beside, target: 0.8 });
const threaded = await measure('faultpath collapse, worker threads', `env FAULTPATH_PARALLEL_MIN=0 ${node} ${q(cli)} collapse -q ${q(capture)} -o ${q(join(out, 'collapse-threads.folded'))}`);
rows.push(threaded);

// collapse on a page-fault capture of the usual shape (pagewalk.c: deep chains, few
// distinct paths), with its own split2 baseline
const pwBaseline = await measure(`split2 line count, pagewalk capture (${mb(statSync(pagewalk).size)})`, `${node} ${q(join(here, 'split2-lines.mjs'))} ${q(pagewalk)}`);
rows.push({ ...pwBaseline, base: pwBaseline });
const pwCollapse = await measurePaired('faultpath collapse, pagewalk capture', `${node} ${q(cli)} collapse -q ${q(pagewalk)} -o ${q(join(out, 'collapse-pagewalk.folded'))}`, `${node} ${q(join(here, 'split2-lines.mjs'))} ${q(pagewalk)}`);
rows.push({ ...pwCollapse, base: pwCollapse.beside, target: 0.8 });

// inputs shaped like perf output but not plain perf script: each at ≥ half the
// bytes per second of collapse on the perf script capture. Shown beside it, not
// the target: its ratio to a split2 line count of the same file (the yardstick of
// the other rows), against collapse's on the capture.
const shaped = shapedInputs(root, data, 150e6);
for (const [what, path] of [['perf trace output', shaped.trace], ['odd perf script shapes', shaped.odd]]) {
  const r = await measurePaired(`faultpath collapse, ${what} (${mb(statSync(path).size)})`, `${node} ${q(cli)} collapse -q ${q(path)} -o /dev/null`, collapseCommand, 'collapse of the capture beside it');
  // (again beside its own split2, alternately: the host drifts between the two pairs)
  const own = await measurePaired(`faultpath collapse, ${what}, beside split2 of it`, `${node} ${q(cli)} collapse -q ${q(path)} -o /dev/null`, `${node} ${q(join(here, 'split2-lines.mjs'))} ${q(path)}`);
  rows.push({ ...r, bytes: statSync(path).size, rateOf: { ...r.beside, bytes: size }, ownRatio: own.wall / own.beside.wall });
}

const reportOut = join(out, 'report.json');
const report = await measurePaired('faultpath report -f json (2 listings, protection)', `${node} ${q(cli)} report -q -f json ${q(capture)} ${listings} -o ${q(reportOut)}`, split2);
rows.push({ ...report, base: report.beside, target: 1.5 });
// the same in one thread: what the worker thread (src/report-parallel.ts) gains at this size
const reportOne = await measure('faultpath report -f json, one thread', `env FAULTPATH_THREADS=1 ${node} ${q(cli)} report -q -f json ${q(capture)} ${listings} -o ${q(join(out, 'report-one.json'))}`, { runs: 1 });
rows.push(reportOne);

const htmlOut = join(out, 'report.html');
const html = await measurePaired('faultpath report -f html', `${node} ${q(cli)} report -q -f html ${q(capture)} ${listings} -o ${q(htmlOut)}`, split2);
rows.push({ ...html, base: html.beside, target: 1.8 });

const perl = onPath('stackcollapse-perf.pl');
if (perl !== undefined) {
  const flameOut = join(out, 'flamegraph.folded');
  const r = await measure('stackcollapse-perf.pl (FlameGraph)', `${q(perl)} ${q(capture)} > ${q(flameOut)}`, { measured: `sh -c ${q(`exec perl ${q(perl)} ${q(capture)} > ${q(flameOut)}`)}`, runs: 1 });
  rows.push(r);
}
const inferno = onPath('inferno-collapse-perf');
if (inferno !== undefined) {
  const infernoOut = join(out, 'inferno.folded');
  const r = await measure('inferno-collapse-perf', '', { measured: `sh -c ${q(`exec ${q(inferno)} ${q(capture)} > ${q(infernoOut)}`)}`, runs: 1 });
  rows.push(r);
}

const index = await measure('index libc objdump -d listing', `${node} ${q(join(here, 'index-listing.mjs'))} ${q(libcListing)}`);
rows.push({ ...index, targetSeconds: 1.0 });
const [instructions, indexMs] = index.stdout.trim().split(' ').map(Number);

const big = [];
if (process.env.BENCH_SKIP_1G !== '1') {
  // the capture repeated to 1 GB: ratios here are to split2 on these bytes
  const copies = Math.ceil(1e9 / size);
  const cat = `cat ${Array(copies).fill(q(capture)).join(' ')}`;
  const bigSize = copies * size;
  const bigFile = join(out, 'big.perf-script.txt');
  spawnSync('sh', ['-c', `${cat} > ${q(bigFile)}`]);
  const bigBaseline = await measure(`split2 line count, ${mb(bigSize)} file`, `${node} ${q(join(here, 'split2-lines.mjs'))} ${q(bigFile)}`, { runs: 1 });
  big.push({ ...bigBaseline, base: bigBaseline });
  const c = await measure(`faultpath collapse, ${mb(bigSize)} on stdin`, '', {
    before: `cat ${q(bigFile)}`,
    measured: `${node} ${q(cli)} collapse -q - -o ${q(join(out, 'collapse-1g.folded'))}`,
    runs: 1,
  });
  big.push({ ...c, base: bigBaseline, targetRss: 200 * 1024 });
  const r = await measure(`faultpath report -f json, ${mb(bigSize)} on stdin`, '', {
    before: `cat ${q(bigFile)}`,
    measured: `${node} ${q(cli)} report -q -f json - ${listings} -o ${q(join(out, 'report-1g.json'))}`,
    runs: 1,
  });
  big.push({ ...r, base: bigBaseline, targetRss: 200 * 1024 });
  // the page: its tree by protection site and its time/thread/region cells on top of the report
  const h = await measure(`faultpath report -f html, ${mb(bigSize)} on stdin`, '', {
    before: `cat ${q(bigFile)}`,
    measured: `${node} ${q(cli)} report -q -f html - ${listings} -o ${q(join(out, 'report-1g.html'))}`,
    runs: 1,
  });
  big.push({ ...h, base: bigBaseline, targetRss: 200 * 1024 });
  // the same bytes as a file: collapse shares it out to worker threads
  const f = await measure(`faultpath collapse, ${mb(bigSize)} file (threads)`, `${node} ${q(cli)} collapse -q ${q(bigFile)} -o ${q(join(out, 'collapse-1g-file.folded'))}`, { runs: 1 });
  big.push({ ...f, base: bigBaseline });
  // a file this size is parsed in a worker thread while the main thread joins (src/report-parallel.ts)
  const rf = await measure(`faultpath report -f json, ${mb(bigSize)} file (worker thread)`, `${node} ${q(cli)} report -q -f json ${q(bigFile)} ${listings} -o ${q(join(out, 'report-1g-file.json'))}`, { runs: 1 });
  big.push({ ...rf, base: bigBaseline });
  rmSync(bigFile, { force: true });
}

// ------------------------------------------------------------------ 100k distinct sites
// A generated capture with 100,000 distinct faulting instructions (wide-capture.mjs):
// the HTML page's size, the build's peak RSS, and the page's time to interactive
// in Chromium (performance.now in the page, from its script's start to its first paint).
const wideInput = join(data, 'wide-100k.perf-script.txt');
if (!existsSync(wideInput)) {
  const { wideCapture } = await import('./wide-capture.mjs');
  const { openSync, writeSync, closeSync } = await import('node:fs');
  const fd = openSync(wideInput, 'w');
  let chunk = [];
  for (const r of wideCapture({ sites: 100_000 })) {
    chunk.push(r);
    if (chunk.length >= 2000) writeSync(fd, chunk.splice(0).join(''));
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
}
const wideHtml = join(out, 'wide-100k.html');
const wide = await measure('faultpath report -f html, 100k distinct sites', `${node} ${q(cli)} report -q -f html ${q(wideInput)} -o ${q(wideHtml)}`, { runs: 1 });
rows.push({ ...wide, targetRss: 500 * 1024 });
let wideOpen = 'not measured (no Chromium)';
if (existsSync('/usr/bin/chromium')) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`file://${wideHtml}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
  const ms = Number(await page.locator('body').getAttribute('data-ready-ms'));
  await browser.close();
  wideOpen = `interactive in ${ms.toFixed(0)} ms (target < 2000 ms) ${ms < 2000 ? 'met' : 'NOT met'}`;
}

// ------------------------------------------------------------------ table

const folded = foldedTotal(collapseOut);
const nodes = treeNodes(reportOut);
const htmlSize = statSync(htmlOut).size;
const samples = (readFileSync(reportOut, 'utf8').match(/"page-faults": (\d+)/) ?? [])[1];

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const w = Math.max(...[...rows, ...big].map((r) => r.name.length)) + 2;
const lines = [];
lines.push(`${pad('command', w)}${lpad('wall', 9)}${lpad('peak RSS', 10)}${lpad('ratio', 8)}${lpad('CPU', 9)}${lpad('CPU ratio', 11)}  target (on the wall ratio)`);
for (const r of [...rows, ...big]) {
  const ratio = r.wall / (r.base ?? baseline).wall;
  const cpuRatio = r.cpu / (r.base ?? baseline).cpu;
  let target = '';
  if (r.target !== undefined) target = `≤ ${r.target.toFixed(1)}× ${ratio <= r.target ? 'met' : 'NOT met'}`;
  if (r.targetSeconds !== undefined) target = `≤ ${r.targetSeconds.toFixed(1)} s ${r.wall <= r.targetSeconds ? 'met' : 'NOT met'}`;
  if (r.targetRss !== undefined) target = `RSS ≤ ${r.targetRss / 1024} MB ${r.rss <= r.targetRss ? 'met' : 'NOT met'}`;
  if (r.rateOf !== undefined) {
    // bytes per second, as a share of collapse's on the perf script capture
    const share = (r.bytes / r.wall) / (r.rateOf.bytes / r.rateOf.wall);
    const cpuShare = (r.bytes / r.cpu) / (r.rateOf.bytes / r.rateOf.cpu);
    target = `≥ 0.5 of collapse's bytes/s on perf script: ${share.toFixed(2)} ${share >= 0.5 ? 'met' : 'NOT met'}`;
    if (!Number.isNaN(cpuShare)) target += ` (CPU ${cpuShare.toFixed(2)} ${cpuShare >= 0.5 ? 'met' : 'NOT met'})`;
    // (collapse's ratio on the capture is the collapse row's, measured beside its own split2)
    const own = r.ownRatio;
    const capture = collapse.wall / collapse.beside.wall;
    target += `; to split2 of the same file ${own.toFixed(2)}× against the capture's ${capture.toFixed(2)}×: ${(capture / own).toFixed(2)} of its speed`;
  }
  if (r.target !== undefined && !Number.isNaN(cpuRatio)) target += ` (CPU ${cpuRatio <= r.target ? 'met' : 'NOT met'})`;
  if (r.beside !== undefined) target += `; ${r.beside.name} ${r.beside.wall.toFixed(2)} s`;
  const cpu = Number.isNaN(r.cpu) ? '?' : r.cpu.toFixed(2) + ' s';
  const cpuX = Number.isNaN(cpuRatio) ? '?' : cpuRatio.toFixed(2) + '×';
  lines.push(`${pad(r.name, w)}${lpad(r.wall.toFixed(2) + ' s', 9)}${lpad((r.rss / 1024).toFixed(0) + ' MB', 10)}${lpad(ratio.toFixed(2) + '×', 8)}${lpad(cpu, 9)}${lpad(cpuX, 11)}  ${target}`);
}
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, node ${process.version}`;
process.stdout.write(
  [
    '',
    `input: ${mb(size)} of perf script, ${lineCount} lines, ${samples ?? '?'} page-fault samples; machine: ${machine}`,
    '',
    ...lines,
    '',
    `collapse: ${folded.lines} folded stacks, ${folded.total} samples; worker-thread output ${readFileSync(collapseOut, 'utf8') === readFileSync(join(out, 'collapse-threads.folded'), 'utf8') ? 'identical' : 'DIFFERENT'}`,
    `report: worker-thread output ${readFileSync(reportOut, 'utf8') === readFileSync(join(out, 'report-one.json'), 'utf8') ? 'identical' : 'DIFFERENT'} to one thread's`,
    `index: ${instructions} instructions of libc in ${indexMs} ms inside the process`,
    `html: ${(htmlSize / 1e6).toFixed(1)} MB for a ${nodes}-node tree (target ≤ 15 MB for 100k nodes) ${htmlSize <= 15e6 && nodes >= 100000 ? 'met' : 'NOT met'}`,
    `html, 100k distinct sites: ${(statSync(wideHtml).size / 1e6).toFixed(1)} MB (target ≤ 15 MB) ${statSync(wideHtml).size <= 15e6 ? 'met' : 'NOT met'}; ${wideOpen}`,
    '',
  ].join('\n'),
);
