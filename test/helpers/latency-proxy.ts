/**
 * A small HTTP proxy on 127.0.0.1 in front of an S3 server: every response is delayed by a
 * random time in [minDelayMs, maxDelayMs] (default 20–50 ms), like a remote object store.
 *
 * With `conditionalWrites`, the proxy also emulates conditional PUTs, a server feature s3rver
 * lacks: a PUT with `If-None-Match: *` (create only) or `If-Match: <etag>` (replace only that
 * version) is checked against the object (an unsigned HEAD upstream) and forwarded only when
 * the condition holds, otherwise answered with 412 PreconditionFailed (404 NoSuchKey for
 * If-Match on a missing object), as S3 does. Check and write run under a per-key mutex that
 * every PUT and DELETE of that key takes, so the pair is atomic for everything that goes
 * through this proxy (all clients of a test, in any process, must use it).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface LatencyProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Requests forwarded or answered so far. */
  readonly requests: number;
  /** Conditional PUTs refused so far (emulation only). */
  readonly refused: number;
  /** `METHOD /bucket/key?query` of every request so far. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

export interface LatencyProxyOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Emulate `If-None-Match: *` / `If-Match` on PUT (see above). Default false. */
  conditionalWrites?: boolean;
}

export interface LatencyProxy {
  /**
   * Cut the bodies of the next `n` successful GETs of 2 bytes or more: the headers announce the
   * whole length, half the body is sent, then the connection is dropped (a server or network
   * failing mid-body).
   */
  cutBodies(n: number): void;
  /** Bodies cut so far. */
  readonly cut: number;
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function errorXml(code: string, message: string): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

/** Start a proxy in front of `upstream` (`http://host:port`). */
export async function startLatencyProxy(
  upstream: string,
  opts: LatencyProxyOptions = {},
): Promise<LatencyProxy> {
  const up = new URL(upstream);
  const minDelay = opts.minDelayMs ?? 20;
  const maxDelay = opts.maxDelayMs ?? 50;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const keyLocks = new Map<string, Promise<void>>();
  let requests = 0;
  let refused = 0;
  let toCut = 0;
  let cut = 0;
  const log: string[] = [];

  const forward = (
    method: string,
    url: string,
    headers: http.IncomingHttpHeaders,
    body: Buffer | undefined,
  ): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: up.hostname, port: up.port, method, path: url, headers, agent },
        (res) => {
          collect(res).then(
            (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }),
            reject,
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  /** Run `fn` holding the mutex of object path `key`. */
  const withKey = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = keyLocks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = prev.then(() => mine);
    keyLocks.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (keyLocks.get(key) === tail) keyLocks.delete(key);
    }
  };

  const conditionalPut = async (
    url: string,
    headers: http.IncomingHttpHeaders,
    body: Buffer,
  ): Promise<Upstream> => {
    const head = await forward("HEAD", url, { host: headers.host ?? up.host }, undefined);
    const exists = head.status === 200;
    const etag = head.headers.etag;
    const noneMatch = headers["if-none-match"];
    const ifMatch = headers["if-match"];
    const xml = { "content-type": "application/xml" };
    if (noneMatch === "*" && exists) {
      refused++;
      return {
        status: 412,
        headers: xml,
        body: errorXml(
          "PreconditionFailed",
          "At least one of the pre-conditions you specified did not hold",
        ),
      };
    }
    if (ifMatch !== undefined && !exists) {
      refused++;
      return {
        status: 404,
        headers: xml,
        body: errorXml("NoSuchKey", "The specified key does not exist."),
      };
    }
    if (ifMatch !== undefined && ifMatch !== etag) {
      refused++;
      return {
        status: 412,
        headers: xml,
        body: errorXml(
          "PreconditionFailed",
          "At least one of the pre-conditions you specified did not hold",
        ),
      };
    }
    return forward("PUT", url, headers, body);
  };

  const server = http.createServer((req, res) => {
    requests++;
    log.push(`${req.method} ${req.url}`);
    void (async () => {
      const body = await collect(req);
      delete req.headers.expect; // the body is already here
      const url = req.url ?? "/";
      const method = req.method ?? "GET";
      const path = url.split("?")[0]!;
      // A plain object request: no sub-resource (uploadId, partNumber, tagging…) in the query;
      // the SDK adds x-id=<operation> to every request.
      const query = new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "");
      const plainObject = [...query.keys()].every((k) => k === "x-id");
      let answer: Upstream;
      if (opts.conditionalWrites && plainObject && (method === "PUT" || method === "DELETE")) {
        const conditional =
          method === "PUT" &&
          req.headers["x-amz-copy-source"] === undefined &&
          (req.headers["if-none-match"] !== undefined || req.headers["if-match"] !== undefined);
        answer = await withKey(path, () =>
          conditional
            ? conditionalPut(url, req.headers, body)
            : forward(method, url, req.headers, body),
        );
      } else {
        answer = await forward(
          method,
          url,
          req.headers,
          method === "GET" || method === "HEAD" ? undefined : body,
        );
      }
      await new Promise((r) => setTimeout(r, minDelay + Math.random() * (maxDelay - minDelay)));
      const headers = { ...answer.headers };
      delete headers["transfer-encoding"];
      delete headers.connection;
      if (method !== "HEAD") headers["content-length"] = String(answer.body.length);
      res.writeHead(answer.status, headers);
      if (method === "GET" && answer.status === 200 && answer.body.length >= 2 && toCut > 0) {
        toCut--;
        cut++;
        res.write(answer.body.subarray(0, answer.body.length >> 1), () => res.socket?.destroy());
        return;
      }
      res.end(method === "HEAD" ? undefined : answer.body);
    })().catch(() => {
      // Upstream unreachable: drop the connection, as a dead server would.
      res.socket?.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get refused() {
      return refused;
    },
    get cut() {
      return cut;
    },
    cutBodies(n: number) {
      toCut += n;
    },
    log,
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}
