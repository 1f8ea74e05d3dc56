// The character-level pieces of objdump listing lines: hex digits and
// addresses, `-l` srclines, ARM mapping symbols, instruction text with its
// padding collapsed, file headers, and what a listing looks like to the
// format sniffer. Char codes, no regexes in what runs once per instruction line.
import type { LineSniff } from './format.js';
import type { ObjdumpTool } from './records.js';

export const TAB = 9, NL = 10, CR = 13, SPACE = 32, HASH = 35, RPAREN = 41, DOT = 46, COLON = 58, SEMI = 59, LT = 60, GT = 62;
export const D0 = 48, D9 = 57, LA = 97, LF = 102;

// Per byte: its value as a lower-case hex digit (objdump prints addresses and bytes in lower case), else -1.
export const HEX = new Int8Array(256).fill(-1);
for (let c = D0; c <= D9; c++) HEX[c] = c - D0;
for (let c = LA; c <= LF; c++) HEX[c] = c - LA + 10;

// Value of a lower-case hex digit, or -1.
export function hexDigit(c: number): number {
  return HEX[c] ?? -1;
}

// ARM ELF mapping symbols: $x, $d, $a, $t, optionally with a `.suffix` ($x.12).
export function isMappingSymbol(name: string): boolean {
  if (name.length < 2 || name.charCodeAt(0) !== 36) return false;
  const k = name.charCodeAt(1);
  if (k !== 120 && k !== 100 && k !== 97 && k !== 116) return false; // x d a t
  return name.length === 2 || name.charCodeAt(2) === DOT;
}

// `path:123` or `path:123 (discriminator 2)` from `start`, as `path:123`; else undefined.
export function parseSrcline(text: string, start: number): string | undefined {
  let end = text.length;
  if (text.charCodeAt(end - 1) === RPAREN) {
    const open = text.lastIndexOf(' (discriminator ');
    if (open <= start) return undefined;
    for (let k = open + 16; k < end - 1; k++) {
      const c = text.charCodeAt(k);
      if (c < D0 || c > D9) return undefined;
    }
    end = open;
  }
  let k = end - 1;
  while (k > start) {
    const c = text.charCodeAt(k);
    if (c < D0 || c > D9) break;
    k--;
  }
  if (k === end - 1 || k <= start || text.charCodeAt(k) !== COLON) return undefined;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

// The instruction text from `start` with every run of blanks (GNU pads the
// mnemonic with spaces, llvm separates with tabs) made one space, trailing
// blanks dropped.
export function collapseBlanks(text: string, start: number): string {
  let end = text.length;
  while (end > start) {
    const c = text.charCodeAt(end - 1);
    if (c !== SPACE && c !== TAB) break;
    end--;
  }
  let out = '';
  let seg = start;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      let j = i + 1;
      while (j < end) {
        const d = text.charCodeAt(j);
        if (d !== SPACE && d !== TAB) break;
        j++;
      }
      if (j - i > 1 || c === TAB) {
        out += text.slice(seg, i) + ' ';
        seg = j;
      }
      i = j;
    } else {
      i++;
    }
  }
  if (seg === start) return end === text.length && start === 0 ? text : text.slice(start, end);
  return out + text.slice(seg, end);
}

const TWO32 = 4294967296;
// |address| above this is not exact in a double.
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** What readAddress read: the value, where its digits end, and why it cannot be used ('' when it can). */
export interface AddressRead {
  value: number;
  end: number;
  error: string;
}

/**
 * Reads the hex address at `i` of bytes `b` (up to `len`) into `out`, signed
 * 64-bit for kernel addresses (0xffffffff81000000 → -0x7f000000); false when
 * there are no digits. An address a double cannot hold exactly sets `out.error`.
 */
export function readAddress(b: Buffer, i: number, len: number, out: AddressRead): boolean {
  // up to 13 digits are exact as they come (user-space addresses)
  let v = 0;
  let j = i;
  for (; j < len && j - i < 13; j++) {
    const d = hexDigit(b[j] as number);
    if (d < 0) break;
    v = v * 16 + d;
  }
  if (j === i) return false;
  out.end = j;
  out.error = '';
  if (j - i < 13 || j === len || hexDigit(b[j] as number) < 0) {
    out.value = v;
    return true;
  }
  let hi = 0;
  let lo = 0;
  for (j = i; j < len; j++) {
    const d = hexDigit(b[j] as number);
    if (d < 0) break;
    if (j - i >= 16) continue; // too long: reported below
    hi = hi * 16 + Math.floor(lo / 268435456);
    lo = (lo % 268435456) * 16 + d;
  }
  out.end = j;
  if (j - i > 16) {
    out.error = 'address longer than 64 bits';
    out.value = 0;
  } else if (hi >= 0x80000000) {
    out.value = (hi - TWO32) * TWO32 + lo;
    if (out.value < -MAX_EXACT) out.error = `address ${decode(b, i, j)} is too far below 2^64 to index exactly`;
  } else {
    out.value = hi * TWO32 + lo;
    if (out.value > MAX_EXACT) out.error = `address ${decode(b, i, j)} is above 2^53 and below 2^63; it cannot be indexed exactly`;
  }
  return true;
}

