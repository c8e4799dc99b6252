/**
 * Open-loop load at a constant rate: request i is due at start + i / rate whatever happened to the
 * ones before it, goes out on the first free keep-alive connection (waiting in a queue while all
 * are busy), and its latency counts from when it was due. A till network sends like this; a closed
 * loop (each connection waiting for its answer before the next request) would slow down with the
 * service and hide the queueing (coordinated omission), and autocannon's fixed rate sends each
 * second's share in a burst at the start of the second.
 *
 * The generator shares the machine's cores with the service and its database, so it speaks
 * HTTP/1.1 over bare `node:net` sockets: each request is one prebuilt buffer and each answer is
 * read by a parser that only looks for the status, the body's framing and `Connection: close`.
 * At 2,000/s against a local server answering 4 KB of JSON, node:http's client took 160–200 µs of
 * this process's CPU per request and this takes 70–90, most of it the event loop's wake-ups and the
 * socket system calls that any client pays.
 */
import net from "node:net";

/** What to send: POSTs of `body(i)` to `url` + `path`, `rate` a second for `seconds`. */
export interface PacedLoad {
  url: string;
  path: string;
  /** Sent with every request; the generator writes Content-Length, and Host unless given here. */
  headers: Record<string, string>;
  body: (i: number) => string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Keep-alive connections at most. */
  connections: number;
  /** Requests still unanswered this long after the last one was due count as errors (30 s unless given). */
  drainMs?: number;
}

/** What a paced run measured. */
export interface PacedResult {
  /** Requests sent (rate × seconds). */
  total: number;
  /** Requests that did not end in a 2xx answer. */
  errors: number;
  /** Answers per second, from the first request due to the last answer. */
  achieved: number;
  /** Latency percentiles in ms, each request counted from when it was due. */
  p50: number;
  p99: number;
  max: number;
}

const DRAIN_MS = 30_000;
/** A response head or chunk-size line longer than this is not HTTP we will ever get from the service: the connection is dropped. */
const MAX_LINE_BYTES = 64 * 1024;
const CRLF = Buffer.from("\r\n", "latin1");
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

/** Where the parser of a connection stands in the response it is reading. */
const enum Read {
  Head,
  /** Bytes of a Content-Length body still to skip (`remaining`); at 0 the answer is complete. */
  Body,
  ChunkSize,
  /** Bytes of a chunk's data and the CRLF after it still to skip (`remaining`). */
  ChunkData,
  /** After the last chunk: trailer lines up to an empty one. */
  Trailers,
  /** No framing given: the body ends when the server closes the connection. */
  UntilClose,
}

/** One keep-alive connection with at most one request in flight (no pipelining) and the state of its response parser. */
interface Connection {
  socket: net.Socket;
  /** Index of the request in flight, -1 when idle. */
  request: number;
  closed: boolean;
  /** Bytes received and not yet parsed start at `buffer[offset]`. */
  buffer: Buffer;
  offset: number;
  read: Read;
  remaining: number;
  /** Status of the response being read. */
  status: number;
  /** Whether the response being read ends this connection (Connection: close, HTTP/1.0, no framing). */
  closeAfter: boolean;
}

function percentile(sorted: Float64Array, p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]! * 10) / 10;
}

