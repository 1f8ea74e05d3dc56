// What the page's JSON writer (page.ts) takes besides plain values (pack-page.ts
// makes them), apart from page.ts, which needs Node's crypto.

// small enough that a chunk's copy and its text stay out of V8's large-object space
export const CHUNK = 4096;

/** A value jsonForScriptPieces writes as the JSON text `pieces` gives, made only as it is written (JSON.stringify knows nothing of it). */
export class JsonPieces {
  constructor(readonly pieces: () => Iterable<string>) {}
}

/** A value page.ts writes as the JSON array of the numbers `chunks` gives, in order, made only as it is written; a chunk is written before the next is asked for (so one array may be refilled). */
export class JsonNumbers {
  constructor(readonly chunks: () => Iterable<ArrayLike<number>>) {}
}

/** An array's JSON text from its values in chunks of CHUNK: '[', the chunks' texts, ']'. A chunk is written before the next is asked for (so one array may be refilled). */
export function* arrayPieces(chunks: Iterable<readonly unknown[]>): Generator<string> {
  yield '[';
  let first = true;
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    yield (first ? '' : ',') + JSON.stringify(chunk).slice(1, -1);
    first = false;
  }
  yield ']';
}

// a typed column's integers, copied into this array, are written by JSON.stringify's
// fast path for small integers (an Array.from of each subarray took twice as long)
const ints: number[] = [];

/** JSON.stringify([...values.subarray(from, to)]) without its brackets. */
export function valuesText(values: Int32Array | Float64Array, from: number, to: number): string {
  ints.length = 0;
  for (let k = from; k < to; k++) {
    const v = values[k]!;
    const i = v | 0;
    // -0 passes as 0: both are written "0"
    if (i !== v) return JSON.stringify(Array.prototype.slice.call(values, from, to)).slice(1, -1);
    ints.push(i);
  }
  return JSON.stringify(ints).slice(1, -1);
}
