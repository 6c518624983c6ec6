/**
 * The Redis connection of a queue: a `redis://` / `rediss://` URL or ioredis options, checked
 * where they enter (the API and the CLI), turned into the ioredis options BullMQ opens its own
 * connections with, and a first contact that fails fast (a typed error within seconds, never a
 * hang) when the server cannot be reached.
 */
import type { RedisOptions } from "bullmq";
import { type RedisOptions as IoRedisOptions, Redis } from "ioredis";
import { InvalidOptionsError, QueueAccessError, UnsupportedError } from "../errors.js";

/** A Redis URL (`redis://host:port/db`, `rediss://` for TLS) or ioredis options. */
export type QueueConnection = string | RedisOptions;

/** A checked connection: ioredis options and a label without secrets. */
export interface ResolvedConnection {
  options: RedisOptions;
  /** `redis://host:port/db`, without user or password (for messages). */
  label: string;
}

/** Reconnect quickly (Redis restarts are short), never slower than every 2 s. */
export function reconnectDelay(times: number): number {
  return Math.min(100 * 2 ** Math.min(times, 5), 2000);
}

/**
 * Check a connection and turn it into ioredis options.
 * @throws {TypeError} neither a string nor an options object.
 * @throws {UnsupportedError} a URL that is not `redis://` or `rediss://`, or options with a
 * `keyPrefix` (BullMQ names its keys itself).
 */
export function resolveConnection(connection: unknown): ResolvedConnection {
  if (typeof connection === "string") {
    let url: URL;
    try {
      url = new URL(connection);
    } catch (cause) {
      throw new InvalidOptionsError(
        "queue.connection",
        connection,
        "a redis://host:port URL (or rediss:// for TLS) or ioredis options",
        { cause },
      );
    }
    if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
      throw new UnsupportedError(
        `Redis URL scheme ${url.protocol}`,
        `queue connection ${JSON.stringify(redact(url))} has the scheme "${url.protocol}"; expected redis://host:port (or rediss:// for TLS)`,
      );
    }
    const db = url.pathname.replace(/^\/+/, "");
    if (db !== "" && !/^\d+$/.test(db)) {
      throw new InvalidOptionsError(
        "queue.connection",
        redact(url),
        "a database number after the host (redis://host:port/0)",
      );
    }
    if (url.port === "0") {
      throw new InvalidOptionsError(
        "queue.connection",
        redact(url),
        "a port from 1 to 65535 (redis://host:6379)",
      );
    }
    const options: RedisOptions = {
      host: url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
      port: url.port === "" ? 6379 : Number(url.port),
      db: db === "" ? 0 : Number(db),
    };
    if (url.username !== "") options.username = decodeURIComponent(url.username);
    if (url.password !== "") options.password = decodeURIComponent(url.password);
    if (url.protocol === "rediss:") options.tls = {};
    return { options, label: labelOf(options) };
  }
  if (connection === null || typeof connection !== "object" || Array.isArray(connection)) {
    throw new InvalidOptionsError(
      "queue.connection",
      connection,
      "a redis:// URL or ioredis options ({ host, port })",
    );
  }
  const options = { ...(connection as RedisOptions) };
  if (options.keyPrefix !== undefined && options.keyPrefix !== "") {
    throw new UnsupportedError(
      "ioredis keyPrefix",
      `queue.connection has keyPrefix ${JSON.stringify(options.keyPrefix)}; BullMQ names its keys itself: remove keyPrefix (queues are kept apart by their name)`,
    );
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port > 0)) {
    throw new InvalidOptionsError(
      "queue.connection.port",
      options.port,
      "a port number (an integer from 1 to 65535)",
    );
  }
  return { options, label: labelOf(options) };
}

function redact(url: URL): string {
  const u = new URL(url.href);
  u.username = "";
  u.password = "";
  return u.href;
}

function labelOf(o: RedisOptions): string {
  const scheme = o.tls === undefined ? "redis" : "rediss";
  if (o.path !== undefined) return `${scheme}+unix://${o.path}`;
  const host = o.host ?? "127.0.0.1";
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${o.port ?? 6379}/${o.db ?? 0}`;
}

/** The error code of a connection error (`ECONNREFUSED`), when there is one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Connect once, ping, disconnect: the coordinator's first contact. Never retries and never
 * waits longer than `timeoutMs`.
 * @throws {QueueAccessError} the server cannot be reached, refused us, or did not answer.
 */
export async function checkRedis(conn: ResolvedConnection, timeoutMs = 3000): Promise<void> {
  const client = new Redis({
    ...conn.options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // ioredis's own option type does not fit its constructor under exactOptionalPropertyTypes.
  } as IoRedisOptions as never);
  // connect() rejects with a generic "Connection is closed"; the socket's own error (with its
  // code, ECONNREFUSED) arrives as an 'error' event first.
  let socketError: unknown;
  client.on("error", (err) => {
    socketError ??= err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error("no answer"), { code: "ETIMEDOUT" })),
        timeoutMs,
      );
    });
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (caught) {
    const err = errorCode(caught) === undefined && socketError !== undefined ? socketError : caught;
    const code = errorCode(err);
    const why = err instanceof Error ? err.message : String(err);
    throw new QueueAccessError(
      conn.label,
      `cannot reach the queue's Redis at ${conn.label}: ${why}${code !== undefined && !why.includes(code) ? ` (${code})` : ""}; ` +
        "start redis-server there or fix the connection (--redis redis://host:port); nothing was written",
      { cause: err, code },
    );
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
