// Secrets a process knows of, so that what it prints about a failure never repeats them: URL credentials
// and query values, and the values of secret headers (Cookie, Authorization, Proxy-Authorization,
// Sec-WebSocket-Protocol tokens, and any name in `AsyncTcpConnection.secretHeaders`). `redact()` masks
// them, and every URL's credentials and query values, in a text; the worker runs crash output and start
// failures through it before they reach a log, `status` or a terminal.

/** Always secret, whatever `secretHeaders` says (lower case). */
export const DEFAULT_SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'sec-websocket-protocol',
];

/** Remembered values are bounded: a process that makes a new token per connection must not grow. */
const MAX_REMEMBERED = 1024;
/** Shorter values are not masked in free text (they would mask ordinary words); they never appear in URLs shown. */
const MIN_LENGTH = 6;

const remembered = new Set<string>();
let extraNames: ReadonlySet<string> = new Set();

/** @internal Set the extra secret header names (AsyncTcpConnection.secretHeaders). */
export function setSecretHeaderNames(names: readonly string[]): void {
  extraNames = new Set(names.map((n) => String(n).toLowerCase()));
}

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return DEFAULT_SECRET_HEADERS.includes(lower) || extraNames.has(lower);
}

function remember(value: string): void {
  const v = value.trim();
  if (v.length < MIN_LENGTH || remembered.has(v)) return;
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.values().next().value!);
  remembered.add(v);
}

/** @internal Remember the secret parts of `url`: user, password, query values. */
export function rememberUrlSecrets(url: URL): void {
  if (url.username) remember(decodeURIComponent(url.username));
  if (url.password) remember(decodeURIComponent(url.password));
  for (const value of url.searchParams.values()) remember(value);
}

/** @internal Remember the values of the secret headers in `headers` (and each part of a cookie or token list). */
export function rememberHeaderSecrets(headers: Record<string, string>): void {
  for (const name in headers) {
    if (!isSecretHeader(name)) continue;
    const value = headers[name];
    if (typeof value !== 'string') continue;
    remember(value);
    // "sid=abc; theme=x", "chat, token-abc", "Bearer xyz": each part may be printed alone.
    for (const part of value.split(/[;,]/)) {
      const piece = part.trim();
      remember(piece);
      const eq = piece.indexOf('=');
      if (eq > 0) remember(piece.slice(eq + 1));
      const space = piece.indexOf(' ');
      if (space > 0) remember(piece.slice(space + 1));
    }
  }
}

/**
 * @internal An accepted websocket upgrade: its client's secret headers and the query values of its request
 * path (`/feed?token=...`), so that crash output about that client names neither. Once per handshake.
 */
export function rememberRequestSecrets(
  headers: Record<string, string | string[] | undefined>,
  path?: string,
): void {
  rememberHeaderSecrets(headers as Record<string, string>);
  const query = path?.indexOf('?') ?? -1;
  if (query < 0) return;
  for (const value of new URLSearchParams(path!.slice(query + 1)).values()) remember(value);
}

const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@'"`<>]*@)?([^\s?#'"`<>]*)(\?[^\s#'"`<>]*)?/gi;

/**
 * `text` with every URL's credentials and query values replaced by `***`, and every remembered secret
 * value too. For messages and stacks about failures (not a hot path).
 */
export function redact(text: string): string {
  let out = text.replace(
    URL_IN_TEXT,
    (_m, scheme: string, creds: string | undefined, rest: string, query?: string) => {
      const q = query ? query.replace(/=[^&]*/g, '=***') : '';
      return `${scheme}${creds ? '***@' : ''}${rest}${q}`;
    },
  );
  for (const secret of remembered) if (out.includes(secret)) out = out.split(secret).join('***');
  return out;
}
