/** Rejected by Runtime.start when the workers did not all come up (or the script could not be loaded). */
export class RuntimeStartError extends Error {
  constructor(
    message: string,
    /** The slot ("name#id") that failed, when one did. */
    readonly slot: string | null = null,
    /** True when nothing failed: stop() was called while the workers were starting. */
    readonly stoppedWhileStarting = false,
  ) {
    super(message);
    this.name = 'RuntimeStartError';
  }
}
