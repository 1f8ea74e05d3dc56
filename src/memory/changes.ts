// Protection changes: each call's change, applied to its process's page map
// or undone when its exit says it failed; the per-site aggregates the changes
// feed; the retry cycles they close.
import type { ProtectionCall, ProtectionChange } from './protection-types.js';
import type { SampleRecord } from '../../parsers/records.js';
import { clipped, pageFloor } from './page-map.js';
import { protText } from './bits.js';
import { bump, type Change, type FaultAgg, type Process, type SiteAgg } from './state.js';
import { FAULT_FAMILIES } from '../events.js';
import type { Tasks } from './tasks.js';

export interface ChangeOptions {
  pageSize: number;
  siteOf: (r: SampleRecord) => string;
  /** Keep every change in `all`. */
  keepHistory: boolean;
}

export class Changes {
  /** Aggregates by site, in the order sites were first seen. */
  readonly sites = new Map<string, SiteAgg>();
  /** Every change, in trace order, with `keepHistory`. */
  readonly all: Change[] = [];
  private readonly pageSize: number;
  private readonly siteOf: (r: SampleRecord) => string;
  private readonly keepHistory: boolean;

  constructor(
    private readonly tasks: Tasks,
    options: ChangeOptions,
  ) {
    this.pageSize = options.pageSize;
    this.siteOf = options.siteOf;
    this.keepHistory = options.keepHistory;
  }

  create(r: SampleRecord, call: ProtectionCall, proc: Process, start: number, end: number, prot: number, pkey: number): Change {
    const site = this.siteOf(r);
    let agg = this.sites.get(site);
    if (agg === undefined) {
      agg = {
        site,
        calls: new Map(),
        failed: 0,
        prots: new Map(),
        pages: 0,
        firstTime: r.time,
        lastTime: r.time,
        timedCalls: 0,
        timedTotal: 0,
        timedMax: 0,
        fam: FAULT_FAMILIES.map(faultAgg),
      };
      this.sites.set(site, agg);
    }
    bump(agg.calls, call, 1);
    if (r.time < agg.firstTime) agg.firstTime = r.time;
    if (r.time > agg.lastTime) agg.lastTime = r.time;
    const view: ProtectionChange = {
      call,
      pid: proc.key,
      tid: r.tid,
      cpu: r.cpu,
      time: r.time,
      start: pageFloor(start, this.pageSize),
      end,
      prot,
      pkey,
      site,
      source: r.source,
      line: r.line,
    };
    const change: Change = { view, agg, faults: noFaults(), failed: false, applied: false, undo: [], closed: [] };
    if (this.keepHistory) this.all.push(change);
    return change;
  }

  applySet(change: Change, proc: Process, prot: number): void {
    const { start, end } = change.view;
    // the segments it replaced, whole, cut to the range only if it is undone: copied per call, they were
    // most of what an mprotect record allocated (~10 MB on the bench capture). An empty range changes nothing.
    change.undo.push({ start, end, prev: end > start ? proc.map.set(start, end, prot, change) : proc.map.slice(start, end) });
    this.commit(change, (end - start) / this.pageSize, prot);
  }

  applyClear(change: Change, proc: Process): void {
    const { start, end } = change.view;
    change.undo.push({ start, end, prev: proc.map.slice(start, end) });
    proc.map.clear(start, end);
    this.commit(change, (end - start) / this.pageSize, 0);
  }

  commit(change: Change, pages: number, prot: number): void {
    change.applied = true;
    change.agg.pages += pages;
    if (change.view.call !== 'munmap') bump(change.agg.prots, protText(prot), 1);
    this.closeCycle(change);
  }

  // A change by the thread with a pending denied fault (in any family), covering its page and granting the access: a retry cycle.
  private closeCycle(change: Change): void {
    if (change.view.call === 'munmap') return;
    const t = this.tasks.threads.get(change.view.tid);
    if (t === undefined) return;
    for (const ft of t.fam) {
      const p = ft.pendingFault;
      if (p === undefined) continue;
      const seg = this.tasks.processes.get(change.view.pid)?.map.get(p.page);
      // new memory mapped elsewhere is no answer to the fault: Go's runtime may mmap
      // (getitab → persistentalloc) while the deferred recover runs, before its mprotect
      const outside = p.page < change.view.start || p.page >= change.view.end;
      if (outside && (change.view.call === 'mmap' || change.view.call === 'mremap')) continue;
      p.expires = true;
      if (seg === undefined || (seg.prot & p.need) === 0 || outside) continue;
      p.instr.cycles++;
      bump(p.instr.handlers, change.view.site, 1);
      p.agg.cycles++;
      const delay = Number.isFinite(change.view.time - p.time) ? Math.max(0, change.view.time - p.time) : 0;
      p.agg.handlerTotal += delay;
      p.agg.handlerMax = Math.max(p.agg.handlerMax, delay);
      change.closed.push({ instr: p.instr, agg: p.agg, delay });
      ft.pendingFault = undefined;
    }
  }

  fail(change: Change): undefined {
    change.failed = true;
    change.agg.failed++;
    return undefined;
  }

  undo(change: Change): void {
    const proc = this.tasks.processes.get(change.view.pid);
    if (proc !== undefined) {
      for (const u of [...change.undo].reverse()) {
        proc.map.clear(u.start, u.end);
        proc.map.insert(clipped(u.prev, u.start, u.end));
      }
    }
    if (change.applied) {
      change.agg.pages -= (change.view.end - change.view.start) / this.pageSize;
      if (change.view.call !== 'munmap') bump(change.agg.prots, protText(change.view.prot), -1);
      change.applied = false;
    }
    for (const c of change.closed) {
      c.instr.cycles--;
      bump(c.instr.handlers, change.view.site, -1);
      c.agg.cycles--;
      c.agg.handlerTotal -= c.delay;
    }
    change.closed = [];
    this.fail(change);
  }
}

function faultAgg(): FaultAgg {
  return {
    faults: 0,
    classes: new Map(),
    denied: 0,
    sinceMin: Infinity,
    sinceMax: -Infinity,
    instructions: new Map(),
    instructionsByFrame: new Map(),
    cycles: 0,
    tlb: new Map(),
    tlbCauses: new Map(),
    handlerTotal: 0,
    handlerMax: 0,
  };
}

// A change's faults per family, none yet. A literal: arrays made by FAULT_FAMILIES.map had one map
// made by unoptimized code and another by optimized code, and the fault path's optimized code
// (noteFaultClass) was thrown away when it met the second.
function noFaults(): number[] {
  return [0, 0, 0] satisfies Record<keyof typeof FAULT_FAMILIES & `${number}`, number>;
}
