// `--objdump auto`: for each dso a trace needs, the binary on this machine
// with the same build id (at perf's path, or in perf's build-id cache
// ~/.debug/.build-id/xx/rest/elf), or — when the trace gives no build id — the
// file at perf's path (of the recorded size, when a capture says it); its
// listing is made once and cached by build id.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sameBuildId } from '../listing-set.js';
import { readElf, type ElfInfo } from './elf.js';
import { neededRanges, writeListing, type DsoNeed } from './listings.js';

export interface FoundListings {
  /** Listing files to pass to the report, one per build. */
  listings: string[];
  /** One sentence per dso that has no usable binary here. */
  missing: string[];
}

export interface FindOptions {
  /** Where listings are kept, by build id. Default $XDG_CACHE_HOME/faultpath/listings (~/.cache/…). */
  cacheDir?: string;
  /** File sizes a capture recorded, by dso path: without a build id, a file of another size is another binary. */
  sizes?: ReadonlyMap<string, number>;
  objdump?: string;
}

export function defaultCacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'faultpath', 'listings');
}

/** Where a binary with this build id may be besides perf's path: perf's own build-id cache. */
function buildIdCandidates(buildId: string): string[] {
  const home = process.env['PERF_BUILDID_DIR'] || join(homedir(), '.debug');
  return [join(home, '.build-id', buildId.slice(0, 2), buildId.slice(2), 'elf')];
}

/** A binary on this machine for the dso, or why there is none. */
export async function findBinary(need: DsoNeed, size?: number): Promise<{ path: string; elf: ElfInfo } | { why: string }> {
  const elf = await readElf(need.dso);
  if (need.buildId === undefined) {
    if (elf === undefined) return { why: `${need.dso} is not on this machine (or is not an ELF file) and the trace gives no build id to look it up by` };
    if (size !== undefined) {
      const here = (await stat(need.dso)).size;
      if (here !== size) return { why: `${need.dso} here is ${here} bytes, the recorded one ${size}: another build` };
    }
    return { path: need.dso, elf };
  }
  if (elf?.buildId !== undefined && sameBuildId(elf.buildId, need.buildId)) return { path: need.dso, elf };
  for (const path of buildIdCandidates(need.buildId)) {
    const other = await readElf(path);
    if (other?.buildId !== undefined && sameBuildId(other.buildId, need.buildId)) return { path, elf: other };
  }
  if (elf === undefined) return { why: `no binary with build id ${need.buildId} here (${need.dso} is missing; perf archive on the recording machine carries it)` };
  return { why: `${need.dso} here is another build (build id ${elf.buildId ?? 'none'}, the trace's ${need.buildId})` };
}

interface CacheEntry {
  path: string;
  ranges: Array<[number, number]> | 'all';
}

/** Listings for every needed dso that has a binary here, from the cache or made now. */
export async function findListings(needs: Iterable<DsoNeed>, options: FindOptions = {}): Promise<FoundListings> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const listings = new Set<string>();
  const missing: string[] = [];
  for (const need of needs) {
    const found = await findBinary(need, options.sizes?.get(need.dso));
    if ('why' in found) {
      missing.push(found.why);
      continue;
    }
    const ranges = neededRanges(need, found.elf);
    const key = found.elf.buildId ?? (await fileKey(found.path));
    const listing = join(cacheDir, `${key}.objdump-dl.txt.gz`);
    const entryPath = join(cacheDir, `${key}.json`);
    const cached = await readEntry(entryPath);
    if (cached === undefined || !covers(cached.ranges, ranges)) {
      const union = cached === undefined ? ranges : unite(cached.ranges, ranges);
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${listing}.${process.pid}.tmp`;
      try {
        await writeListing(found.path, found.elf, union, tmp, { ...(options.objdump !== undefined ? { objdump: options.objdump } : {}), name: need.dso });
        await rename(tmp, listing);
      } catch (e) {
        await rm(tmp, { force: true });
        missing.push(`${need.dso}: objdump failed (${e instanceof Error ? e.message : String(e)})`);
        continue;
      }
      await writeFile(entryPath, JSON.stringify({ path: need.dso, ranges: union } satisfies CacheEntry) + '\n');
    }
    listings.add(listing);
  }
  return { listings: [...listings], missing };
}

async function fileKey(path: string): Promise<string> {
  const s = await stat(path);
  return 'nobuildid-' + createHash('sha1').update(`${path}\0${s.size}\0${s.mtimeMs}`).digest('hex').slice(0, 16);
}

async function readEntry(path: string): Promise<CacheEntry | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
}

function covers(have: CacheEntry['ranges'], want: CacheEntry['ranges']): boolean {
  if (have === 'all') return true;
  if (want === 'all') return false;
  return want.every(([s, e]) => have.some(([hs, he]) => hs <= s && e <= he));
}

function unite(a: CacheEntry['ranges'], b: CacheEntry['ranges']): CacheEntry['ranges'] {
  if (a === 'all' || b === 'all') return 'all';
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
