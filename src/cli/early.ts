// The trace a report will read, told from argv before the CLI's modules (and
// commander) load, so that its worker thread starts first (main.ts). A guess
// that is never wrong in a way that matters: the pipeline takes the early
// worker only for the very path it reads, and an argv this cannot read
// (an unknown option, short flags run together) starts nothing.

/** The commands whose first trace argument is read by buildReport (diff may take JSON reports: left out). */
const COMMANDS = new Set(['report', 'sites', 'annotate']);

/** Their options that take a value (the next argument, or after `=`). */
export const VALUE_OPTIONS = new Set([
  '--objdump',
  '--buildid-list',
  '-f',
  '--format',
  '-o',
  '--output',
  '--event',
  '--comm',
  '--comms',
  '--pid',
  '--tid',
  '--dso',
  '--dsos',
  '--symbol',
  '--symbols',
  '--time',
  '--group-by',
  '--percent-limit',
  '--context',
]);

/** Their switches. */
export const SWITCHES = new Set(['--invert', '-G', '--inverted', '--strict', '-q', '--quiet', '--debug', '-h', '--help']);

/** The first trace argument of a report, sites or annotate command line; undefined when there is none or argv is not plain enough to tell. */
export function earlyTrace(argv: readonly string[]): string | undefined {
  if (!COMMANDS.has(argv[0] ?? '')) return undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1];
    if (a === '-' || !a.startsWith('-')) return a;
    const name = a.startsWith('--') ? a.split('=', 1)[0]! : a.slice(0, 2);
    if (VALUE_OPTIONS.has(name)) {
      // `--output=x` and `-ox` hold their value; `--output x` and `-o x` take the next argument
      if (name === a) i++;
    } else if (!SWITCHES.has(a)) {
      return undefined;
    }
  }
  return undefined;
}
