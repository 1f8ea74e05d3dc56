// `faultpath record`: the CLI side (options → RecordOptions, messages on stderr, the program's exit status as ours).
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import type { CliIo } from './io.js';

interface RecordCliOptions {
  output: string;
  callGraph: 'fp' | 'dwarf';
  pid?: string;
  duration?: string;
  quiet?: boolean;
}

export function addRecordCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('record')
    .description('run a program under perf with the events the analysis reads; write trace, build ids and listings into one folder')
    .usage('[options] -- COMMAND [ARGS...]  |  record -p PID [--duration S]')
    .argument('[command...]', 'the program to run and its arguments (after --)')
    .option('-o, --output <dir>', 'the capture folder (an earlier capture there moves to DIR.old)', 'faultpath-capture')
    .addOption(new Option('--call-graph <mode>', 'how perf unwinds: frame pointers, or DWARF (sees through code built without frame pointers; bigger capture)').choices(['fp', 'dwarf']).default('fp'))
    .option('-p, --pid <pids>', 'record these running processes (comma list) instead of starting one')
    .option('--duration <seconds>', 'with -p: stop after this many seconds (default: at Ctrl-C)')
    .option('-q, --quiet', "print no messages of faultpath's own on stderr")
    .passThroughOptions()
    .action(async (command: string[], o: RecordCliOptions) => {
      const pids = o.pid === undefined ? [] : o.pid.split(',').map((p) => Number(p.trim()));
      if (pids.some((p) => !Number.isInteger(p) || p <= 0)) throw new UsageError(`-p ${o.pid}: expected process ids, comma separated`);
      if (pids.length === 0 && command.length === 0) throw new UsageError('record: give the program to run after --, or -p PID');
      if (pids.length > 0 && command.length > 0) throw new UsageError('record: give either a program to run or -p PID, not both');
      const duration = o.duration === undefined ? undefined : Number(o.duration);
      if (duration !== undefined && (!Number.isFinite(duration) || duration <= 0)) throw new UsageError(`--duration ${o.duration}: expected seconds`);
      if (duration !== undefined && pids.length === 0) throw new UsageError('--duration goes with -p: a program started by record runs to its end');
      // loaded here: the other commands start without the recorder (and the report modules it needs)
      const { record } = await import('../record/record.js');
      const result = await record({
        command,
        pids,
        ...(duration !== undefined ? { durationSeconds: duration } : {}),
        output: o.output,
        callGraph: o.callGraph,
        version: version(),
        say: (line) => {
          if (o.quiet !== true) io.stderr.write(`faultpath: ${line}\n`);
        },
      });
      setExit(result.exitCode);
    });
}
