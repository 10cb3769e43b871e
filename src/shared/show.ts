// How a setting's bad value reads in an error message, everywhere (connection options, master settings).

/** Strings quoted, so `'30'` is told apart from `30`; everything else as String() renders it. */
export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
