// TEMPORARY stand-in until the connection layer lands (branch `conn`): only what the process side needs.
export class AsyncTcpConnection {
  static readonly connections: ReadonlySet<AsyncTcpConnection> = new Set();
  static readonly totals = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, reconnects: 0, sendFailures: 0 };
  static async closeAll(_code = 1001, _reason?: string): Promise<void> {}
  info(): Record<string, string | number | boolean | null> {
    return {};
  }
}
