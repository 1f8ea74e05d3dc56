// What a frame's box shows, in the SVG and the HTML page alike.

/**
 * The label of a frame named `name`: the name, except that a faulting
 * instruction (`0x12eb: mov %rsi,(%rdi) [guard.c:58]`) reads instruction first,
 * address last (`mov %rsi,(%rdi) [guard.c:58] @0x12eb`), so a narrow box cut
 * short still shows the instruction.
 */
export function frameLabel(kind: string, name: string): string {
  if (!kind.startsWith('instruction')) return name;
  const m = /^(0x[0-9a-f]+): (.+)$/s.exec(name);
  return m === null ? name : `${m[2]} @${m[1]}`;
}
