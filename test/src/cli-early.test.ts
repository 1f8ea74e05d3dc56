// The report's worker starts before the CLI's modules load, from the trace
// argv names (src/cli/early.ts): the first trace of report, sites and
// annotate, found without commander, and nothing when argv is not plain
// enough to tell. The option lists it reads argv with are commander's.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { earlyTrace, SWITCHES, VALUE_OPTIONS } from '../../src/cli/early.js';
import { cliProgram } from '../../src/cli/program.js';

describe('earlyTrace', () => {
  it('finds the first trace of report, sites and annotate past the options and their values', () => {
    expect(earlyTrace(['report', 'big.txt'])).toBe('big.txt');
    expect(earlyTrace(['report', '-q', '-f', 'json', '--objdump', 'a.objdump', '--objdump', 'b.objdump', 'big.txt', '-o', 'out.json'])).toBe('big.txt');
    expect(earlyTrace(['sites', '--time=1,2', '-fjson', '-oout.json', '--strict', 'big.txt', 'second.txt'])).toBe('big.txt');
    expect(earlyTrace(['annotate', '--symbol', 'main', '--context', '3', 'big.txt'])).toBe('big.txt');
    expect(earlyTrace(['report', '--invert', '--group-by', 'site', '--percent-limit', '5', '--', '-odd-name.txt'])).toBe('-odd-name.txt');
    expect(earlyTrace(['report', '-'])).toBe('-');
  });

  it('tells nothing for other commands, no trace, or an argv it cannot read', () => {
    expect(earlyTrace(['collapse', 'big.txt'])).toBeUndefined();
    expect(earlyTrace(['diff', 'before.json', 'after.txt'])).toBeUndefined();
    expect(earlyTrace(['--debug', 'report', 'big.txt'])).toBeUndefined();
    expect(earlyTrace(['report', '--objdump'])).toBeUndefined();
    expect(earlyTrace(['report', '-qo', 'out.json', 'big.txt'])).toBeUndefined();
    expect(earlyTrace(['report', '--no-such-option', 'x', 'big.txt'])).toBeUndefined();
    expect(earlyTrace([])).toBeUndefined();
  });

  it("knows every option of report, sites and annotate as commander defines it: a value or a switch", () => {
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const program = cliProgram({ stdout: sink, stderr: sink }, () => undefined);
    for (const name of ['report', 'sites', 'annotate']) {
      const command = program.commands.find((c) => c.name() === name)!;
      const options = [...command.options, command.createHelp().visibleOptions(command).find((o) => o.long === '--help')!];
      for (const o of options) {
        const known = o.required || o.optional ? VALUE_OPTIONS : SWITCHES;
        for (const flag of [o.long, o.short]) if (flag !== undefined) expect(known.has(flag), `${name} ${flag}`).toBe(true);
      }
    }
  });
});
