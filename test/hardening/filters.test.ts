// A filter that matches nothing in the trace is a typo until shown otherwise:
// exit 1 with what the trace has and the closest names, not an empty report
// and exit 0 as if the program never faulted.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { closestNames } from '../../src/suggest.js';
import { expectNoStack, runCli } from './helpers.js';

const SMALL = 'samples/odd/guard-c4.perf-script.txt';
const MAPPING = 'samples/protection/mapping.perf-script.txt';

describe('a filter that matches nothing', () => {
  const cases: [argv: string[], says: RegExp][] = [
    [['report', SMALL, '--event', 'page_faults'], /--event page_faults matches nothing in the trace \(events in the trace: page-faults \(34\)\); did you mean page-faults\?/],
    [['report', SMALL, '--dso', 'gaurd'], /--dso gaurd matches nothing .*\/guard \(16\).*; did you mean guard\?/],
    [['report', SMALL, '--comm', 'nosuch'], /--comm nosuch matches nothing in the trace \(commands among the page-fault records: guard \(34\)\)$/m],
    [['report', SMALL, '--comm', 'gaurd'], /did you mean guard\?/],
    [['report', SMALL, '--symbol', 'write_feild'], /--symbol write_feild matches nothing .*; did you mean write_field\?/],
    [['report', SMALL, '--pid', '1'], /--pid 1 matches nothing .*processes among the page-fault records: 5776 \(34\)/],
    [['report', SMALL, '--tid', '1'], /--tid 1 matches nothing/],
    [['report', SMALL, '--time', '1,2'], /--time 1,2 matches nothing in the trace \(the page-fault records span 12450\.375170 to 12450\.382282 s\)/],
    [['sites', MAPPING, '--event', 'page-fault'], /did you mean .*page-faults/],
    [['annotate', SMALL, '--comm', 'nosuch'], /--comm nosuch matches nothing/],
    [['annotate', SMALL, '--objdump', 'samples/odd/guard.objdump-dl.txt', '--symbol', 'write_feild'], /--symbol write_feild matches nothing in the trace or the listings \(faulting functions: write_field \(64\).*; did you mean write_field\?/],
    [['collapse', SMALL, '--event-filter', 'nope'], /--event-filter nope matches nothing in the trace \(events in the trace: page-faults \(34\)\)/],
    [['collapse', SMALL, '--event-filter', 'page-fault'], /did you mean page-faults\?/],
  ];
  for (const [argv, says] of cases) {
    it(argv.slice(0, 1).concat(argv.slice(2)).join(' '), async () => {
      const r = await runCli([...argv, '-q']);
      expectNoStack(r.err);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(says);
      expect(r.out).toBe('');
    });
  }

  it('every filter that matches nothing is named, each on its own line', async () => {
    const r = await runCli(['report', SMALL, '--comm', 'x', '--dso', 'y']);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toEqual([expect.stringMatching(/^faultpath: --comm x/), expect.stringMatching(/^faultpath: --dso y/)]);
  });

  it('filters that match keep working, by path or basename, and a kept-nothing combination is no error', async () => {
    for (const argv of [
      ['--event', 'page-faults'],
      ['--dso', 'guard'],
      ['--dso', 'libc.so.6'],
      ['--comm', 'guard'],
      ['--symbol', 'write_field'],
      ['--pid', '5776'],
      ['--time', '12450.38,'],
      // each value is in the trace; together they keep nothing: the report says so, exit 0
      ['--symbol', 'write_field', '--dso', 'libc.so.6'],
    ]) {
      const r = await runCli(['report', SMALL, ...argv, '-q']);
      expect(r.code, argv.join(' ')).toBe(0);
    }
    expect((await runCli(['collapse', SMALL, '--event-filter', 'page-faults'])).code).toBe(0);
  });

  it('diff takes a command found in one capture only (that is what a diff shows)', async () => {
    const r = await runCli(['diff', SMALL, MAPPING, '--comm', 'mapping', '-q']);
    expect(r.code).toBe(0);
  });

  it('the library builds the empty report unless asked', async () => {
    const r = await buildReport({ traces: [SMALL], comms: ['nosuch'] });
    expect(r.tree.value).toBe(0);
    await expect(buildReport({ traces: [SMALL], comms: ['nosuch'], unmatchedFilters: 'error' })).rejects.toThrow(/--comm nosuch matches nothing/);
  });

  it('closest names: typos, case, _ for -, a part of the name, a path by its last part', () => {
    const events = ['page-faults', 'exceptions:page_fault_user', 'syscalls:sys_enter_mprotect', 'minor-faults'];
    expect(closestNames('page_faults', events)).toEqual(['page-faults']);
    expect(closestNames('Page-Faults', events)).toEqual(['page-faults']);
    expect(closestNames('mprotect', events)).toEqual(['syscalls:sys_enter_mprotect']);
    expect(closestNames('gaurd', ['/tmp/guard', '/usr/lib/libc.so.6'])).toEqual(['guard']);
    expect(closestNames('zzzz', events)).toEqual([]);
  });
});
