// faultpath record without perf: the checks with each piece taken away (a
// Probe stands in for the machine), the ELF reader on the committed guard
// binary, and the capture folder as report's input (samples/record/, made by
// its record.sh with a real perf).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { functionRange, readElf } from '../../src/record/elf.js';
import { checkRecording, type Probe } from '../../src/record/preflight.js';
import { record } from '../../src/record/record.js';
import { readCapture } from '../../src/record/capture.js';
import { ROOT, runCli } from '../shared.js';

const TRACEPOINTS = [
  'exceptions:page_fault_kernel',
  'exceptions:page_fault_user',
  ...['mprotect', 'pkey_mprotect', 'mmap', 'munmap', 'mremap', 'brk'].flatMap((s) => [`syscalls:sys_enter_${s}`, `syscalls:sys_exit_${s}`]),
  'tlb:tlb_flush',
  'syscalls:sys_enter_clone',
  'syscalls:sys_exit_clone',
  'syscalls:sys_enter_clone3',
  'syscalls:sys_exit_clone3',
  'signal:signal_generate',
  'signal:signal_deliver',
  'sched:sched_switch',
];

interface Machine {
  perf?: 'missing' | 'broken' | 'ok';
  objdump?: boolean;
  uid?: number;
  paranoid?: string;
  capEff?: string;
  tracepoints?: string[];
}

/** A machine as the checks see it: everything present unless taken away. */
function machine(m: Machine = {}): Probe {
  const tracepoints = m.tracepoints ?? TRACEPOINTS;
  return {
    run: async (cmd, args) => {
      if (cmd === 'perf') {
        if (m.perf === 'missing') return { code: -1, stdout: '', stderr: 'spawn perf ENOENT' };
        if (m.perf === 'broken') return { code: 2, stdout: '', stderr: 'WARNING: perf not found for kernel 6.18.44\n' };
        if (args[0] === '--version') return { code: 0, stdout: 'perf version 6.1.187\n', stderr: '' };
        if (args[0] === 'list') return { code: 0, stdout: tracepoints.map((t) => `  ${t.padEnd(50)} [Tracepoint event]\n`).join(''), stderr: '' };
      }
      if (cmd === 'objdump' && m.objdump !== false) return { code: 0, stdout: 'GNU objdump (GNU Binutils for Debian) 2.40\n', stderr: '' };
      return { code: -1, stdout: '', stderr: `spawn ${cmd} ENOENT` };
    },
    readFile: async (path) => {
      if (path === '/proc/sys/kernel/perf_event_paranoid') return m.paranoid ?? '2\n';
      if (path === '/proc/self/status') return `Name:\tnode\nCapEff:\t${m.capEff ?? '0000000000000000'}\n`;
      return undefined;
    },
    uid: () => m.uid ?? 0,
  };
}

