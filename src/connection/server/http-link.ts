// http:// on node:http: one link per TCP connection (keep-alive and pipelining are Node's). Each request's
// body is collected up to maxPackageSize, then the request goes to onMessage; `conn.send()` answers the
// oldest request still waiting (Node writes pipelined answers in order).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ConnectionError, fault } from '../errors.js';
import type { Link, LinkOwner, SendData } from '../link.js';
import type { HttpResponse } from './types.js';

/** One HTTP request as onMessage gets it. */
export class HttpRequest {
  /** `'GET'`, `'POST'`, ... */
  readonly method: string;
  /** The request target as sent: path and query string (`/hook?x=1`). */
  readonly url: string;
  /** Header names lower case, as Node parses them. */
  readonly headers: IncomingMessage['headers'];
  /** `'1.1'`. */
  readonly httpVersion: string;
  /** The whole body (empty for none), at most maxPackageSize bytes. */
  readonly body: Buffer;

  constructor(req: IncomingMessage, body: Buffer) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
    this.headers = req.headers;
    this.httpVersion = req.httpVersion;
    this.body = body;
  }

  /** The path without the query string. */
  get path(): string {
    const q = this.url.indexOf('?');
    return q === -1 ? this.url : this.url.slice(0, q);
  }
  /** The query string parsed. */
  get query(): URLSearchParams {
    const q = this.url.indexOf('?');
    return new URLSearchParams(q === -1 ? '' : this.url.slice(q + 1));
  }
  /** The body as UTF-8 text. */
  text(): string {
    return this.body.toString('utf8');
  }
  /** The body parsed as JSON. @throws SyntaxError for a body that is not JSON. */
  json(): unknown {
    return JSON.parse(this.text()) as unknown;
  }
}

const EMPTY = Buffer.alloc(0);

/** The HTTP side of one accepted TCP connection. */
export class HttpLink implements Link {
  /** Responses of requests delivered to onMessage and not answered yet, oldest first. */
  private readonly waiting: ServerResponse[] = [];
  /** Requests whose body is still arriving. */
  private receiving = 0;
  /** Requests seen on this connection: a stop waits a moment for the first one of a fresh connection. */
  private requests = 0;
  private closing = false;

  constructor(
    private readonly owner: LinkOwner & { readonly remoteAddress: string },
    private readonly socket: Socket,
    private readonly maxBody: number,
    private readonly closeTimeoutMs: number,
  ) {
    socket.once('close', () => this.owner._linkClosed(this, null, ''));
  }

  /** A request arrived (node:http's 'request'): collect its body within the limit, then deliver it. */
  request(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBody) return this.tooLarge(res, declared);
    this.receiving++;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxBody) {
        req.removeAllListeners('data');
        req.removeAllListeners('end');
        this.receiving--;
        this.tooLarge(res, size, true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      this.receiving--;
      const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      this.waiting.push(res);
      this.owner._linkMessage(new HttpRequest(req, body));
    });
    req.on('error', () => undefined); // an aborted request: the socket's close reports it
  }

  private tooLarge(res: ServerResponse, size: number, atLeast = false): void {
    const detail = `HTTP request body of ${atLeast ? 'more than ' : ''}${atLeast ? this.maxBody : size} bytes (maxPackageSize ${this.maxBody})`;
    this.owner._linkFault(this, fault(ConnectionError.PACKAGE_TOO_LARGE, this.owner.remoteAddress, detail));
    this.closing = true;
    res.shouldKeepAlive = false;
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end('request body too large\n', () => this.socket.destroySoon());
    setTimeout(() => this.socket.destroy(), this.closeTimeoutMs).unref();
  }

  /** `conn.send()`: answers the oldest waiting request. False when none waits (nothing to answer). */
  write(data: SendData | HttpResponse): boolean {
    const res = this.waiting.shift();
    if (res === undefined || this.socket.destroyed) return false;
    let status = 200;
    let body: string | Buffer | Uint8Array;
    let headers: HttpResponse['headers'] | undefined;
    if (typeof data === 'string' || data instanceof Uint8Array) body = data;
    else if (data instanceof ArrayBuffer) body = new Uint8Array(data);
    else {
      status = data.status ?? 200;
      headers = data.headers;
      body = data.body ?? EMPTY;
    }
    if (headers !== undefined) for (const name of Object.keys(headers)) res.setHeader(name, headers[name]!);
    if (!res.hasHeader('content-type'))
      res.setHeader(
        'content-type',
        typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream',
      );
    if (this.closing) {
      res.shouldKeepAlive = false;
      res.setHeader('connection', 'close');
    }
    res.statusCode = status;
    res.end(body);
    if (this.closing && this.waiting.length === 0 && this.receiving === 0) this.endSoon();
    return true;
  }

  bufferedAmount(): number {
    return this.socket.writableLength;
  }

  private drainWatched = false;
  watchDrain(): void {
    if (this.drainWatched) return;
    this.drainWatched = true;
    this.socket.on('drain', () => this.owner._linkDrain(this));
  }

  watchAlive(): void {}
  ping(): void {}

  /**
   * Graceful: requests already received still get their answers (within closeTimeout), then the socket
   * ends. A connection that has not sent its first request yet gets up to a second for it (it was accepted
   * just before the stop; its client is sending): that request is answered with `Connection: close`. An
   * idle keep-alive connection ends at once, as Node's server.close() does.
   */
  close(): void {
    this.closing = true;
    if (this.waiting.length > 0 || this.receiving > 0) {
      setTimeout(() => this.socket.destroy(), this.closeTimeoutMs).unref();
    } else if (this.requests === 0) {
      setTimeout(
        () => {
          if (this.waiting.length === 0 && this.receiving === 0) this.endSoon();
        },
        Math.min(1000, this.closeTimeoutMs),
      ).unref();
      setTimeout(() => this.socket.destroy(), this.closeTimeoutMs + 1000).unref();
    } else {
      this.endSoon();
    }
  }

  private endSoon(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), this.closeTimeoutMs).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}
