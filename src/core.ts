// The bundle's entry (scripts/bundle.mjs): the public API plus what the module form's worker entry needs.
// Built into one CommonJS file that src/core-loader.ts compiles with V8's code cache; dist/src/index.js
// and dist/src/worker/module-entry.js are generated ES module shims over it.
export * from './index.js';
export { runModuleEntry } from './worker/module-worker.js';
