// The CLI keeps V8's young generation at its first size (threads.ts,
// keepYoungSmall), and V8 puts the growth factor back when a worker's isolate
// is made: keepYoungSmallPast sets it again once the worker runs. Built
// modules, in a process of their own (the flag is the process's).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const threads = pathToFileURL(join(import.meta.dirname, '../../dist/src/threads.js')).href;

// The new space's size after a worker thread ran and 3M objects were kept (what survives scavenges grows it).
function newSpaceAfterWorker(past: boolean): number {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { getHeapSpaceStatistics } from 'node:v8';
    const { keepYoungSmall, keepYoungSmallPast } = await import(${JSON.stringify(threads)});
    keepYoungSmall();
    const w = new Worker('', { eval: true });
    if (${past}) keepYoungSmallPast(w);
    await new Promise((r) => w.once('exit', r));
    const keep = [];
    for (let i = 0; i < 3e6; i++) keep.push({ i });
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return Number(r.stdout);
}

describe('the young generation past a worker thread', () => {
  it('stays at its first size (1 MiB semi-spaces) where, left to V8, it grows to 16', () => {
    const small = newSpaceAfterWorker(true);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThanOrEqual(2 << 20);
    expect(newSpaceAfterWorker(false)).toBeGreaterThan(8 * small);
  }, 30_000);
});
