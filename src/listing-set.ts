// The listings given, by dso: which listing serves which dso, and which
// listings serve none.
//
// A listing of another build (or of another program under the same name) must
// not lend its instructions to the trace. It is not used for a dso when the
// build ids differ (a `.note.gnu.build-id` dump in front of the listing against
// perf buildid-list or MMAP2 build ids); FrameResolver (src/join.ts) also
// refuses it when the trace's own frames disagree with it.
import type { Instruction } from './model.js';
import { basename, cmp, isJitDso } from './dso.js';

/** What the join needs of an objdump index (src/disasm-index.ts provides it). */
export interface Listing {
  readonly path: string;
  /** The binary's GNU build id, when the listing carries it. */
  readonly buildId?: string | undefined;
  instructionAt(address: number): Instruction | undefined;
  lookup(address: number): { function: string; functionAddress: number; instruction?: Instruction; boundary: boolean } | undefined;
  functionsNamed(name: string): { name: string; address: number; end: number }[];
  instructionBefore(address: number): Instruction | undefined;
  functionInstructions(functionAddress: number): Instruction[];
  around(address: number, before: number, after: number): Instruction[];
  functions(): { name: string; address: number; end: number }[];
}

/**
 * Listings by dso: the listing with the dso's build id when both are known,
 * else by exact path, file name, then soname (a listing of `libstdc++.so.6`,
 * the link, for perf's `libstdc++.so.6.0.30`, the file it resolves to). A
 * listing whose build id differs from the one the trace gives for the dso is
 * not used for it.
 */
export class ListingSet {
  private readonly byPath = new Map<string, Listing>();
  private readonly byBase = new Map<string, Listing[]>();
  private readonly matched = new Set<Listing>();
  // null: no listing (one lookup a frame, not has + get)
  private readonly cache = new Map<string, Listing | null>();
  private readonly traced = new Map<string, string>();
  /** dso → why its listing is not used (the build ids differ). */
  readonly refused = new Map<string, string>();

  /** `buildIds`: the trace's build id of each dso, by perf's path (perf buildid-list). */
  constructor(readonly listings: readonly Listing[], buildIds: Iterable<readonly [string, string]> = []) {
    for (const [dso, id] of buildIds) this.traced.set(dso, id.toLowerCase());
    for (const l of listings) {
      this.byPath.set(l.path, l);
      const base = basename(l.path);
      const list = this.byBase.get(base) ?? [];
      list.push(l);
      this.byBase.set(base, list);
    }
  }

  /** The trace's build id of a dso, as a PERF_RECORD_MMAP2 of `perf record --buildid-mmap` gives it. */
  noteBuildId(dso: string, buildId: string): void {
    const id = buildId.toLowerCase();
    if (this.traced.get(dso) === id) return;
    this.traced.set(dso, id);
    this.cache.clear();
    this.refused.clear();
  }

  /** Whether the trace and the listing give the same build id for a dso; undefined when either is unknown. */
  sameBuild(dso: string, listing: Listing): boolean | undefined {
    const clean = dso.endsWith(' (deleted)') ? dso.slice(0, -10) : dso;
    const traced = this.traced.get(dso) ?? this.traced.get(clean);
    if (traced === undefined || listing.buildId === undefined) return undefined;
    return sameBuildId(listing.buildId, traced);
  }

  forDso(dso: string): Listing | undefined {
    const known = this.cache.get(dso);
    if (known !== undefined) return known ?? undefined;
    const traced = this.tracedId(dso);
    let found = this.match(dso, traced);
    if (found !== undefined) this.matched.add(found);
    if (found?.buildId !== undefined && traced !== undefined && !sameBuildId(found.buildId, traced)) {
      this.refused.set(dso, `listing ${found.path} is another build than ${dso}: build id ${found.buildId} in the listing, ${traced} in the trace`);
      found = undefined;
    }
    this.cache.set(dso, found ?? null);
    return found;
  }

  /** `forDso`'s answer as the build ids known so far give it, leaving no trace (no listing counted as matched, nothing kept): for reading ahead. */
  peek(dso: string): Listing | undefined {
    const known = this.cache.get(dso);
    if (known !== undefined) return known ?? undefined;
    const traced = this.tracedId(dso);
    const found = this.match(dso, traced);
    return found?.buildId !== undefined && traced !== undefined && !sameBuildId(found.buildId, traced) ? undefined : found;
  }

  private tracedId(dso: string): string | undefined {
    return this.traced.get(dso) ?? (dso.endsWith(' (deleted)') ? this.traced.get(dso.slice(0, -10)) : undefined);
  }

  // The listing of a dso: by build id, path, file name, then soname.
  private match(dso: string, traced: string | undefined): Listing | undefined {
    let found = traced === undefined ? undefined : this.listings.find((l) => l.buildId !== undefined && sameBuildId(l.buildId, traced));
    found ??= this.byPath.get(dso);
    if (found === undefined && dso !== '' && !dso.startsWith('[')) {
      const base = basename(dso.endsWith(' (deleted)') ? dso.slice(0, -10) : dso);
      const candidates = this.byBase.get(base) ?? [];
      if (candidates.length === 1) found = candidates[0];
      else if (candidates.length === 0) {
        const bySoname = this.listings.filter((l) => sameSoname(basename(l.path), base));
        if (bySoname.length === 1) found = bySoname[0];
      }
    }
    return found;
  }

  /** Listings no dso of `dsos` matched (by build id, path, file name or soname), each with the dsos whose file names are closest to its binary's. */
  unmatched(dsos: Iterable<string>): { listing: Listing; closest: string[] }[] {
    const candidates = new Set<string>();
    for (const d of dsos) {
      if (d === '' || d.startsWith('[') || d === 'inlined' || isJitDso(d)) continue;
      this.forDso(d);
      candidates.add(d);
    }
    const out: { listing: Listing; closest: string[] }[] = [];
    for (const l of this.listings) {
      if (this.matched.has(l)) continue;
      const base = basename(l.path);
      const closest = [...candidates]
        .map((d) => ({ d, shared: commonPrefix(basename(d), base), apart: Math.abs(basename(d).length - base.length) }))
        .sort((a, b) => b.shared - a.shared || a.apart - b.apart || cmp(a.d, b.d))
        .slice(0, 3)
        .map((x) => x.d);
      out.push({ listing: l, closest });
    }
    return out;
  }
}

/** `libstdc++.so.6` and `libstdc++.so.6.0.30`: one is the other with more version numbers (a soname link and the file it names). */
export function sameSoname(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return /\.so(?:\.\d+)*$/.test(short) && long.startsWith(short) && /^(?:\.\d+)+$/.test(long.slice(short.length));
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Two build ids name the same build: equal, or equal up to the zero padding to 20 bytes that some perf versions add. */
export function sameBuildId(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  return long.startsWith(short) && /^0+$/.test(long.slice(short.length));
}

