// C++ names on a real capture (samples/cxx): every name reads as perf prints
// it, whether the listing was made with objdump -dC or plain -d.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { demangle, perfName, splitNames } from '../../src/demangle.js';
import type { TreeNode } from '../../src/model.js';
import { linesOf, runCli } from '../shared.js';

const C = 'samples/cxx';
const trace = `${C}/cxx.perf-script.txt.gz`;

function names(n: TreeNode, out: string[] = []): string[] {
  if (n.kind !== 'instruction' && n.kind !== 'root' && n.kind !== 'comm') out.push(n.name);
  for (const c of n.children) names(c, out);
  return out;
}

// perf report --stdio --children: the functions perf names, with the share of
// the faults under each (Children %; the Samples column counts self samples)
const rows = linesOf(`${C}/cxx.perf-report.txt`)
  .map((l) => /^\s*([\d.]+)%\s+([\d.]+)%\s+(\d+)\s+(\S+)\s+\[[.k]\]\s+(.*)$/.exec(l))
  .filter((m) => m !== null);
const total = rows.reduce((s, m) => s + Number(m[3]), 0);
const perfReport = new Map(rows.map((m) => [m[5]!.trimEnd(), Math.round((Number(m[1]) * total) / 100)] as const));

describe('C++ names (samples/cxx)', async () => {
  const dC = await buildReport({ traces: [trace], objdump: [`${C}/cxx.objdump-dlC.txt`] });
  const d = await buildReport({ traces: [trace], objdump: [`${C}/cxx.objdump-dl.txt.gz`] });

  it('names the functions frame-pointer unwinding skipped whole, as perf would, from an objdump -dC listing', () => {
    const inferred = names(dC.tree).filter((n) => n.endsWith(' [inferred]'));
    expect([...new Set(inferred)].sort()).toEqual([
      '(anonymous namespace)::Painter::canvas [inferred]',
      'std::__fill_a1<char> [inferred]',
      'std::__new_allocator<char>::allocate [inferred]',
    ]);
    // perf names the same functions this way where its chain has them
    expect(perfReport.has('(anonymous namespace)::Painter::canvas')).toBe(true);
    expect(perfReport.has('std::__fill_a1<int*, int>')).toBe(true);
    for (const n of names(dC.tree)) {
      // brackets balance: no name is cut inside a template argument list
      expect([...n].filter((c) => c === '<').length, n).toBe([...n].filter((c) => c === '>').length);
    }
  });

  it('demangles a plain -d listing’s names, and says which the demangler could not read', () => {
    const inferred = [...new Set(names(d.tree).filter((n) => n.endsWith(' [inferred]')))].sort();
    expect(inferred).toEqual([
      '(anonymous namespace)::Painter::canvas [inferred]',
      'std::__new_allocator<char>::allocate [inferred]',
      '_ZSt9__fill_a1IcEN9__gnu_cxx11__enable_ifIXsrSt9__is_byteIT_E7__valueEvE6__typeEPS3_S7_RKS3_ [inferred]',
    ].sort());
    expect(d.warnings.filter((w) => w.includes('could not be demangled'))).toEqual([
      '1 function name from a listing could not be demangled and is shown mangled (_ZSt9__fill_a1IcEN9__gnu_cxx11__enable_ifIXsrSt9__is_byteIT_E7__valueEvE6__typeEPS3_S7_RKS3_); a listing made with objdump -dC names it as perf does',
    ]);
    expect(dC.warnings.some((w) => w.includes('could not be demangled'))).toBe(false);
  });

  it('counts the faults under each C++ function as perf report does', () => {
    expect(total).toBe(dC.tree.value);
    const under = (tree: TreeNode, name: string): number => {
      let n = 0;
      const walk = (x: TreeNode): void => {
        if (x.name === name) n += x.value;
        else for (const c of x.children) walk(c);
      };
      walk(tree);
      return n;
    };
    for (const fn of ['touch<int, unsigned long>', 'std::__fill_a1<int*, int>', '(anonymous namespace)::Painter::canvas', 'std::__fill_a<char*, char>']) {
      expect(under(dC.tree, fn), fn).toBe(perfReport.get(fn));
      expect(under(d.tree, fn), fn).toBe(perfReport.get(fn));
    }
  });

  it('annotate --symbol keeps a template name with a comma whole', async () => {
    for (const listing of [`${C}/cxx.objdump-dlC.txt`, `${C}/cxx.objdump-dl.txt.gz`]) {
      const r = await runCli(['annotate', trace, '--objdump', listing, '--symbol', 'std::__fill_a1<int*, int>', '-q']);
      // every fault in it is annotated: the faults perf report counts under it
      expect(r.out).toContain(`${perfReport.get('std::__fill_a1<int*, int>')!} in 1 annotated function`);
      expect(r.out).toContain('<std::__fill_a1<int*, int>>:');
    }
  });

  it('demangles and shortens names as perf prints them', () => {
    expect(demangle('_ZNK12_GLOBAL__N_17Painter6canvasEv')).toBe('(anonymous namespace)::Painter::canvas() const');
    expect(demangle('_ZdlPvm@plt')).toBe('operator delete(void*, unsigned long)@plt');
    expect(demangle('main')).toBeUndefined();
    expect(perfName('__gnu_cxx::__enable_if<std::__is_scalar<int>::__value, void>::__type std::__fill_a1<int*, int>(int*, int*, int const&)')).toBe('std::__fill_a1<int*, int>');
    expect(perfName('_ZN12_GLOBAL__N_17PainterclERSt6vectorIcSaIcEE')).toBe('(anonymous namespace)::Painter::operator()');
    expect(splitNames('std::__fill_a1<int*, int>,main, operator<, operator,')).toEqual(['std::__fill_a1<int*, int>', 'main', 'operator<', 'operator,']);
  });
});