describe('record checks', () => {
  it('pass on a machine with everything, and give perf every event the analysis reads', async () => {
    const c = await checkRecording(machine());
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(c.events).toEqual([
      'exceptions:page_fault_user',
      'exceptions:page_fault_kernel',
      'syscalls:sys_enter_mprotect',
      'syscalls:sys_exit_mprotect',
      'syscalls:sys_enter_pkey_mprotect',
      'syscalls:sys_exit_pkey_mprotect',
      'syscalls:sys_enter_mmap',
      'syscalls:sys_exit_mmap',
      'syscalls:sys_enter_munmap',
      'syscalls:sys_exit_munmap',
      'syscalls:sys_enter_mremap',
      'syscalls:sys_exit_mremap',
      'syscalls:sys_enter_brk',
      'syscalls:sys_exit_brk',
      'tlb:tlb_flush',
      'syscalls:sys_enter_clone',
      'syscalls:sys_exit_clone',
      'syscalls:sys_enter_clone3',
      'syscalls:sys_exit_clone3',
      'signal:signal_generate',
      'signal:signal_deliver',
    ]);
    expect(c.versions).toEqual({ perf: 'perf version 6.1.187', objdump: 'GNU objdump (GNU Binutils for Debian) 2.40' });
  });

  it('say perf is missing, and how to install it', async () => {
    const c = await checkRecording(machine({ perf: 'missing' }));
    expect(c.errors).toEqual([expect.stringMatching(/^perf is not installed \(or not on PATH\): install it \(Debian: apt install linux-perf; Ubuntu: apt install linux-tools-\$\(uname -r\)/)]);
  });

  it("say perf does not run (Debian's wrapper without the kernel's perf), quoting it", async () => {
    const c = await checkRecording(machine({ perf: 'broken' }));
    expect(c.errors[0]).toMatch(/^perf does not run here \(WARNING: perf not found for kernel 6\.18\.44\): install it/);
  });

  it('refuse a user who may not record tracepoints, naming the sysctl, root and CAP_PERFMON', async () => {
    const c = await checkRecording(machine({ uid: 1000, paranoid: '2\n' }));
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]).toMatch(/^kernel\.perf_event_paranoid is 2 and this user is not root and has no CAP_PERFMON: .*sysctl kernel\.perf_event_paranoid=-1.*run as root.*setcap cap_perfmon/);
  });

  it('let a user with paranoid -1, CAP_PERFMON or CAP_SYS_ADMIN record', async () => {
    expect((await checkRecording(machine({ uid: 1000, paranoid: '-1\n' }))).errors).toEqual([]);
    expect((await checkRecording(machine({ uid: 1000, capEff: (1n << 38n).toString(16).padStart(16, '0') }))).errors).toEqual([]);
    expect((await checkRecording(machine({ uid: 1000, capEff: (1n << 21n).toString(16).padStart(16, '0') }))).errors).toEqual([]);
  });

  it('refuse when perf lists no tracepoints (tracefs not mounted or not readable)', async () => {
    const c = await checkRecording(machine({ tracepoints: [] }));
    expect(c.errors).toEqual([expect.stringMatching(/^perf list shows no tracepoints: tracefs is not mounted or not readable/)]);
  });

  it('refuse without the page-fault tracepoint: there is nothing to analyse', async () => {
    const c = await checkRecording(machine({ tracepoints: TRACEPOINTS.filter((t) => !t.startsWith('exceptions:')) }));
    expect(c.errors).toEqual([expect.stringMatching(/no exceptions:page_fault_user tracepoint/)]);
  });

  it('record without the syscall tracepoints, saying what is lost', async () => {
    const c = await checkRecording(machine({ tracepoints: TRACEPOINTS.filter((t) => !t.startsWith('syscalls:')) }));
    expect(c.errors).toEqual([]);
    expect(c.events).toEqual(['exceptions:page_fault_user', 'exceptions:page_fault_kernel', 'tlb:tlb_flush', 'signal:signal_generate', 'signal:signal_deliver']);
    expect(c.warnings).toEqual([
      expect.stringMatching(/lacks syscalls:sys_enter_mprotect, .* \(CONFIG_FTRACE_SYSCALLS\): no fault can be tied to the call that set its page's protection/),
      'the kernel has no syscalls:sys_enter_clone tracepoint: a copy-on-write finding cannot name the fork site',
    ]);
  });

  it('record without the signal tracepoints, saying the signals will be inferred', async () => {
    const c = await checkRecording(machine({ tracepoints: TRACEPOINTS.filter((t) => !t.startsWith('signal:')) }));
    expect(c.errors).toEqual([]);
    expect(c.events).not.toContain('signal:signal_deliver');
    expect(c.warnings).toEqual(['the kernel has no signal:signal_deliver tracepoint: the signals guard-page retries cost are inferred, not counted']);
  });

  it('record without one syscall or the TLB tracepoint, saying which', async () => {
    const c = await checkRecording(machine({ tracepoints: TRACEPOINTS.filter((t) => !t.includes('pkey_mprotect') && t !== 'tlb:tlb_flush' && t !== 'exceptions:page_fault_kernel') }));
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([
      expect.stringMatching(/^no exceptions:page_fault_kernel tracepoint/),
      'the kernel lacks syscalls:sys_enter_pkey_mprotect, syscalls:sys_exit_pkey_mprotect (CONFIG_FTRACE_SYSCALLS): faults on pages those calls set are not tied to them',
      'the kernel has no tlb:tlb_flush tracepoint: TLB flushes are not counted against protection sites',
    ]);
  });

  it('record without objdump, saying the capture gets no listings', async () => {
    const c = await checkRecording(machine({ objdump: false }));
    expect(c.errors).toEqual([]);
    expect(c.objdump).toBe(false);
    expect(c.warnings).toEqual([expect.stringMatching(/^objdump is not installed \(binutils\): the capture gets no listings/)]);
  });

  it('stop record before anything runs or is written, with every reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-record-'));
    try {
      const run = record({ command: ['true'], output: join(dir, 'cap'), version: 'test', say: () => undefined, probe: machine({ uid: 1000, paranoid: '3', tracepoints: [] }) });
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(/^cannot record:\n  - kernel\.perf_event_paranoid is 3 .*\n  - perf list shows no tracepoints/);
      expect(() => readFileSync(join(dir, 'cap', 'manifest.json'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readElf', () => {
  it("finds guard's build id and cuts its code where objdump's labels do", async () => {
    const elf = await readElf(ROOT + 'samples/guard/guard');
    expect(elf?.type).toBe('dyn');
    // as `readelf -n samples/guard/guard` prints it (Build ID: …)
    expect(elf?.buildId).toBe('90c00d71d970b9cc31e9a04d89adf13d0af44146');
    // the labels of the committed listing of this binary: `0000000000001289 <protect_young>:`
    const labels = [...readFileSync(ROOT + 'samples/guard/guard.objdump-dl.txt', 'utf8').matchAll(/^([0-9a-f]+) <([^>]+)>:$/gm)].map((m) => ({ at: parseInt(m[1]!, 16), name: m[2]! }));
    const i = labels.findIndex((l) => l.name === 'write_field');
    expect(i).toBeGreaterThan(0);
    expect(functionRange(elf!, labels[i]!.at + 2)).toEqual([labels[i]!.at, labels[i + 1]!.at]);
    expect(elf?.symbols.get('write_field')).toEqual([labels[i]!.at]);
  });

  it('is undefined for a file that is not ELF, or is not there', async () => {
    expect(await readElf(ROOT + 'samples/guard/guard.c')).toBeUndefined();
    expect(await readElf(ROOT + 'samples/guard/no-such-file')).toBeUndefined();
  });
});

describe('a capture folder', () => {
  const CAPTURE = 'samples/record/guard.capture';

  it('stands for its trace, buildid list and listings', async () => {
    const c = await readCapture(ROOT + CAPTURE);
    expect(c.trace).toBe(ROOT + CAPTURE + '/perf-script.txt.gz');
    expect(c.buildIdLists).toEqual([ROOT + CAPTURE + '/buildid-list.txt']);
    expect(c.listings.map((l) => l.slice(ROOT.length + CAPTURE.length + 1)).sort()).toEqual(c.manifest.dsos.map((d) => d.listing).sort());
    expect(c.unlisted).toEqual([]);
  });

  it('gives report, sites and annotate the same answer as the files given one by one', async () => {
    const c = await readCapture(ROOT + CAPTURE);
    const byHand = ['--buildid-list', c.buildIdLists[0]!, ...c.listings.flatMap((l) => ['--objdump', l])];
    for (const cmd of [['report'], ['sites'], ['annotate', '--context', '2']]) {
      const folder = await runCli([...cmd, ROOT + CAPTURE, '-q']);
      const files = await runCli([...cmd, c.trace, ...byHand, '-q']);
      expect(folder.code).toBe(0);
      expect(folder.out).toBe(files.out);
    }
  });

  it('is refused, in words, when its manifest is not one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-capture-'));
    try {
      writeFileSync(join(dir, 'manifest.json'), '{"format":"something else"}');
      const r = await runCli(['report', dir]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`faultpath: ${join(dir, 'manifest.json')}: not a capture manifest (expected format faultpath-capture/1 with files.trace and dsos)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the CLI as perf users spell it', () => {
  const TRACE = 'samples/guard/perf-script.txt.gz';
  const LISTING = 'samples/guard/guard.objdump-dl.txt';

  it('prints its version (package.json)', async () => {
    const pkg = JSON.parse(readFileSync(ROOT + 'package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await runCli([flag])).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  it("takes perf report's --comms, --dsos, --symbols and -G/--inverted for --comm, --dso, --symbol and --invert", async () => {
    const ours = await runCli(['report', ROOT + TRACE, '--objdump', ROOT + LISTING, '--comm', 'guard', '--dso', 'guard', '--symbol', 'write_field,write_header', '--invert', '-q']);
    expect(ours.code).toBe(0);
    expect(ours.out).toMatch(/write_header/);
    for (const invert of ['-G', '--inverted']) {
      const perfs = await runCli(['report', ROOT + TRACE, '--objdump', ROOT + LISTING, '--comms', 'guard', '--dsos', 'guard', '--symbols', 'write_field,write_header', invert, '-q']);
      expect(perfs).toEqual(ours);
    }
  });

  it('says in help that collapse --pid is a switch while report --pid filters', async () => {
    const help = await runCli(['collapse', '--help']);
    expect(help.out.replace(/\s+/g, ' ')).toContain('--pid include the process id in the root frame (comm-PID), as stackcollapse-perf.pl --pid: a switch here, while report --pid PID filters');
  });
});

describe("the README's tour", () => {
  it('quotes what report prints for the committed capture, line for line', async () => {
    const readme = readFileSync(ROOT + 'README.md', 'utf8');
    const tour = readme.slice(readme.indexOf('## A 60-second tour'));
    const excerpt = /```\n(Fault paths[^]*?)```/.exec(tour)?.[1];
    expect(excerpt).toBeDefined();
    const r = await runCli(['report', ROOT + 'samples/record/guard.capture', '-q']);
    expect(r.out).toContain(excerpt!);
  });
});
