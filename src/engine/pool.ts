/**
 * The worker pool of the pyramid engine. Callers bound the tasks they submit with
 * `forEachBounded` (src/store/concurrency.ts): never more than a few queued per thread, so
 * memory does not grow with the image.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import type { Piscina } from "piscina";
import { InvalidOptionsError } from "../errors.js";

let piscinaClass: typeof Piscina | undefined;
/**
 * Piscina, loaded by the first pool (synchronously: it is CommonJS, and the same module its ESM
 * entry wraps): a process that never starts a pool (most CLI commands) does not load it.
 */
function piscina(): typeof Piscina {
  piscinaClass ??= (createRequire(import.meta.url)("piscina") as typeof import("piscina")).Piscina;
  return piscinaClass;
}

/**
 * Set by the bundled build (scripts/build.mjs) to the worker bundle's path relative to the
 * bundle file that holds this module; undefined when running from source or from tsc's output.
 */
declare const __NGFF_BUNDLED_WORKER__: string | undefined;

/**
 * Absolute path of the worker entry, relative to this module: `dist/workers/pyramid-task.js`
 * (the worker bundle) next to the built library, bundled (`dist/src/*.js`) or not
 * (`dist/src/engine/pool.js`), or `workers/pyramid-task.dev.mjs` when running from source (dev,
 * tests, benchmarks), which registers the tsx loader inside the worker thread before loading
 * `pyramid-task.ts`. The environment variable `NGFF_PYRAMID_WORKER` (an absolute path) names
 * another entry: an application bundled with its dependencies, where the library's own files
 * are not beside it, points it at a copy of `dist/workers/pyramid-task.js`.
 * @throws {InvalidOptionsError} when `NGFF_PYRAMID_WORKER` is set but not an absolute path.
 */
export function pyramidWorkerFile(): string {
  const override = process.env.NGFF_PYRAMID_WORKER;
  if (override !== undefined && override !== "") {
    if (!isAbsolute(override)) {
      throw new InvalidOptionsError(
        "NGFF_PYRAMID_WORKER",
        override,
        "an absolute path of the pool's worker entry (pyramid-task.js)",
        { hint: "Unset it to use the worker shipped beside the library." },
      );
    }
    return override;
  }
  if (typeof __NGFF_BUNDLED_WORKER__ === "string") {
    return fileURLToPath(new URL(__NGFF_BUNDLED_WORKER__, import.meta.url));
  }
  const fromSource = import.meta.url.endsWith(".ts");
  const name = fromSource ? "pyramid-task.dev.mjs" : "pyramid-task.js";
  return fileURLToPath(new URL(`../../workers/${name}`, import.meta.url));
}

/** The young generation of a pool thread's JS heap (see `createPyramidPool`). */
const WORKER_YOUNG_GENERATION_MB = 6;

const LOADER_FLAGS = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"]);
/** The tsx package: `tsx`, `tsx/…`, or a path inside `node_modules/tsx/` (also as a URL). */
const TSX = /^tsx(\/|$)|[\\/]node_modules[\\/]tsx[\\/]/;

/**
 * V8 options Node accepts in `NODE_OPTIONS` (its docs list them). A worker refuses them in an
 * explicit `execArgv` (ERR_WORKER_INVALID_EXEC_ARGV), like every V8 option: they are the whole
 * process's, so threads have them anyway.
 */
const V8_IN_NODE_OPTIONS = new Set([
  "--abort-on-uncaught-exception",
  "--disallow-code-generation-from-strings",
  "--enable-etw-stack-walking",
  "--expose-gc",
  "--huge-max-old-generation-size",
  "--interpreted-frames-native-stack",
  "--jitless",
  "--max-old-space-size",
  "--max-semi-space-size",
  "--perf-basic-prof",
  "--perf-basic-prof-only-functions",
  "--perf-prof",
  "--perf-prof-unwinding-info",
  "--stack-trace-limit",
]);

