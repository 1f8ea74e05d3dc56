// Each fault class's colour and plain-words meaning, for the text report, the
// SVG and the HTML page (whose client bundles this module): typed by the
// FaultClass union, so a new class does not compile until it has both.
import type { FaultClass } from '../src/model.js';

/** Bar and timeline colour of each fault class: a new class does not compile until it has one. */
export const CLASS_COLORS: Readonly<Record<FaultClass, string>> = {
  'first-touch-read': '#5b8def',
  'first-touch-write': '#2f6fd6',
  'write-to-read-only': '#d9482b',
  'copy-on-write': '#e08a1e',
  'code-page-in': '#8e44ad',
  'nx-violation': '#7a1f5c',
  pkey: '#b0306c',
  'kernel-mode': '#6f7b8a',
  unknown: '#a9afb9',
};

/** What each fault class means, in plain words. */
export const CLASS_MEANING: Record<FaultClass, string> = {
  'write-to-read-only': 'a store to a page a protection change made read-only (guard page, write barrier)',
  'copy-on-write': 'a store to a present page shared copy-on-write (after fork, or a private file page)',
  'first-touch-write': 'a store to a page not yet mapped in this process (new memory, or a shared or file page it has not touched)',
  'first-touch-read': 'a load from a page not yet mapped in this process (new memory, or a file page it has not touched)',
  'code-page-in': 'an instruction fetch from an executable page not yet mapped in (code paged in from its file)',
  'nx-violation': 'an instruction fetch from a page without execute permission (a JIT page sealed without PROT_EXEC)',
  pkey: 'an access a memory protection key forbids',
  'kernel-mode': 'the kernel touched a user page on the program\'s behalf (copy_to_user, a syscall)',
  unknown: 'the event carries no error code (software events), or a code that fits no class',
};

// A report read from another faultpath's JSON may name a class this build does not know.
const known = (c: string): c is FaultClass => Object.prototype.hasOwnProperty.call(CLASS_COLORS, c);

/** The class's colour; an unknown class gets `unknown`'s. */
export const classColor = (c: string): string => CLASS_COLORS[known(c) ? c : 'unknown'];

/** The class's meaning in plain words; '' for a class this build does not know. */
export const classMeaning = (c: string): string => (known(c) ? CLASS_MEANING[c] : '');
