// Sends made before the connection is open: kept in order and written on open. Created by the first such
// send and dropped after the flush, so an open connection carries no queue.
import type { Link, SendData } from './link.js';
import { byteSize } from './registry.js';

export class SendQueue {
  private items: SendData[] = [];
  /** Bytes queued (what maxSendBufferSize bounds). */
  bytes = 0;

  push(data: SendData): void {
    this.items.push(data);
    this.bytes += byteSize(data);
  }

  /** Writes everything to `link` in order; resolves to how many it accepted. */
  flush(link: Link): number {
    let written = 0;
    for (const data of this.items) if (link.write(data)) written++;
    this.items = [];
    this.bytes = 0;
    return written;
  }
}