/**
 * The Node flags pool threads start with. `undefined` (Node's default: the threads inherit the
 * process's flags) unless the process runs under the tsx loader; neither worker entry needs it
 * (the built one is JavaScript; the development one registers tsx inside its thread), and an
 * inherited loader costs each thread ~30 MB and ~50 ms to start (measured under `tsx` and
 * `node --import tsx`). Then the list is the process's flags minus tsx's and minus the V8
 * options Node documents for `NODE_OPTIONS`, which a worker refuses in an explicit list and has
 * anyway (when this function always returned a list, `node --max-old-space-size=4096` made every
 * pooled call fail with ERR_WORKER_INVALID_EXEC_ARGV). Other V8 flags under tsx still fail so.
 */
export function workerExecArgv(
  execArgv: readonly string[] = process.execArgv,
): string[] | undefined {
  const out: string[] = [];
  let sawTsx = false;
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (LOADER_FLAGS.has(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : (execArgv[i + 1] ?? "");
      if (TSX.test(value)) {
        sawTsx = true;
        if (eq < 0) i++;
        continue;
      }
    }
    if (V8_IN_NODE_OPTIONS.has(flag.startsWith("--no-") ? `--${flag.slice(5)}` : flag)) continue;
    out.push(arg);
  }
  return sawTsx ? out : undefined;
}

/** Options of {@link createPyramidPool}. */
export interface PyramidPoolOptions {
  /** Worker threads (min = max). Default `os.availableParallelism()`. */
  workers?: number;
  /**
   * Tasks one worker interleaves (default 1 with `syncIO`, else 2). With async file I/O, while
   * one task waits the other computes; with sync I/O the thread never waits, and a second task
   * only adds files in flight (measured: more kernel CPU, same wall time). Tasks never share a
   * block, so any value is safe.
   */
  tasksPerWorker?: number;
  /**
   * Workers read and write chunk files with synchronous calls on their own thread (default
   * true). Async calls would all queue on the process's one libuv threadpool, shared by every
   * worker. `false` restores async file I/O (for comparison in benchmarks).
   */
  syncIO?: boolean;
}

/** What a pool passes to its workers (Piscina `workerData`); read by `workers/pyramid-task.ts`. */
export interface PyramidWorkerData {
  ngffPyramid: { syncIO: boolean };
}

/**
 * A Piscina pool running the pyramid task handler, with a fixed number of threads (pyramid work
 * is CPU-bound). Pass it as `pool` to `computeLevels` to share it between many images; the
 * caller closes it (`await pool.destroy()`).
 * @throws {InvalidOptionsError} for a `workers` or `tasksPerWorker` that is not an integer >= 1.
 */
export function createPyramidPool(opts: PyramidPoolOptions = {}): Piscina {
  const threads = opts.workers ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InvalidOptionsError("workers", threads, "an integer >= 1 for a pool");
  }
  const syncIO = opts.syncIO ?? true;
  const perWorker = opts.tasksPerWorker ?? (syncIO ? 1 : 2);
  if (!Number.isInteger(perWorker) || perWorker < 1) {
    throw new InvalidOptionsError("tasksPerWorker", perWorker, "an integer >= 1");
  }
  const workerData: PyramidWorkerData = { ngffPyramid: { syncIO } };
  const Pool = piscina();
  const execArgv = workerExecArgv();
  // A thread's young generation stays small: tasks allocate their big buffers outside the JS
  // heap and small objects per block, and V8 otherwise grows each thread's new space to its
  // maximum over a long stream (measured over 1,000 stream frames with 2 threads: RSS +50 MB
  // from frame 100 on by default, +32 MB with this cap; same time).
  const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
  return new Pool({
    filename: pyramidWorkerFile(),
    workerData,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: perWorker,
    ...(execArgv === undefined ? {} : { execArgv }),
    resourceLimits,
  });
}
