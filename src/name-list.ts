// A comma list of C++ names (the CLI's name filters), in a module of its own: the CLI reads
// its options before any command runs, and src/demangle.ts loads the demangler's glue.

/**
 * Splits a comma list at its top-level commas only, so a C++ name stays whole:
 * `std::__fill_a1<int*, int>,main` → `std::__fill_a1<int*, int>`, `main`.
 */
export function splitNames(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (list.startsWith('operator', i)) {
      // operator<, operator<<=, operator(), operator, … are names, not brackets
      const m = /^operator\s*(?:<<=|>>=|<<|>>|<=>|<=|>=|->\*|->|\(\)|\[\]|[<>,])?/.exec(list.slice(i))!;
      i += m[0].length - 1;
      continue;
    }
    if (c === '<' || c === '(' || c === '[') depth++;
    else if ((c === '>' || c === ')' || c === ']') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}
