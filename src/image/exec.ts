// The builder's program runner now lives in src/exec.ts (shared by the roots
// providers and exports writers); this keeps the builder's imports working.
export { findTool, requireTool, run, runRaw, type RunOptions } from '../exec.js';
