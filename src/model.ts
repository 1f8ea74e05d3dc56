// The types at the seams, in one import: what the parsers produce
// (parsers/records.ts), what the join produces (src/fault-site.ts), the fault
// classes (src/fault-class.ts), what the protection timeline and the regions
// produce (src/memory/protection-types.ts, region-types.ts), and the report
// every renderer draws (src/report-types.ts). Each stage's types live with the
// stage; this module only gathers them.

export * from '../parsers/records.js';
export type { FaultClass } from './fault-class.js';
export * from './fault-site.js';
export * from './memory/protection-types.js';
export * from './memory/region-types.js';
export * from './report-types.js';
