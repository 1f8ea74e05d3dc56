// Where a tlb:tlb_flush ran, read from its kernel callchain (perf record -g).
// The innermost frame that names a context decides, leaf first: a
// copy-on-write break inside a write(2) to user memory is a fault, not the
// syscall. Kernel names from mm/ and arch/x86/ (6.1 to 6.12):
//   mprotect:   change_protection ← mprotect_fixup ← do_mprotect_pkey ← __x64_sys_mprotect
//   munmap:     tlb_finish_mmu ← vms_clear_ptes ← do_vmi_munmap ← __vm_munmap ← __x64_sys_munmap
//   fault:      ptep_clear_flush ← do_wp_page ← __handle_mm_fault ← handle_mm_fault ← exc_page_fault ← asm_exc_page_fault
//   exec:       move_page_tables ← relocate_vma_down ← setup_arg_pages ← load_elf_binary ← bprm_execve ← __x64_sys_execve
//   fork:       dup_mmap ← copy_process ← kernel_clone ← __do_sys_clone
//   exit:       tlb_finish_mmu ← exit_mmap ← mmput ← do_exit (← do_group_exit ← __x64_sys_exit_group, or a fatal signal)
import type { Frame } from '../../parsers/records.js';
import { isKernelDso } from '../dso.js';

export type FlushPlace =
  /** Inside a syscall, named as the kernel's syscall entry names it (`mprotect`, `munmap`, `execve`). */
  | { readonly kind: 'syscall'; readonly call: string }
  /** In the page-fault path; `cow` when it broke copy-on-write (do_wp_page); `kernelMode` when the kernel's own access faulted (put_user). */
  | { readonly kind: 'fault'; readonly cow: boolean; readonly kernelMode: boolean }
  /** Elsewhere, in words: `process exit`, `NUMA balancing`, `reclaim`… */
  | { readonly kind: 'other'; readonly what: string };

// The syscall entry (arch/x86/include/asm/syscall_wrapper.h): __x64_sys_NAME, __do_sys_NAME, __se_sys_NAME; ksys_NAME helpers.
const SYSCALL_FRAME = /^(?:__x64_sys|__ia32_sys|__arm64_sys|__do_sys|__se_sys|__ia32_compat_sys|ksys)_([a-z0-9_]+)$/;
const SYSCALL_ALIAS: Record<string, string> = { mmap_pgoff: 'mmap', exit_group: 'exit', vfork: 'clone', fork: 'clone', clone3: 'clone', execveat: 'execve' };
// Inner frames that name the syscall when the chain stops short of its entry (perf's max-stack).
const INNER_CALL: Record<string, string> = {
  do_mprotect_pkey: 'mprotect',
  mprotect_fixup: 'mprotect',
  __vm_munmap: 'munmap',
  do_vmi_munmap: 'munmap',
  do_munmap: 'munmap',
  __do_munmap: 'munmap',
  do_mmap: 'mmap',
  mmap_region: 'mmap',
  move_vma: 'mremap',
  mremap_to: 'mremap',
  bprm_execve: 'execve',
  load_elf_binary: 'execve',
  begin_new_exec: 'execve',
  setup_arg_pages: 'execve',
  dup_mmap: 'clone',
  copy_process: 'clone',
};
const FAULT_FRAME = /^(?:do_wp_page|wp_page_copy|wp_page_reuse|do_huge_pmd_wp_page|do_anonymous_page|do_fault|do_read_fault|do_cow_fault|do_shared_fault|do_swap_page|do_numa_page|__handle_mm_fault|handle_mm_fault|do_user_addr_fault|exc_page_fault|asm_exc_page_fault|do_page_fault)$/;
const COW_FRAME = /^(?:do_wp_page|wp_page_copy|do_huge_pmd_wp_page|do_cow_fault)$/;
const OTHER: readonly [RegExp, string][] = [
  [/^(?:exit_mmap|mmput|do_exit)$/, 'process exit'],
  [/^(?:task_numa_work|change_prot_numa)$/, 'NUMA balancing'],
  [/^(?:try_to_unmap_one|shrink_folio_list|shrink_page_list|kswapd)$/, 'reclaim'],
  [/^(?:migrate_pages|migrate_folio_unmap|try_to_migrate_one)$/, 'page migration'],
  [/^(?:khugepaged|collapse_huge_page|hpage_collapse_scan_pmd)$/, 'khugepaged'],
  [/^(?:switch_mm_irqs_off|__schedule|context_switch)$/, 'task switch'],
];

/** Where a flush ran, from its callchain; undefined when there is none or no frame tells. */
export function flushPlace(stack: readonly Frame[]): FlushPlace | undefined {
  let inner: string | undefined;
  for (let i = 0; i < stack.length; i++) {
    const sym = stack[i]!.symbol;
    if (FAULT_FRAME.test(sym)) {
      let cow = false;
      let j = i;
      for (; j < stack.length && (FAULT_FRAME.test(stack[j]!.symbol) || j === i); j++) if (COW_FRAME.test(stack[j]!.symbol)) cow = true;
      // the frame past the fault entry is what faulted: a user instruction, or the kernel's own access (put_user)
      const next = stack[j];
      return { kind: 'fault', cow, kernelMode: next !== undefined && isKernelDso(next.dso) };
    }
    const sc = SYSCALL_FRAME.exec(sym);
    if (sc !== null) return { kind: 'syscall', call: SYSCALL_ALIAS[sc[1]!] ?? sc[1]! };
    inner ??= INNER_CALL[sym];
    if (inner === undefined) {
      const other = OTHER.find(([re]) => re.test(sym));
      if (other !== undefined) return { kind: 'other', what: other[1] };
    }
  }
  return inner !== undefined ? { kind: 'syscall', call: inner } : undefined;
}