/** The bytes every request shares up to the value of its Content-Length: request line, Host and the given headers. */
function requestPrefix(url: URL, path: string, headers: Record<string, string>): Buffer {
  let head = `POST ${path} HTTP/1.1\r\n`;
  const given = Object.keys(headers).map((name) => name.toLowerCase());
  if (!given.includes("host")) head += `Host: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    // The body's length differs per request and is always written below: a given one would be a second, conflicting header.
    if (name.toLowerCase() === "content-length") continue;
    if (/[\r\n]/.test(name + value)) throw new Error(`header ${JSON.stringify(name)} holds a line break`);
    head += `${name}: ${value}\r\n`;
  }
  return Buffer.from(head + "Content-Length: ", "latin1");
}

/** Value of a hexadecimal chunk size (extensions after ';' ignored), or -1 when it is not one. */
function chunkSize(buffer: Buffer, start: number, end: number): number {
  let size = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = buffer[i]!;
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit < 0) {
      if (c === 59 || c === 32 || c === 9) break;
      return -1;
    }
    size = size * 16 + digit;
    digits++;
  }
  return digits === 0 || digits > 12 ? -1 : size;
}

/** Sends `rate × seconds` requests at a constant rate and measures each from when it was due. */
export function pacedLoad(load: PacedLoad): Promise<PacedResult> {
  const url = new URL(load.url);
  if (url.protocol !== "http:") throw new Error(`pacedLoad speaks plain HTTP only, not ${url.protocol}`);
  // net.connect takes an IPv6 address without the brackets a URL wraps it in.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || 80);
  const prefix = requestPrefix(url, load.path, load.headers);
  const total = Math.round(load.rate * load.seconds);
  const latencies = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
  // Requests [dispatched, due) are the queue: they fell due in order and leave it in order.
  let due = 0;
  let dispatched = 0;
  let answered = 0;
  let errors = 0;
  let open = 0;
  const idle: Connection[] = [];
  const connections = new Set<Connection>();
  // Every socket reads into this one buffer, parsed before the next read: no buffer and no 'data' event per read.
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  const start = performance.now();
  const dueAt = (i: number) => start + (i * 1000) / load.rate;

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drain);
      for (const connection of connections) connection.socket.destroy();
      const elapsedS = (performance.now() - start) / 1000;
      const sorted = latencies.slice().sort();
      resolve({ total, errors: errors + (total - answered), achieved: Math.round(answered / elapsedS), p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: percentile(sorted, 1) });
    };
    const drain = setTimeout(finish, load.seconds * 1000 + (load.drainMs ?? DRAIN_MS));

    /** Ends the request in flight on a connection, if any, and frees the connection for the queue. */
    const settle = (connection: Connection, ok: boolean) => {
      const i = connection.request;
      if (i < 0 || finished) return;
      connection.request = -1;
      latencies[i] = performance.now() - dueAt(i);
      if (!ok) errors++;
      if (++answered === total) finish();
    };

    /** Takes a connection out of service: its request in flight, if still open, is an error; the queue gets a new connection. */
    const retire = (connection: Connection) => {
      if (connection.closed) return;
      connection.closed = true;
      open--;
      connections.delete(connection);
      settle(connection, false);
      connection.socket.destroy();
      pump();
    };

    const send = (connection: Connection, i: number) => {
      connection.request = i;
      const body = load.body(i);
      const bodyBytes = Buffer.byteLength(body);
      const length = `${bodyBytes}\r\n\r\n`;
      // One buffer, one write: small ones come from Buffer's pool, and the kernel gets one segment per request (no delay).
      const bytes = Buffer.allocUnsafe(prefix.length + length.length + bodyBytes);
      prefix.copy(bytes, 0);
      bytes.write(length, prefix.length, "latin1");
      bytes.write(body, prefix.length + length.length, "utf8");
      connection.socket.write(bytes);
    };

    const connect = (): Connection => {
      const onread = { buffer: readBuffer, callback: (bytes: number) => receive(connection, readBuffer.subarray(0, bytes)) };
      const socket = net.connect({ host, port, noDelay: true, onread });
      const connection: Connection = { socket, request: -1, closed: false, buffer: EMPTY, offset: 0, read: Read.Head, remaining: 0, status: 0, closeAfter: false };
      // 'close' follows every 'error' and says all that matters here.
      socket.on("error", () => {});
      socket.on("close", () => {
        // Without framing, the body ends with the connection: that answer is complete.
        if (connection.read === Read.UntilClose && connection.request >= 0) settle(connection, connection.status >= 200 && connection.status < 300);
        retire(connection);
      });
      open++;
      connections.add(connection);
      return connection;
    };

    /** A response has been read through: its request settles with its status, unless it was an interim 1xx. */
    const complete = (connection: Connection) => {
      const status = connection.status;
      connection.read = Read.Head;
      // An interim answer (100 Continue and the like) is followed by the real one to the same request.
      if (status < 200) return;
      if (connection.request < 0) {
        // An answer nobody asked for: what follows on this connection can no longer be matched to requests.
        retire(connection);
        return;
      }
      settle(connection, status < 300);
      if (connection.closeAfter) retire(connection);
    };

    /** Sends queued requests on idle connections, opening new ones up to the limit. */
    const pump = () => {
      while (dispatched < due && !finished) {
        let connection = idle.pop();
        if (connection?.closed) continue;
        if (!connection) {
          if (open >= load.connections) return;
          connection = connect();
        }
        send(connection, dispatched++);
      }
    };

    /** Reads the start of a response: status line and the headers that frame the body. False when the bytes do not make one. */
    const readHead = (connection: Connection, end: number): boolean => {
      const head = connection.buffer.toString("latin1", connection.offset, end);
      // "HTTP/1.x NNN" then a space before the reason phrase, or the end of the line without one.
      const afterStatus = head.charCodeAt(12);
      if (!head.startsWith("HTTP/1.") || !(afterStatus === 32 || afterStatus === 13 || head.length === 12)) return false;
      const status = Number(head.slice(9, 12));
      // 101 would hand the connection to another protocol, which we never ask for.
      if (!Number.isInteger(status) || status < 100 || status === 101) return false;
      let contentLength = -1;
      let chunked = false;
      // HTTP/1.0 closes after each answer unless it says otherwise.
      let closeAfter = head.charCodeAt(7) === 48;
      for (let line = head.indexOf("\r\n") + 2; line > 1 && line < head.length; ) {
        const next = head.indexOf("\r\n", line);
        const lineEnd = next < 0 ? head.length : next;
        const colon = head.indexOf(":", line);
        const nameLength = colon - line;
        // Only three headers matter; comparing lengths first spares lower-casing every other name.
        if (colon > 0 && colon < lineEnd && (nameLength === 14 || nameLength === 17 || nameLength === 10)) {
          const name = head.slice(line, colon).toLowerCase();
          const value = head.slice(colon + 1, lineEnd).trim().toLowerCase();
          if (name === "content-length") {
            if (!/^\d+$/.test(value)) return false;
            contentLength = Number(value);
          } else if (name === "transfer-encoding") chunked = value.endsWith("chunked");
          else if (name === "connection") {
            // The service says "keep-alive" on every answer: the plain values skip the token search.
            if (value === "keep-alive") closeAfter = false;
            else if (value === "close" || /(^|,)\s*close\s*(,|$)/.test(value)) closeAfter = true;
            else if (/(^|,)\s*keep-alive\s*(,|$)/.test(value)) closeAfter = false;
          }
        }
        line = lineEnd + 2;
      }
      connection.status = status;
      connection.closeAfter = closeAfter;
      // Chunked framing wins over a Content-Length sent with it (RFC 9112 §6.3).
      connection.remaining = 0;
      if (status < 200 || status === 204 || status === 304) connection.read = Read.Body;
      else if (chunked) connection.read = Read.ChunkSize;
      else if (contentLength >= 0) {
        connection.read = Read.Body;
        connection.remaining = contentLength;
      } else {
        connection.read = Read.UntilClose;
        connection.closeAfter = true;
      }
      return true;
    };

    /**
     * Parses what arrived: an answer may come in several pieces and, in principle, several in one
     * piece, so this walks the bytes until they run out and keeps only an unfinished line.
     */
    const receive = (connection: Connection, chunk: Buffer): boolean => {
      const busy = connection.request >= 0;
      const leftover = connection.offset < connection.buffer.length;
      const buffer = leftover ? Buffer.concat([connection.buffer.subarray(connection.offset), chunk]) : chunk;
      connection.buffer = buffer;
      connection.offset = 0;
      while (!connection.closed) {
        const available = buffer.length - connection.offset;
        if (connection.read === Read.Body || connection.read === Read.ChunkData) {
          const skipped = Math.min(available, connection.remaining);
          connection.offset += skipped;
          connection.remaining -= skipped;
          if (connection.remaining > 0) break;
          if (connection.read === Read.ChunkData) connection.read = Read.ChunkSize;
          else complete(connection);
          continue;
        }
        if (connection.read === Read.UntilClose) {
          connection.offset = buffer.length;
          break;
        }
        if (available === 0) break;
        if (connection.read === Read.Head) {
          const end = buffer.indexOf(HEAD_END, connection.offset);
          if (end < 0) {
            if (available > MAX_LINE_BYTES) retire(connection);
            break;
          }
          if (!readHead(connection, end)) {
            retire(connection);
            break;
          }
          connection.offset = end + 4;
          continue;
        }
        const end = buffer.indexOf(CRLF, connection.offset);
        if (end < 0) {
          if (available > MAX_LINE_BYTES) retire(connection);
          break;
        }
        if (connection.read === Read.ChunkSize) {
          const size = chunkSize(buffer, connection.offset, end);
          if (size < 0) {
            retire(connection);
            break;
          }
          connection.offset = end + 2;
          // The data and the CRLF that closes it are skipped together.
          connection.read = size > 0 ? Read.ChunkData : Read.Trailers;
          connection.remaining = size + 2;
          continue;
        }
        // Trailers: an empty line ends the answer.
        const empty = end === connection.offset;
        connection.offset = end + 2;
        if (empty) complete(connection);
      }
      if (connection.offset >= buffer.length) {
        connection.buffer = EMPTY;
        connection.offset = 0;
      } else if (!leftover) {
        // The unfinished rest lies in the shared read buffer, which the next read overwrites.
        connection.buffer = Buffer.from(buffer.subarray(connection.offset));
        connection.offset = 0;
      }
      // Only a connection whose request was answered here joins the idle ones: a stray answer on an idle one must not add it twice.
      if (busy && !connection.closed && connection.request < 0) {
        idle.push(connection);
        pump();
      }
      // Keeps the socket reading (false would pause it).
      return true;
    };

    // Timers fire about every millisecond: each sends the requests that fell due since the last.
    const tick = () => {
      due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * load.rate) + 1);
      pump();
      if (due < total && !finished) setTimeout(tick, 1);
    };
    tick();
  });
}
