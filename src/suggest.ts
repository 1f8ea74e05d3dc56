// A filter that matches nothing is answered with what is there and the
// closest names ("did you mean page-faults?"), as git and cargo answer typos.

/** The names closest to `value` by edit distance (case-insensitive, `_`/`-` alike), best first; none when nothing is close. */
export function closestNames(value: string, names: Iterable<string>, max = 3): string[] {
  const want = fold(value);
  const scored: [name: string, score: number][] = [];
  for (const name of names) {
    const have = fold(name);
    const limit = Math.max(2, Math.floor(want.length / 3));
    // a path is also compared by its last part, and then suggested by it: `guard` for `gaurd` among `/tmp/guard`
    const slash = name.lastIndexOf('/');
    const whole = distance(want, have, limit);
    const last = slash >= 0 ? distance(want, have.slice(slash + 1), limit) : limit + 1;
    let d = Math.min(whole, last);
    // `page` for `page-faults`: a part of the name counts as close
    if (d > limit && want.length >= 3 && have.includes(want)) d = limit;
    if (d <= limit) scored.push([last < whole ? name.slice(slash + 1) : name, d]);
  }
  const best = scored.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([n]) => n);
  return [...new Set(best)].slice(0, max);
}

export interface UnmatchedFilter {
  /** The option as typed: `--event`. */
  option: string;
  value: string;
  /** What the trace has for this filter, with counts, most first. */
  present: ReadonlyMap<string, number>;
  /** What `present` is, in words: `events`, `commands among the page-fault records`. */
  what: string;
  /** Offer the closest names (not for numbers). Default true. */
  suggest?: boolean;
  /** Names to suggest from, when more than `present` (a listing's functions). Default: `present`'s. */
  candidates?: Iterable<string>;
}

/** One sentence per filter: what was asked, what is there, and the closest names. */
export function describeUnmatched(u: UnmatchedFilter, where = 'in the trace', shown = 12): string {
  const entries = [...u.present].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const listed = entries.slice(0, shown).map(([n, c]) => `${n} (${c})`).join(', ');
  const more = entries.length > shown ? `, … ${entries.length - shown} more` : '';
  const there = entries.length === 0 ? `the trace has no ${u.what}` : `${u.what}: ${listed}${more}`;
  const close = u.suggest === false ? [] : closestNames(u.value, new Set(u.candidates ?? u.present.keys()));
  return `${u.option} ${u.value} matches nothing ${where} (${there})${close.length > 0 ? `; did you mean ${close.join(' or ')}?` : ''}`;
}

function fold(s: string): string {
  return s.toLowerCase().replaceAll('_', '-');
}

/** Levenshtein distance, or limit+1 once it is sure to exceed `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}
