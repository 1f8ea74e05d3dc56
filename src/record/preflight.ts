// Before `faultpath record` starts anything: is perf there, may this user
// record tracepoints with their payloads and callchains, does the kernel have
// each event the analysis reads, is objdump there. Each missing piece is said
// in words with the way to get it. Everything the checks look at goes through
// a Probe, so tests can take each piece away.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Probe {
  /** Runs a command; code -1 (and the error in stderr) when it could not be started. */
  run(cmd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  readFile(path: string): Promise<string | undefined>;
  /** Effective user id. */
  uid(): number;
}

export const systemProbe: Probe = {
  run: (cmd, args) =>
    new Promise((resolve) => {
      execFile(cmd, [...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
        resolve({ code, stdout: String(stdout), stderr: code === -1 ? String(error?.message ?? stderr) : String(stderr) });
      });
    }),
  readFile: (path) => readFile(path, 'utf8').catch(() => undefined),
  uid: () => process.geteuid?.() ?? -1,
};

/** Page-fault tracepoints: without them there is nothing to analyse. */
export const FAULT_TRACEPOINTS = ['exceptions:page_fault_user', 'exceptions:page_fault_kernel'] as const;
/** The calls that change what a page allows: the protection timeline reads both ends of each. */
export const PROTECTION_SYSCALLS = ['mprotect', 'pkey_mprotect', 'mmap', 'munmap', 'mremap', 'brk'] as const;
export const TLB_TRACEPOINT = 'tlb:tlb_flush';
/** Who forked (the clone call's callchain names the fork site) and the signals a guard-page retry costs. */
export const TASK_TRACEPOINTS = ['syscalls:sys_enter_clone', 'syscalls:sys_exit_clone', 'syscalls:sys_enter_clone3', 'syscalls:sys_exit_clone3'] as const;
export const SIGNAL_TRACEPOINTS = ['signal:signal_generate', 'signal:signal_deliver'] as const;

export interface Preflight {
  /** What stops the recording, one sentence each. */
  errors: string[];
  /** What the recording will lack, one sentence each. */
  warnings: string[];
  /** The events that can be recorded, in the order they are given to perf. */
  events: string[];
  /** `perf --version`, `objdump --version` first lines. */
  versions: { perf?: string; objdump?: string };
  objdump: boolean;
}

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;