/** Bytes [from, to) of a line as text. */
export function decode(b: Buffer, from: number, to: number): string {
  return b.toString('utf8', from, to);
}

/** Whether bytes `b` from `at` (up to `end`) start with `prefix`. */
export function startsWith(b: Uint8Array, at: number, end: number, prefix: Uint8Array): boolean {
  if (end - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (b[at + k] !== prefix[k]) return false;
  return true;
}

/** An instruction line's columns after `addr:`: its raw bytes' count, and where its text starts (-1 on a line of bytes only). */
export interface Columns {
  size: number;
  text: number;
}

/**
 * GNU: after `addr:\t` come either `bytes \ttext`, `bytes ` (a continuation)
 * or `text` (--no-show-raw-insn). Bytes are hex groups each followed by a
 * space (`48 89 37 `, aarch64 `f9000001 `), so a mnemonic right before a tab
 * (`str\tx1, [x0]` without raw bytes) is never taken for bytes. x86-64, with a
 * continuation line for bytes that did not fit:
 *     12eb:	48 89 37             	mov    %rsi,(%rdi)
 *     1344:	48 0f af 3d 2c 2d 00 	imul   0x2d2c(%rip),%rdi        # 4078 <page_size>
 *     134b:	00 
 * aarch64 prints the word, not bytes; --no-show-raw-insn prints no bytes:
 *  ba0:	f9000001 	str	x1, [x0]
 *     12eb:	mov    %rsi,(%rdi)
 */
export function gnuColumns(b: Buffer, start: number, len: number, out: Columns): void {
  let digits = 0;
  let i = start;
  let c = 0;
  for (; i < len; i++) {
    c = b[i] as number;
    if (c === SPACE) continue;
    if (hexDigit(c) < 0) break;
    digits++;
  }
  const bytes = digits > 0 && i > start && b[i - 1] === SPACE;
  out.size = bytes ? digits >> 1 : 0;
  out.text = bytes && i === len ? -1 : bytes && c === TAB ? i + 1 : start;
  if (out.text === start) out.size = 0;
}

/**
 * llvm: after `addr: ` come the bytes padded with blanks (or blanks only), a
 * tab, then the mnemonic, a tab and the operands; never a continuation line.
 * False for any other line.
 *     12eb: 48 89 37                     	movq	%rsi, (%rdi)
 *     12eb:      	movq	%rsi, (%rdi)
 */
export function llvmColumns(b: Buffer, start: number, len: number, out: Columns): boolean {
  let digits = 0;
  let i = start;
  for (; i < len; i++) {
    const c = b[i] as number;
    if (c === TAB) break;
    if (c === SPACE) continue;
    if (hexDigit(c) < 0) return false;
    digits++;
  }
  out.size = digits >> 1;
  out.text = i + 1;
  return i < len - 1;
}

/**
 * A file header's binary, BFD target and tool; undefined for any other line.
 * GNU:  guard:     file format elf64-x86-64
 * llvm: ../guard/guard:	file format elf64-x86-64
 */
export function fileHeader(text: string): { path: string; format: string; tool: ObjdumpTool } | undefined {
  const gnu = text.lastIndexOf(':     file format ');
  const llvm = gnu < 0 ? text.lastIndexOf(':\tfile format ') : -1;
  if (gnu <= 0 && llvm <= 0) return undefined;
  const at = gnu > 0 ? gnu : llvm;
  return { path: text.slice(0, at), format: text.slice(at + (gnu > 0 ? 18 : 14)).trim(), tool: gnu > 0 ? 'gnu' : 'llvm' };
}

// guard:     file format elf64-x86-64
// ../guard/guard:	file format elf64-x86-64
// Disassembly of section .text:
// 0000000000001139 <write_field>:
const OBJDUMP_FORMAT = /:\s+file format \S+$/;
const OBJDUMP_SECTION = /^Disassembly of section \S+:$/;
const OBJDUMP_SYMBOL = /^[0-9a-f]{8,16} <.+>:$/;

/** The format sniffer's question (parsers/sniff.ts): is this line objdump's? */
export function sniffObjdump(line: string): LineSniff {
  return OBJDUMP_FORMAT.test(line) || OBJDUMP_SECTION.test(line) || OBJDUMP_SYMBOL.test(line) ? 'yes' : 'no';
}
