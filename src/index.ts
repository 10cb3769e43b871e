// The public API of workerman-ts, and nothing else.
export * from './connection/index.js';