/** Checks what `faultpath record` needs. */
export async function checkRecording(probe: Probe = systemProbe): Promise<Preflight> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const versions: Preflight['versions'] = {};
  const wanted = [
    ...FAULT_TRACEPOINTS,
    ...PROTECTION_SYSCALLS.flatMap((s) => [`syscalls:sys_enter_${s}`, `syscalls:sys_exit_${s}`]),
    TLB_TRACEPOINT,
    ...TASK_TRACEPOINTS,
    ...SIGNAL_TRACEPOINTS,
  ];

  const perf = await probe.run('perf', ['--version']);
  if (perf.code !== 0 || !/^perf version /m.test(perf.stdout)) {
    const why = perf.code === -1 ? 'perf is not installed (or not on PATH)' : `perf does not run here (${firstLine(perf.stderr || perf.stdout) || `exit status ${perf.code}`})`;
    errors.push(`${why}: install it (Debian: apt install linux-perf; Ubuntu: apt install linux-tools-$(uname -r); Fedora: dnf install perf)`);
    return { errors, warnings, events: [], versions, objdump: await hasObjdump(probe, versions) };
  }
  versions.perf = firstLine(perf.stdout);

  const privileged = probe.uid() === 0 || (await hasCapability(probe, [CAP_PERFMON, CAP_SYS_ADMIN]));
  if (!privileged) {
    const text = await probe.readFile('/proc/sys/kernel/perf_event_paranoid');
    const paranoid = text === undefined ? NaN : Number(text.trim());
    if (Number.isNaN(paranoid)) {
      warnings.push('cannot read /proc/sys/kernel/perf_event_paranoid: if perf is refused, run as root or give perf CAP_PERFMON');
    } else if (paranoid > -1) {
      errors.push(
        `kernel.perf_event_paranoid is ${paranoid} and this user is not root and has no CAP_PERFMON: tracepoints with their payloads need -1 ` +
          '(sudo sysctl kernel.perf_event_paranoid=-1), or run as root, or give perf the capability (sudo setcap cap_perfmon,cap_ipc_lock,cap_syslog=ep "$(command -v perf)")',
      );
    }
  }

  const list = await probe.run('perf', ['list', 'tracepoint']);
  const available = new Set<string>();
  for (const line of list.stdout.split('\n')) {
    const m = /^\s*(\S+:\S+)\s+\[Tracepoint event\]/.exec(line);
    if (m !== null) available.add(m[1]!);
  }
  const events = wanted.filter((e) => available.has(e));
  const missing = wanted.filter((e) => !available.has(e));
  if (available.size === 0) {
    errors.push(
      `perf list shows no tracepoints${list.code !== 0 ? ` (${firstLine(list.stderr) || `exit status ${list.code}`})` : ''}: tracefs is not mounted or not readable by this user ` +
        '(mount -t tracefs nodev /sys/kernel/tracing, or run as root)',
    );
  } else {
    if (!events.includes('exceptions:page_fault_user')) {
      errors.push('the kernel has no exceptions:page_fault_user tracepoint (x86 kernels have it; other architectures do not): page faults with their addresses cannot be recorded');
    } else if (!events.includes('exceptions:page_fault_kernel')) {
      warnings.push('no exceptions:page_fault_kernel tracepoint: faults the kernel takes on user memory (in read()/write() copies) are not recorded');
    }
    const calls = missing.filter((e) => e.startsWith('syscalls:') && !(TASK_TRACEPOINTS as readonly string[]).includes(e));
    if (calls.length > 0) {
      warnings.push(
        `the kernel lacks ${calls.join(', ')} (CONFIG_FTRACE_SYSCALLS): ` +
          (calls.length === PROTECTION_SYSCALLS.length * 2 ? 'no fault can be tied to the call that set its page\'s protection' : 'faults on pages those calls set are not tied to them'),
      );
    }
    if (missing.includes(TLB_TRACEPOINT)) warnings.push('the kernel has no tlb:tlb_flush tracepoint: TLB flushes are not counted against protection sites');
    if (missing.includes('syscalls:sys_enter_clone')) warnings.push('the kernel has no syscalls:sys_enter_clone tracepoint: a copy-on-write finding cannot name the fork site');
    if (missing.includes('signal:signal_deliver')) warnings.push('the kernel has no signal:signal_deliver tracepoint: the signals guard-page retries cost are inferred, not counted');
  }

  const objdump = await hasObjdump(probe, versions);
  if (!objdump) {
    warnings.push('objdump is not installed (binutils): the capture gets no listings, so faults keep perf\'s symbol+offset without instructions or source lines (Debian: apt install binutils)');
  }
  return { errors, warnings, events, versions, objdump };
}

async function hasObjdump(probe: Probe, versions: Preflight['versions']): Promise<boolean> {
  const r = await probe.run('objdump', ['--version']);
  if (r.code !== 0) return false;
  versions.objdump = firstLine(r.stdout);
  return true;
}

/** Whether the effective capability set (/proc/self/status CapEff) has any of these. */
async function hasCapability(probe: Probe, caps: readonly bigint[]): Promise<boolean> {
  const status = await probe.readFile('/proc/self/status');
  const m = status === undefined ? null : /^CapEff:\s*([0-9a-f]+)/m.exec(status);
  if (m === null) return false;
  const eff = BigInt('0x' + m[1]!);
  return caps.some((c) => ((eff >> c) & 1n) === 1n);
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.trim() ?? '';
}
