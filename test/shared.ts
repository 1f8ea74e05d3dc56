// Material beside the checkout (../shared), wherever the checkout is: CI clones
// main into a fresh folder with shared/ next to it.
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = fileURLToPath(new URL('../../shared/', import.meta.url));

/** FlameGraph's perf-script corpus and stackcollapse-perf.pl's results for it. */
export const CONFORMANCE_DIR = process.env['FAULTPATH_CONFORMANCE_DIR'] ?? `${SHARED_DIR}conformance/flamegraph/`;
