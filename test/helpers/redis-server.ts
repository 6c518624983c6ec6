/**
 * A real `redis-server` (the Debian package) for the queue tests: on 127.0.0.1 (or the
 * addresses given in `bind`, e.g. a veth's host side for workers in network namespaces), a free port
 * picked here (never `--port 0`), a throwaway directory, no persistence (`--save ""
 * --appendonly no`). `kill()` stops it at once (SIGKILL, as a crash: its data is gone);
 * `start()` serves the same port again; `dispose()` stops it and removes the directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

/** A port nobody listens on right now (the OS picks it; we close it again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
export async function waitForPort(
  port: number,
  timeoutMs = 5000,
  host = "127.0.0.1",
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host, port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline)
      throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RedisTestServer {
  port: number;
  /** `redis://<first bind address>:<port>` (127.0.0.1 by default) */
  url: string;
  dir: string;
  /** The running server's pid (undefined while stopped). */
  readonly pid: number | undefined;
  /** SIGKILL the server and wait until it is gone (a crash: every key is lost). */
  kill(): Promise<void>;
  /** Start it again on the same port (after `kill`). */
  start(): Promise<void>;
  /** Stop it (if running) and remove its directory. */
  dispose(): Promise<void>;
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => p.once("exit", () => resolve()));
}

/** Start a redis-server; stop it with `dispose()` in afterAll. */
export async function startRedisServer(
  opts: { bind?: readonly string[] } = {},
): Promise<RedisTestServer> {
  const bind = opts.bind ?? ["127.0.0.1"];
  const host = bind[0] ?? "127.0.0.1";
  const dir = await mkdtemp(join(tmpdir(), "ngff-redis-"));
  let proc: ChildProcess | undefined;
  let port = 0;
  let log = "";
  const launch = async () => {
    const p = spawn(
      REDIS_SERVER,
      [
        "--port",
        String(port),
        "--bind",
        ...bind,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--daemonize",
        "no",
        "--protected-mode",
        "no",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    p.stdout?.on("data", (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    p.stderr?.on("data", (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    const failed = new Promise<never>((_, reject) => {
      p.once("error", reject);
      p.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${log}`)));
    });
    proc = p;
    await Promise.race([waitForPort(port, 5000, host), failed]);
  };
  // A port found free may be taken before redis binds it: try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (proc !== undefined) {
        proc.kill("SIGKILL");
        await exited(proc);
      }
      proc = undefined;
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const kill = async () => {
    const p = proc;
    proc = undefined;
    if (p === undefined) return;
    p.kill("SIGKILL");
    await exited(p);
  };
  return {
    port,
    url: `redis://${host}:${port}`,
    dir,
    get pid() {
      return proc?.pid;
    },
    kill,
    start: launch,
    dispose: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
