// The report's inputs once capture folders and `--objdump auto` are known: a
// capture folder stands for its trace, its buildid list and its listings; a
// dso it has no listing for, and every dso of a plain trace under
// `--objdump auto`, gets one from this machine when a binary of the same
// build is here. A plain trace needs neither the scan nor the search: their
// modules (and node:child_process, node:crypto) load only for a capture's
// unlisted dsos or `auto` (report -f json's start-up: ~15 ms less CPU).
import { UsageError } from '../errors.js';
import type { FindOptions } from './auto.js';
import { isCaptureDir, readCapture } from './capture.js';

export const AUTO = 'auto';

export interface ResolvedInputs {
  traces: string[];
  objdump: string[];
  buildIdLists: string[];
}

/** Expands capture folders and `auto` among the listings; `say` gets one sentence per dso left without a listing. */
export async function resolveInputs(
  inputs: { traces: readonly string[]; objdump: readonly string[]; buildIdLists: readonly string[] },
  say: (line: string) => void,
  options: FindOptions = {},
): Promise<ResolvedInputs> {
  const auto = inputs.objdump.includes(AUTO);
  const traces: string[] = [];
  const objdump = inputs.objdump.filter((o) => o !== AUTO);
  const buildIdLists = [...inputs.buildIdLists];
  const toScan: string[] = [];
  const onlyDsos = new Set<string>();
  let everyDso = false;
  const sizes = new Map<string, number>();
  const ids = new Map<string, string>();
  for (const t of inputs.traces) {
    if (t !== '-' && (await isCaptureDir(t))) {
      const capture = await readCapture(t);
      traces.push(capture.trace);
      objdump.push(...capture.listings);
      buildIdLists.push(...capture.buildIdLists);
      for (const d of capture.manifest.dsos) {
        if (d.size !== undefined) sizes.set(d.path, d.size);
        if (d.buildId !== undefined) ids.set(d.path, d.buildId);
      }
      if (capture.unlisted.length > 0) {
        toScan.push(capture.trace);
        for (const d of capture.unlisted) onlyDsos.add(d.path);
      }
      continue;
    }
    traces.push(t);
    if (auto) {
      if (t === '-') throw new UsageError('--objdump auto reads the trace twice (to know which binaries to list): give a file, not stdin');
      toScan.push(t);
      everyDso = true;
    }
  }
  if (toScan.length > 0) {
    const { scanTraces } = await import('./listings.js');
    const needs = await scanTraces(toScan);
    const wanted = [...needs.values()].filter((n) => everyDso || onlyDsos.has(n.dso));
    for (const n of wanted) n.buildId ??= ids.get(n.dso);
    if (wanted.length > 0) {
      const { findListings } = await import('./auto.js');
      const found = await findListings(wanted, { ...options, sizes });
      objdump.push(...found.listings);
      for (const m of found.missing) say(`no listing: ${m}`);
    }
  }
  return { traces, objdump, buildIdLists };
}
