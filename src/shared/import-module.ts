// import() of a user's ES module (a start script, a workers module). One function of its own because the
// package runs as one CommonJS bundle compiled through node:vm (scripts/bundle.mjs, src/core-loader.ts),
// where Node 20 has no import(): the bundle swaps this file for a call to the loader's own import().
export function importModule(url: string): Promise<unknown> {
  return import(url);
}
