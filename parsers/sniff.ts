// Which text format is this? Asked with an input's first lines so the right
// parser reads it, or a wrong file is rejected in one sentence. Each format's
// own sniff (in its parser file) quotes the lines it recognises; this walks
// the lines and asks the registry's formats in order. The answer comes from
// the first decisive line; comment and blank lines decide nothing.
import { SNIFF_LINES, type Format, type FormatName } from './format.js';
import { FORMATS } from './index.js';
import { HEADERLESS_SCRIPT, isHeaderlessScript } from './perf-script-sniff.js';

/** The answer: a format, or 'unknown' with what the input looks like instead. */
export interface Sniffed {
  readonly format: FormatName | 'unknown';
  /** One short phrase for the user: `perf script output`, `looks like binary data`, … */
  readonly description: string;
}

export { SNIFF_LINES };

/** Names the format of an input from its first lines, or says what it looks like instead. */
export function sniffFormat(firstLines: readonly string[]): Sniffed {
  const found = sniffLines(firstLines);
  return found.format !== undefined ? { format: found.format.name, description: found.format.description } : { format: 'unknown', description: found.description };
}

function sniffLines(firstLines: readonly string[]): { format: Format; description?: undefined } | { format?: undefined; description: string; whole?: boolean } {
  let binary = 0;
  let text = 0;
  for (const raw of firstLines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('PERFILE')) return { description: 'looks like a perf.data file: run `perf script -i FILE > FILE.txt` and pass that' };
    if (isBinary(line)) {
      binary++;
      continue;
    }
    if (line.trim() === '' || line.startsWith('#')) continue;
    text++;
    let weak: Format | undefined;
    for (const f of FORMATS) {
      const a = f.sniff(line);
      if (a === 'yes') return { format: f };
      if (a === 'weak') weak ??= f;
    }
    if (weak !== undefined) return { format: weak };
    // (decided here: with -g a frame line after it would read as perf script whose every line is bad)
    if (isHeaderlessScript(line)) return { description: HEADERLESS_SCRIPT, whole: true };
  }
  if (binary > 0 && binary >= text) return { description: 'looks like binary data' };
  if (text === 0) return { description: 'has no lines to read yet' };
  return { description: 'no line looks like a perf script header (`comm tid time: event:`) or a perf trace event' };
}

/** The answer of `sniffFor`: a format among the candidates, a sentence saying why not, or wait for more lines. */
export type SniffAnswer<F extends Format> = { answer: 'yes'; format: F } | { answer: 'no'; reason: string } | { answer: 'need-more' };

/**
 * Which of `candidates` the input is, from its first lines: yes, no (with the
 * end of the error message), or need-more until SNIFF_LINES meaningful lines
 * or the end of the input (`final`) have been seen.
 */
export function sniffFor<F extends Format>(head: readonly string[], candidates: readonly F[], final: boolean): SniffAnswer<F> {
  const found = sniffLines(head);
  const nouns = candidates.map((f) => f.noun).join(' or ');
  if (found.format !== undefined) {
    const mine = candidates.find((f) => f === found.format);
    if (mine !== undefined) return { answer: 'yes', format: mine };
    return { answer: 'no', reason: `not ${nouns} output (it looks like ${found.format.looksLike}: ${found.format.passAs})` };
  }
  const meaningful = head.filter(isMeaningful).length;
  if (!final && meaningful < SNIFF_LINES) return { answer: 'need-more' };
  // only comments (a `perf script --header` block of an empty session): nothing to read, nothing wrong
  if (meaningful === 0 && candidates[0] !== undefined && head.some((l) => l.startsWith('#'))) return { answer: 'yes', format: candidates[0] };
  if (meaningful === 0) return { answer: 'no', reason: `no events: the file is empty or has only comment lines; expected ${nouns} output` };
  return { answer: 'no', reason: found.whole === true ? found.description : `not ${nouns} output (${found.description})` };
}

/** ` (it looks like perf script output: pass it as the trace)` when `head` is another known format or binary; else ''. */
export function looksLikeOther(head: readonly string[], expected: Format): string {
  const found = sniffLines(head);
  if (found.format !== undefined) return found.format === expected ? '' : ` (it looks like ${found.format.looksLike}: ${found.format.passAs})`;
  return found.description.startsWith('looks like') ? ` (it ${found.description})` : '';
}

/** Not blank and not a comment: a line that can decide a format. */
export function isMeaningful(line: string): boolean {
  return line.trim() !== '' && !line.startsWith('#');
}

// NUL, other C0 controls than tab, or the replacement character that invalid
// UTF-8 decodes to.
function isBinary(line: string): boolean {
  let odd = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 32 && c !== 9) || c === 0xfffd) odd++;
  }
  return odd > 0 && odd * 10 >= line.length;
}
