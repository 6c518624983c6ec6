/**
 * A small static file server on 127.0.0.1 (ephemeral port) for the HTTP store tests: GET and
 * HEAD, single byte ranges (206, 416), 404, optional HTML directory indexes, and injected 503s.
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve, sep } from "node:path";

export interface StaticServerOptions {
  /**
   * Directory URLs (`…/`) answer: `"python"` an index like python's http.server (dot files
   * listed), `"nginx"` like nginx's autoindex (dot files hidden, absolute hrefs), `false` 403
   * (nginx without autoindex). Default `false`.
   */
  indexes?: "python" | "nginx" | false;
  /** Answer the first N requests with 503 (with `Retry-After: 0`). Default 0. */
  failFirst?: number;
  /** Ignore `Range` headers (always 200 with the whole file). Default false. */
  ignoreRange?: boolean;
  /** URL paths (decoded) answered 403 Forbidden, as S3 answers for keys it will not show. */
  forbidden?: RegExp;
}

/** One request the server answered. */
export interface LoggedRequest {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Every request answered so far. */
  log: LoggedRequest[];
  close(): Promise<void>;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Serve `root` until `close()`. */
export async function startStaticServer(
  root: string,
  opts: StaticServerOptions = {},
): Promise<StaticServer> {
  const base = resolve(root);
  const log: LoggedRequest[] = [];
  let toFail = opts.failFirst ?? 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    if (toFail > 0) {
      toFail--;
      res.writeHead(503, { "retry-after": "0" }).end("unavailable");
      return 503;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return 405;
    }
    const urlPath = new URL(req.url ?? "/", "http://x").pathname;
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      res.writeHead(400).end();
      return 400;
    }
    if (opts.forbidden?.test(rel)) {
      res.writeHead(403, { "content-type": "application/xml" }).end("<Error>AccessDenied</Error>");
      return 403;
    }
    const file = resolve(base, `.${rel}`);
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return 403;
    }
    const st = await stat(file).catch(() => undefined);
    if (st === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return 404;
    }
    if (st.isDirectory()) {
      if (!urlPath.endsWith("/")) {
        res.writeHead(301, { location: `${urlPath}/` }).end();
        return 301;
      }
      if (opts.indexes === undefined || opts.indexes === false) {
        res.writeHead(403, { "content-type": "text/html" }).end("<h1>403 Forbidden</h1>");
        return 403;
      }
      const entries = (await readdir(file, { withFileTypes: true }))
        .filter((e) => opts.indexes === "python" || !e.name.startsWith("."))
        .sort((a, b) => a.name.localeCompare(b.name));
      const links = entries.map((e) => {
        const name = e.isDirectory() ? `${e.name}/` : e.name;
        // python links relative names; our "nginx" links absolute paths (both occur in the wild).
        const href = `${opts.indexes === "nginx" ? urlPath : ""}${encodeURIComponent(e.name)}${e.isDirectory() ? "/" : ""}`;
        return `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`;
      });
      const title =
        opts.indexes === "python" ? `Directory listing for ${urlPath}` : `Index of ${urlPath}`;
      const parent = opts.indexes === "nginx" ? '<a href="../">../</a>' : "";
      const html = `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${parent}<ul>${links.join("")}</ul></body></html>`;
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : html);
      return 200;
    }
    const size = st.size;
    const range = opts.ignoreRange ? undefined : req.headers.range;
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range !== undefined) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (m === null || (m[1] === "" && m[2] === "")) {
        res.writeHead(416, { "content-range": `bytes */${size}` }).end();
        return 416;
      }
      if (m[1] === "") start = Math.max(0, size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== "") end = Math.min(end, Number(m[2]));
      }
      if (start >= size || start > end) {
        res.writeHead(416, { "content-range": `bytes */${size}` }).end();
        return 416;
      }
      status = 206;
    }
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      "content-length": end - start + 1,
      "accept-ranges": "bytes",
    };
    if (status === 206) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    res.writeHead(status, headers);
    if (req.method === "HEAD" || size === 0) {
      res.end();
      return status;
    }
    await new Promise<void>((done, fail) => {
      createReadStream(file, { start, end }).on("error", fail).on("end", done).pipe(res);
    });
    return status;
  };

  const server = createServer((req, res) => {
    const entry: LoggedRequest = {
      method: req.method ?? "",
      path: new URL(req.url ?? "/", "http://x").pathname,
      range: req.headers.range,
      status: 0,
    };
    handle(req, res).then(
      (status) => {
        entry.status = status;
        log.push(entry);
      },
      () => {
        entry.status = 500;
        log.push(entry);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((err) => (err ? fail(err) : done()));
      }),
  };
}
