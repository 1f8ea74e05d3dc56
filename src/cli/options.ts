// The CLI's option groups, each defined once: the commands pick the groups
// they take, so a flag reads and parses the same way everywhere.
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { splitNames } from '../name-list.js';

/** Every option a trace-reading command may take, as commander hands them over. */
export interface TraceCliOptions {
  objdump?: string[];
  buildidList?: string[];
  format: string;
  output?: string;
  event?: string[];
  comm?: string[];
  pid?: number[];
  tid?: number[];
  dso?: string[];
  symbol?: string[];
  /** perf report's spellings of --comm, --dso, --symbol */
  comms?: string[];
  dsos?: string[];
  symbols?: string[];
  time?: string;
  strict?: boolean;
  quiet?: boolean;
}

/** --objdump and --buildid-list: the binaries' listings for the join. */
export function addListingOptions(cmd: Command, objdumpHelp = "objdump -d listing of a binary in the trace (repeatable, .gz ok); 'auto': list this machine's binaries of the trace's builds (cached)"): Command {
  return cmd
    .addOption(repeatable('--objdump <listing>', objdumpHelp, collect))
    .addOption(repeatable('--buildid-list <file>', 'perf buildid-list output for the trace: a listing of another build is not used (repeatable)', collect));
}

/** -f and -o. */
export function addOutputOptions(cmd: Command, formats: readonly string[], defaultFormat: string, formatHelp = 'output format'): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', formatHelp).choices(formats).default(defaultFormat))
    .addOption(new Option('-o, --output <file>', 'write to FILE (atomically) instead of stdout'));
}

export type Filter = 'event' | 'comm' | 'pid' | 'tid' | 'dso' | 'symbol' | 'time';

const FILTERS: Record<Filter, (help?: string) => Option> = {
  event: (help = 'count these events (default: the page-fault events; repeatable, comma lists ok)') => repeatable('--event <name>', help, collectList),
  comm: (help = 'only these commands (repeatable, comma lists ok)') => repeatable('--comm <comm>', help, collectList),
  pid: (help = 'only these processes (repeatable, comma lists ok)') => repeatable('--pid <pid>', help, collectInts),
  tid: (help = 'only these threads (repeatable, comma lists ok)') => repeatable('--tid <tid>', help, collectInts),
  dso: (help = 'only faults in these dsos, by path or basename (repeatable, comma lists ok)') => repeatable('--dso <dso>', help, collectList),
  symbol: (help = 'only faults in these functions (repeatable, comma lists ok)') => repeatable('--symbol <name>', help, collectList),
  time: (help = 'only records in this time window, seconds as perf script prints them; either side may be empty') => new Option('--time <start,end>', help),
};

/** perf report's plural spellings, accepted as aliases (hidden in help; the singular's help names them). */
const PERF_SPELLINGS: Partial<Record<Filter, string>> = { comm: '--comms <comm>', dso: '--dsos <dso>', symbol: '--symbols <name>' };

/** The record filters a command takes, in the order given; `help` rewords one where its meaning differs. */
export function addFilterOptions(cmd: Command, filters: readonly Filter[], help: Partial<Record<Filter, string>> = {}): Command {
  for (const f of filters) {
    const option = FILTERS[f](help[f]);
    const alias = PERF_SPELLINGS[f];
    if (alias !== undefined) option.description += ` (perf's ${alias.split(' ')[0]} too)`;
    cmd.addOption(option);
    if (alias !== undefined) cmd.addOption(repeatable(alias, '', collectList).hideHelp());
  }
  return cmd;
}

/** --strict, -q and --debug. `strict` and `quiet` are false for commands that read no trace lines. */
export function addDiagnosticOptions(cmd: Command, { strict = true, quiet = true } = {}): Command {
  if (strict) cmd.addOption(new Option('--strict', 'a line that fits no known shape is an error'));
  if (quiet) cmd.addOption(new Option('-q, --quiet', 'print no diagnostics on stderr'));
  return cmd.addOption(new Option('--debug', 'on an internal error (a bug), print where it happened'));
}

/** --time START,END → seconds; either side may be empty. */
export function parseTimeWindow(value: string): { start?: number; end?: number } {
  const m = /^\s*([0-9.]*)\s*,\s*([0-9.]*)\s*$/.exec(value);
  if (m === null) throw new UsageError(`--time ${value}: expected START,END in seconds (either may be empty)`);
  return { ...(m[1] ? { start: Number(m[1]) } : {}), ...(m[2] ? { end: Number(m[2]) } : {}) };
}

export function parseCountArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`expected a whole number, got '${value}'`);
  return n;
}

export function parsePercentArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`expected a percentage from 0 to 100, got '${value}'`);
  return n;
}

/** A repeatable option; undefined until given (the commands read `?? []`), so --help prints no empty default. */
export function repeatable<T>(flags: string, help: string, parse: (value: string, previous: T[] | undefined) => T[]): Option {
  return new Option(flags, help).argParser(parse);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...splitNames(value)];
}

function collectInts(value: string, previous: number[] = []): number[] {
  const out = [...previous];
  for (const part of value.split(',')) {
    const n = Number(part.trim());
    if (!Number.isInteger(n)) throw new UsageError(`expected whole numbers, got '${part}'`);
    out.push(n);
  }
  return out;
}
