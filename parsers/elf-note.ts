// ELF notes: the GNU build id in a note section, read from the binary (src/record/elf.ts) or from `objdump -s -j .note.gnu.build-id` rows (parsers/objdump.ts).

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

// ELF notes are namesz, descsz, type (4 bytes each, in the target's byte
// order), the name padded to 4 bytes, the descriptor padded to 4. The GNU
// build id is type 3 (NT_GNU_BUILD_ID), name "GNU".
const NT_GNU_BUILD_ID = 3;
const GNU_NAME = 0x474e5500; // "GNU\0"

/** The GNU build id (hex) in a note section's bytes of the given byte order; undefined when it holds none. */
export function gnuBuildIdIn(notes: DataView, littleEndian: boolean): string | undefined {
  const n = findNote(notes, littleEndian, NT_GNU_BUILD_ID, GNU_NAME);
  return n === undefined ? undefined : Buffer.from(notes.buffer, notes.byteOffset + n.desc, n.size).toString('hex');
}

// cmd/link's Go build id note: type 4, name "Go" padded to 4 bytes ("Go\0\0").
const NT_GO_BUILDID = 4;
const GO_NAME = 0x476f0000; // "Go\0\0"

/** Whether a note section's bytes hold Go's build id note: the binary is a Go program. */
export function hasGoBuildId(notes: DataView, littleEndian: boolean): boolean {
  return findNote(notes, littleEndian, NT_GO_BUILDID, GO_NAME) !== undefined;
}

/** The descriptor (offset, size) of the first note of a type whose 4-byte name is `name` (big-endian bytes). */
function findNote(notes: DataView, littleEndian: boolean, type: number, name: number): { desc: number; size: number } | undefined {
  for (let at = 0; at + 12 <= notes.byteLength; ) {
    const namesz = notes.getUint32(at, littleEndian);
    const descsz = notes.getUint32(at + 4, littleEndian);
    const desc = at + 12 + align4(namesz);
    if (desc + descsz > notes.byteLength) break;
    if (notes.getUint32(at + 8, littleEndian) === type && namesz === 4 && notes.getUint32(at + 12) === name) return { desc, size: descsz };
    at = desc + align4(descsz);
  }
  return undefined;
}

/** The build id in a note section dumped as hex, whichever the target's byte order. */
export function gnuBuildId(hex: string): string | undefined {
  const bytes = Buffer.from(hex, 'hex');
  const notes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return gnuBuildIdIn(notes, true) ?? gnuBuildIdIn(notes, false);
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
