// An empty ES module: `node empty.js` is the Node start-up every CLI verb pays before our code runs, the
// baseline the CLI benchmark prints next to its wall times.
export {};
