// perf report --stdio output as the capture scripts keep it (samples/agree, samples/go):
// `--sort dso,sym -g none -n` tables, then `--sort sym -g folded,0,caller,count` chains.

/** perf report's samples per `dso symbol` of one event, user space only; perf's `0x…` for a symbol it could not name is perf script's `[unknown]`. */
export function perfSymbols(text: string, event: string): Map<string, number> {
  const table = text.slice(0, text.indexOf('-g folded'));
  const out = new Map<string, number>();
  for (const line of table.slice(table.indexOf(`of event '${event}'`)).split('\n').slice(1)) {
    if (line.startsWith('# Samples:')) break;
    const m = /^\s+[\d.]+%\s+(\d+)\s+(\S+)\s+\[\.\] (.+?)\s*$/.exec(line);
    if (m === null) continue;
    const key = `${m[2]} ${/^0x[0-9a-f]{16}$/.test(m[3]!) ? '[unknown]' : m[3]}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[1]));
  }
  return out;
}

/** perf report's folded chains (`N a;b;c`, outermost first) of one event. */
export function perfChains(text: string, event: string): [number, string[]][] {
  const folded = text.slice(text.indexOf('-g folded'));
  const out: [number, string[]][] = [];
  for (const line of folded.slice(folded.indexOf(`of event '${event}'`)).split('\n').slice(1)) {
    if (line.startsWith('# Samples:')) break;
    const m = /^(\d+) (.*)$/.exec(line);
    if (m !== null) out.push([Number(m[1]), m[2]!.split(';')]);
  }
  return out;
}

/** perf report's folded chains (`--sort sym`) of one event by entry: the symbol (`[.]` user, `[k]` kernel; `[unknown]` as in perfSymbols) and its samples' chains, outermost first. */
export function perfFolded(text: string, event: string): { symbol: string; kernel: boolean; chains: [number, string][] }[] {
  const folded = text.slice(text.indexOf('-g folded'));
  const out: { symbol: string; kernel: boolean; chains: [number, string][] }[] = [];
  for (const line of folded.slice(folded.indexOf(`of event '${event}'`)).split('\n').slice(1)) {
    if (line.startsWith('# Samples:')) break;
    const entry = /^\s+[\d.]+%\s+\[(.)\] (.+?)\s*$/.exec(line);
    if (entry !== null) out.push({ symbol: /^0x[0-9a-f]{16}$/.test(entry[2]!) ? '[unknown]' : entry[2]!, kernel: entry[1] === 'k', chains: [] });
    const m = /^(\d+) (.*)$/.exec(line);
    if (m !== null) out[out.length - 1]!.chains.push([Number(m[1]), m[2]!]);
  }
  return out;
}
