// A process as its pid and its life in one number: a pid given again after
// its process exited (PERF_RECORD_EXIT, then a PERF_RECORD_FORK of the same
// pid) is another process, life 1, 2… (ThreadOwners.life). Life 0 keys are
// the pids themselves.
const LIFE = 2 ** 32;

/** The key of the `life`th process (0: the first the trace saw) that had `pid`. */
export const lifeKey = (pid: number, life: number): number => (life === 0 ? pid : pid + life * LIFE);

/** A key's life (0 for the pid's first process). */
export const lifeOfKey = (key: number): number => (key < LIFE ? 0 : Math.floor(key / LIFE));

/** A key's pid. */
export const pidOfKey = (key: number): number => key - lifeOfKey(key) * LIFE;

/** `1st`, `2nd`, `3rd`, `4th`… `11th`, `21st`. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** `pid 4242`; `pid 4242 (2nd process)` where the trace saw the pid given to more than one process (`life` present). */
export const pidLabel = (pid: number, life: number | undefined): string => (life === undefined ? `pid ${pid}` : `pid ${pid} (${ordinal(life)} process)`);
