// ELF note bytes as `objdump -s -j .note.gnu.build-id` dumps them.

export const BUILD_ID_SECTION = '.note.gnu.build-id';

/**
 * One section's `-s` dump, read row by row; the build id when it is the
 * build-id note. objdump -s prints a section's contents, 16 bytes a row,
 * before any disassembly (binutils objdump.c dump_section; llvm-objdump prints
 * the same rows); samples/mismatch/guard.buildid.objdump-dl.txt:
 *   Contents of section .note.gnu.build-id:
 *    0358 04000000 14000000 03000000 474e5500  ............GNU.
 *    0368 90c00d71 d970b9cc 31e9a04d 89adf13d  ...q.p..1..M...=
 *    0378 0af44146                             ..AF
 * Other sections' rows are known lines, and skipped.
 */
export class SectionDump {
  private hex = '';

  /** `line`: the `Contents of section` line's number. */
  constructor(
    readonly section: string,
    readonly line: number,
  ) {}

  /** Takes one row (see readDumpRow); false when the line is not one: the dump has ended. */
  row(text: string): boolean {
    const digits = readDumpRow(text);
    if (digits === undefined) return false;
    if (this.section === BUILD_ID_SECTION) this.hex += digits;
    return true;
  }

  /** The GNU build id of a build-id note dump, null when the note holds none; undefined for any other section. */
  buildId(): string | null | undefined {
    if (this.section !== BUILD_ID_SECTION) return undefined;
    return gnuBuildId(this.hex) ?? null;
  }
}

// The build id in the bytes of a note section (hex): ELF notes are namesz,
// descsz, type (4 bytes each, in the target's byte order), the name padded to
// 4 bytes, the descriptor padded to 4. The GNU build id is type 3, name "GNU".
export function gnuBuildId(hex: string): string | undefined {
  const bytes = hex.length / 2;
  for (const little of [true, false]) {
    const word = (at: number): number => {
      let v = 0;
      for (let k = 0; k < 4; k++) v = v * 256 + parseInt(hex.slice(2 * (at + (little ? 3 - k : k)), 2 * (at + (little ? 3 - k : k)) + 2), 16);
      return v;
    };
    let at = 0;
    while (at + 12 <= bytes) {
      const namesz = word(at);
      const descsz = word(at + 4);
      const type = word(at + 8);
      const desc = at + 12 + align4(namesz);
      if (desc + descsz > bytes) break;
      if (type === 3 && namesz === 4 && hex.slice(2 * (at + 12), 2 * (at + 16)) === '474e5500') return hex.slice(2 * desc, 2 * (desc + descsz));
      at = desc + align4(descsz);
    }
  }
  return undefined;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

// One row of `objdump -s`: ` ADDR ` then 36 columns of hex (4 groups of 8
// digits, blank-padded in the last row), a blank and the bytes as text.
// Returns the row's hex digits, or undefined when the line is not a row.
export function readDumpRow(text: string): string | undefined {
  if (text.charCodeAt(0) !== 32) return undefined;
  let i = 1;
  while (i < text.length && isHex(text.charCodeAt(i))) i++;
  if (i === 1 || text.charCodeAt(i) !== 32) return undefined;
  const hex = text.slice(i + 1, i + 37);
  let digits = '';
  for (let k = 0; k < hex.length; k++) {
    const c = hex.charCodeAt(k);
    if (c === 32) continue;
    if (!isHex(c)) return undefined;
    digits += hex[k];
  }
  return digits.length % 2 === 0 ? digits : undefined;
}

// objdump prints lower-case hex.
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}
