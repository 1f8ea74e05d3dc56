// The character-level pieces of objdump listing lines: hex digits, `-l`
// srclines, ARM mapping symbols, instruction text with its padding collapsed.
// Char codes, no regexes: these run once per instruction line.

export const TAB = 9, SPACE = 32, HASH = 35, RPAREN = 41, DOT = 46, COLON = 58, SEMI = 59, LT = 60, GT = 62;
export const D0 = 48, D9 = 57, LA = 97, LF = 102;

// Value of a lower-case hex digit, or -1. objdump prints addresses and bytes in lower case.
export function hexDigit(c: number): number {
  if (c >= D0 && c <= D9) return c - D0;
  if (c >= LA && c <= LF) return c - LA + 10;
  return -1;
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
