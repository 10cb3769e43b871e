// Public surface of the connection layer (knows nothing about processes).
export {};
