// C++ names as perf prints them. A plain `objdump -d` listing names functions
// mangled (`_ZSt8__fill_aIPiiEvT_S1_RKT0_`), `-dC` demangled with return type
// and parameters (`void std::__fill_a<int*, int>(int*, int*, int const&)`);
// perf prints `std::__fill_a<int*, int>` (libiberty without DMGL_PARAMS).
// Demangling is gecko-profiler-demangle's (the Firefox profiler's wasm build
// of the cpp_demangle crate), loaded on the first mangled name.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as glue from 'gecko-profiler-demangle/index_bg.js';
import { stripVersion } from './dso.js';

let ready = false;

// The package's index.js imports the .wasm as an ES module, which Node 20
// cannot; its glue takes the instance from us instead.
function load(): void {
  if (ready) return;
  const require = createRequire(import.meta.url);
  const module = new WebAssembly.Module(readFileSync(require.resolve('gecko-profiler-demangle/index_bg.wasm')));
  const instance = new WebAssembly.Instance(module, { './index_bg.js': glue as unknown as WebAssembly.ModuleImports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports['__wbindgen_start'] as (() => void) | undefined)?.();
  ready = true;
}

/**
 * `_ZNK3geo6Circle5stampEPc@plt` → `geo::Circle::stamp(char*) const@plt`; a
 * name that is not mangled, or that the demangler cannot read, → undefined.
 */
export function demangle(name: string): string | undefined {
  if (!name.startsWith('_Z')) return undefined;
  // symbol versions and plt stubs are objdump's, not the mangling's
  const at = name.indexOf('@');
  const core = at < 0 ? name : name.slice(0, at);
  const suffix = at < 0 ? '' : name.slice(at);
  load();
  const out = glue.demangle_any(core);
  // it answers the input (or the input less its underscore) when it fails
  if (out === core || core.endsWith(out) || out === '') return undefined;
  return out + suffix;
}

/**
 * A listing's function name as perf prints it: demangled, without symbol
 * version, clone suffix, qualifiers, parameter list or return type:
 * `void std::__fill_a<int*, int>(int*, int*, int const&)` → `std::__fill_a<int*, int>`.
 */
export function perfName(listingName: string): string {
  const name = stripVersion(demangle(listingName) ?? listingName);
  return withoutParameters(name) ?? name;
}

const QUALIFIERS = [' const', ' volatile', ' &&', ' &', '&&', '&', ' noexcept'];

/**
 * A demangled C++ name without clone suffix, qualifiers, parameter list or
 * return type. Undefined when `name` has no parameter list.
 */
export function withoutParameters(name: string): string | undefined {
  let s = name;
  for (;;) {
    if (s.endsWith(']')) {
      const at = s.lastIndexOf(' [clone ');
      if (at <= 0) return undefined;
      s = s.slice(0, at);
      continue;
    }
    if (s.endsWith(')')) {
      const open = matchingOpen(s, s.length - 1);
      if (open > 1 && s.charCodeAt(open + 1) === 46 /* . */ && s.charCodeAt(open - 1) === 32) {
        s = s.slice(0, open - 1); // llvm: ` (.isra.0)`
        continue;
      }
    }
    const q = QUALIFIERS.find((x) => s.endsWith(x));
    if (q === undefined) break;
    s = s.slice(0, -q.length);
  }
  if (!s.endsWith(')')) return undefined;
  const open = matchingOpen(s, s.length - 1);
  if (open <= 0) return undefined;
  const head = s.slice(0, open);
  // The return type (template functions only) ends at the last top-level space
  // before the name; `operator new` and `operator int` keep theirs.
  let op = head.lastIndexOf('operator');
  while (op > 0 && !/[\s:]/.test(head.charAt(op - 1))) op = head.lastIndexOf('operator', op - 1);
  const scanEnd = op >= 0 ? op : head.length;
  let depth = 0;
  let lastSpace = -1;
  for (let i = 0; i < scanEnd; i++) {
    const c = head.charCodeAt(i);
    if (c === 60 || c === 40) depth++;
    else if (c === 62 || c === 41) depth--;
    else if (c === 32 && depth === 0) lastSpace = i;
  }
  const result = head.slice(lastSpace + 1);
  return result.length > 0 ? result : undefined;
}

// Index of the `(` that closes at `close`, or -1.
function matchingOpen(s: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 41) depth++;
    else if (c === 40) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export { splitNames } from './name-list.js';
