// The protection timeline: page maps per process, the changes that set them,
// faults joined to those changes, TLB flushes attributed to them.
export { protText } from './bits.js';
export { defaultSiteOf } from './site-of.js';
export { ProtectionTimeline } from './timeline.js';
export type { FaultAttribution, NotedFault, ProtectionOptions } from './timeline.js';
export { ThreadOwners } from './threads.js';
export type { ForkListener } from './threads.js';
