/**
 * (a, b) → a number, for ids that are non-negative 32-bit integers: open addressing over typed
 * arrays, no key object or string per pair (src/aggregate.ts: the frame lost between a caller and its callee).
 */
export class IntPairs {
  /** What `get` gives for a pair not set (so not a value to set). */
  static readonly UNKNOWN = -2;
  private keys = new Int32Array(2 * 16).fill(-1);
  private values = new Int32Array(16);
  private size = 0;

  get(a: number, b: number): number {
    const { keys } = this;
    const mask = this.values.length - 1;
    for (let h = pairHash(a, b) & mask; ; h = (h + 1) & mask) {
      const k = keys[2 * h]!;
      if (k === -1) return IntPairs.UNKNOWN;
      if (k === a && keys[2 * h + 1] === b) return this.values[h]!;
    }
  }

  set(a: number, b: number, value: number): void {
    if (2 * (this.size + 1) > this.values.length) this.grow();
    const { keys } = this;
    const mask = this.values.length - 1;
    let h = pairHash(a, b) & mask;
    while (keys[2 * h] !== -1 && !(keys[2 * h] === a && keys[2 * h + 1] === b)) h = (h + 1) & mask;
    if (keys[2 * h] === -1) this.size++;
    keys[2 * h] = a;
    keys[2 * h + 1] = b;
    this.values[h] = value;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Int32Array(4 * values.length).fill(-1);
    this.values = new Int32Array(2 * values.length);
    this.size = 0;
    for (let h = 0; h < values.length; h++) if (keys[2 * h] !== -1) this.set(keys[2 * h]!, keys[2 * h + 1]!, values[h]!);
  }
}

function pairHash(a: number, b: number): number {
  return Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
}
