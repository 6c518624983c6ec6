/**
 * Direct calls into numcodecs' emscripten codec modules (lz4, zstd, blosc).
 *
 * numcodecs passes a `Uint8Array` to its wasm through embind's `std::string` marshalling, which
 * copies it into wasm memory one byte at a time in JavaScript (~1.3 ns/byte: as much CPU as lz4
 * compression itself), then copies the result out again. numcodecs exposes no lower-level entry,
 * so we make one, on an instance of numcodecs' module that is ours alone:
 *
 * - numcodecs 0.3.2 ships each codec as one bundled file (`dist/lz4.js`): the emscripten factory
 *   (`var lz4_codec = (() => …)();`), the wasm as base64 (`var lz4_codec_default2 =
 *   __toBinary("…")`) and the codec class, which calls the factory with a fixed module argument
 *   and exports nothing else. So we read that file, check its SHA-256, take the factory's source
 *   and the wasm out of it, evaluate the factory (`vm.runInThisContext`, under the file's name)
 *   and call it with a module argument of our own.
 * - That argument's `instantiateWasm(imports, receiveInstance)` (emscripten's hook for
 *   instantiating the wasm yourself) instantiates the wasm with the glue's imports wrapped, and
 *   hands the glue the exports wrapped. Nothing global is replaced, not even for a moment.
 * - start-up calls `_embind_register_function(name, argc, types, sig, invoker, fn, …)` once per
 *   bound function; we note the invoker (a table index) and function pointer of `compress`,
 *   `decompress` and `free_result`, found by name;
 * - one probe `compress` through the module's embind binding (what numcodecs' codec class calls)
 *   shows which exports are malloc and free (the one called with `4 + n + 1`, then the one called
 *   with the pointer it returned);
 * - during a direct call the codec returns `val(typed_memory_view(size, ptr))`, which reaches JS
 *   through `_emval_take_value(type, argv)`, the only two-argument import such a call makes: we
 *   read `[size, ptr]` at argv and return the constant handle of `undefined` (no emval handle is
 *   allocated, none has to be freed).
 *
 * Inputs are written into wasm memory with one `set` (or produced there, e.g. by a shuffle), and
 * the result is read through a view of wasm memory.
 *
 * All of this relies on numcodecs' build in detail, so it is tied to the build it was checked
 * against: numcodecs' package.json must say {@link CHECKED_NUMCODECS_VERSION} and the dist file
 * must have the checked SHA-256. Before a module is used, a probe must give byte-identical output
 * to numcodecs' embind wrapper (compress, copy, free_result: the body of the codec class's
 * `encode`) and round-trip. Otherwise, or on any surprise, `directModule` resolves to undefined
 * (`directUnavailableReason` says why) and callers use numcodecs' wrappers: the plain path.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { runInThisContext } from "node:vm";

/** The numcodecs version whose build the direct calls were checked against. */
export const CHECKED_NUMCODECS_VERSION = "0.3.2";

/**
 * SHA-256 of the dist files of numcodecs {@link CHECKED_NUMCODECS_VERSION} that the emscripten
 * factories and wasm are taken from (and evaluated: only these exact bytes are).
 */
const CHECKED_DIST_SHA256: Readonly<Record<DirectModuleName, string>> = {
  lz4: "7859c20b679e57289952730073045db921b1186f03144ec92149a0f3451cca87",
  zstd: "c7e09998925d19ce8b2212de191d07478efac46d91bcdeb71ef0449f5cc39d46",
  blosc: "2058d97e637d1437a69400709410bf14cdc93fca5bee3ff5d47fcce7857d444b",
};

/** The numcodecs modules we bind. */
export type DirectModuleName = "lz4" | "zstd" | "blosc";

/** Extra argument of a direct call: an integer, or a string passed as `std::string`. */
export type DirectArg = number | string;

type WasmFn = (...args: number[]) => number;
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmTable {
  get(i: number): unknown;
}
interface WasmApi {
  readonly instantiate: (
    bytes: Uint8Array,
    imports: unknown,
  ) => Promise<{ module: unknown; instance: { exports: Record<string, unknown> } }>;
  readonly Memory: new (...a: never[]) => WasmMemory;
  readonly Table: new (...a: never[]) => WasmTable;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Registration {
  argCount: number;
  signature: string;
  invoker: number;
  fn: number;
}

const BOUND = new Set(["compress", "decompress", "free_result"]);

/** Failed calls (C++ exceptions) after which a module is retired. */
export const MAX_FAILURES = 16;

function cString(mem: WasmMemory, ptr: number, max = 64): string {
  const u8 = new Uint8Array(mem.buffer);
  let s = "";
  for (let p = ptr; p < u8.length && u8[p] !== 0 && s.length < max; p++) {
    s += String.fromCharCode(u8[p]!);
  }
  return s;
}

/** Watches one emscripten instantiation: registrations, export calls, direct-call results. */
class Observer {
  memory: WasmMemory | undefined;
  table: WasmTable | undefined;
  raw: Record<string, unknown> = {};
  readonly registered = new Map<string, Registration>();
  /** Export calls while recording (the malloc/free probe). */
  recording: [name: string, args: number[], result: unknown][] | undefined;
  /** True while a direct call runs. */
  calling = false;
  /** argv of the last `_emval_take_value` during a direct call (-1: none). */
  argv = -1;

  /** The glue's imports (given to `instantiateWasm`), each function wrapped. */
  wrapImports(imports: Record<string, Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [ns, obj] of Object.entries(imports)) {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) {
        if (typeof v !== "function") {
          o[k] = v;
          continue;
        }
        const fn = v as (...a: unknown[]) => unknown;
        o[k] = (...args: unknown[]) => {
          if (this.calling) {
            if (args.length === 2) {
              this.argv = args[1] as number;
              return 1; // emval handle of `undefined`: reserved, never freed
            }
          } else if (args.length >= 6 && this.memory !== undefined) {
            this.#noteRegistration(args);
          }
          return fn(...args);
        };
      }
      out[ns] = o;
    }
    return out;
  }

  #noteRegistration(args: unknown[]): void {
    if (!args.slice(0, 6).every((a) => typeof a === "number")) return;
    const [namePtr, argCount, , sigPtr, invoker, fn] = args as number[];
    const name = cString(this.memory!, namePtr!);
    if (!BOUND.has(name)) return;
    this.registered.set(name, {
      argCount: argCount!,
      signature: cString(this.memory!, sigPtr!),
      invoker: invoker!,
      fn: fn!,
    });
  }

  /** The instance's exports, functions wrapped (handed to the glue's `receiveInstance`). */
  attach(exports: Record<string, unknown>): Record<string, unknown> {
    this.raw = exports;
    const wrapped: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(exports)) {
      if (v instanceof wasm.Memory) this.memory = v;
      else if (v instanceof wasm.Table) this.table = v;
      if (typeof v !== "function") {
        wrapped[k] = v;
        continue;
      }
      const fn = v as WasmFn;
      wrapped[k] = (...args: number[]) => {
        const r = fn(...args);
        this.recording?.push([k, args, r]);
        return r;
      };
    }
    return wrapped;
  }
}

/**
 * One bound numcodecs module. Use: `const inp = m.input(n)`, fill `inp`, then
 * `const out = m.call("compress", [...])`. Both views are valid only until the next `input()`;
 * copy the result out before doing anything else with the module (in particular, never hand a
 * view of this module's memory back to `input()`). Not re-entrant.
 */
export class DirectModule {
  readonly name: DirectModuleName;
  readonly #obs: Observer;
  readonly #memory: WasmMemory;
  readonly #malloc: WasmFn;
  readonly #free: WasmFn;
  readonly #fns = new Map<string, { invoker: WasmFn; fn: number; args: number }>();
  readonly #strings = new Map<string, number>();
  #wire = 0;
  #wireCap = -1;
  #inputLength = 0;
  #pending = false;
  #failures = 0;
  /** Set after {@link MAX_FAILURES} calls failed inside wasm; the module is not used again. */
  broken = false;

  constructor(name: DirectModuleName, obs: Observer, malloc: WasmFn, free: WasmFn) {
    this.name = name;
    this.#obs = obs;
    this.#memory = obs.memory!;
    this.#malloc = malloc;
    this.#free = free;
    for (const [fname, r] of obs.registered) {
      const invoker = obs.table!.get(r.invoker);
      if (typeof invoker !== "function" || /[^ifdvp]/.test(r.signature))
        throw new Error(`unexpected binding of ${fname}: ${r.signature}`);
      this.#fns.set(fname, { invoker: invoker as WasmFn, fn: r.fn, args: r.argCount - 1 });
    }
    for (const f of BOUND) if (!this.#fns.has(f)) throw new Error(`${f} is not bound`);
  }

  #release(): void {
    if (!this.#pending) return;
    this.#pending = false;
    const f = this.#fns.get("free_result")!;
    f.invoker(f.fn);
  }

  #wireOf(s: string): number {
    let p = this.#strings.get(s);
    if (p === undefined) {
      p = this.#malloc(4 + s.length + 1);
      if (!p) throw new Error("wasm malloc failed");
      const u8 = new Uint8Array(this.#memory.buffer);
      new DataView(this.#memory.buffer).setUint32(p, s.length, true);
      for (let i = 0; i < s.length; i++) u8[p + 4 + i] = s.charCodeAt(i);
      u8[p + 4 + s.length] = 0;
      this.#strings.set(s, p);
    }
    return p;
  }

  /** A view of `n` bytes of wasm memory: the first argument of the next {@link call}. */
  input(n: number): Uint8Array {
    this.#release();
    if (n > this.#wireCap) {
      if (this.#wire !== 0) this.#free(this.#wire);
      this.#wire = 0;
      const cap = Math.max(n, 1024);
      const p = this.#malloc(4 + cap + 1);
      if (!p) throw new Error(`wasm malloc of ${cap} bytes failed`);
      this.#wire = p;
      this.#wireCap = cap;
    }
    const buf = this.#memory.buffer;
    new DataView(buf).setUint32(this.#wire, n, true);
    this.#inputLength = n;
    return new Uint8Array(buf, this.#wire + 4, n);
  }

  /** The bytes last given to {@link input}, viewed again (a call may have grown memory). */
  lastInput(): Uint8Array {
    return new Uint8Array(this.#memory.buffer, this.#wire + 4, this.#inputLength);
  }

  /**
   * Call `compress` or `decompress` on the bytes last given to {@link input}, with `extra`
   * arguments after it. Returns a view of the result in wasm memory (valid until the next
   * `input()`). Throws when the codec fails (a C++ exception, or an error code as size); after
   * {@link MAX_FAILURES} exceptions, or a result that is not the verified shape, the module is
   * marked broken and callers fall back to numcodecs' wrappers.
   */
  call(name: "compress" | "decompress", extra: readonly DirectArg[] = []): Uint8Array {
    const f = this.#fns.get(name)!;
    if (extra.length + 1 !== f.args) {
      throw new Error(`${this.name} ${name} takes ${f.args} arguments, got ${extra.length + 1}`);
    }
    const args = [f.fn, this.#wire];
    for (const a of extra) args.push(typeof a === "string" ? this.#wireOf(a) : a);
    const obs = this.#obs;
    obs.argv = -1;
    obs.calling = true;
    try {
      f.invoker(...args);
    } catch (e) {
      // A C++ exception (corrupt input, out of memory). The module stays consistent, but what
      // the call allocated may leak, so only a bounded number of failures is tolerated. No
      // free_result: the codec may not have replaced its result pointer.
      if (++this.#failures >= MAX_FAILURES) this.broken = true;
      throw new Error(`${this.name} ${name} failed: ${String(e)}`);
    } finally {
      obs.calling = false;
    }
    const buf = this.#memory.buffer;
    if (obs.argv <= 0 || obs.argv + 8 > buf.byteLength) {
      this.broken = true; // not the binding we verified
      throw new Error(`${this.name} ${name} returned no memory view`);
    }
    this.#pending = true; // the codec holds a result buffer until free_result
    const dv = new DataView(buf);
    const size = dv.getUint32(obs.argv, true);
    const ptr = dv.getUint32(obs.argv + 4, true);
    // A negative error code as size_t (lz4 on corrupt input), as numcodecs' wrapper would see.
    if (ptr + size > buf.byteLength) {
      throw new Error(`${this.name} ${name} failed: result of ${size} bytes is an error code`);
    }
    return new Uint8Array(buf, ptr, size);
  }
}

// ------------------------------------------------------------------ loading

/** Why a module is not bound: expected conditions (another numcodecs, no resolver, a probe). */
class Unavailable extends Error {}

/** What the emscripten module gives us: numcodecs' embind bindings. */
interface EmscriptenModule {
  compress(data: Uint8Array, ...args: DirectArg[]): Uint8Array;
  free_result(): void;
}

/** An emscripten factory (`MODULARIZE`): module argument in, promise of the module out. */
type Factory = (moduleArg: Record<string, unknown>) => Promise<EmscriptenModule>;

/** Arguments after the input of the probe `compress` (lz4 acceleration 1, zstd level 1, blosc). */
const PROBE_ARGS: Record<DirectModuleName, DirectArg[]> = {
  lz4: [1],
  zstd: [1],
  blosc: ["lz4", 5, 1, 0],
};

function probeData(): Uint8Array {
  const p = new Uint8Array(6151);
  let s = 7;
  for (let i = 0; i < p.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    p[i] = i % 3 === 0 ? (i >> 7) & 0xff : (s >>> 27) & 0xff;
  }
  return p;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The version in numcodecs' package.json (next to `dist/`, which `resolve` finds). */
async function installedNumcodecsVersion(resolve: (s: string) => string): Promise<string> {
  const url = new URL("../package.json", resolve("numcodecs"));
  const pkg = JSON.parse(await readFile(url, "utf8")) as { name?: unknown; version?: unknown };
  if (pkg.name !== "numcodecs") throw new Unavailable(`${url} is not numcodecs' package.json`);
  return String(pkg.version);
}

/** numcodecs' emscripten factory and wasm for `name`, taken out of its checked dist file. */
async function loadFactory(
  name: DirectModuleName,
  url: string,
): Promise<{ factory: Factory; wasmBytes: Uint8Array }> {
  const file = await readFile(new URL(url));
  const sha = createHash("sha256").update(file).digest("hex");
  if (sha !== CHECKED_DIST_SHA256[name]) {
    throw new Unavailable(`${url} is not the checked build of numcodecs (sha256 ${sha})`);
  }
  const text = file.toString("utf8");
  const id = `${name}_codec`;
  const from = text.indexOf(`\nvar ${id} = (() => {\n`);
  const to = text.indexOf(`\nvar ${id}_default = ${id};\n`, from);
  const b64Head = `\nvar ${id}_default2 = __toBinary("`;
  const b64From = text.indexOf(b64Head, to);
  const b64To = text.indexOf(`");\n`, b64From);
  if (from < 0 || to < 0 || b64From < 0 || b64To < 0) throw new Unavailable(`${url}: no factory`);
  // Line numbers of the file in stack traces: the factory starts on line 2 of the script.
  const line = text.slice(0, from + 1).split("\n").length;
  const factory: unknown = runInThisContext(
    `(() => {${text.slice(from, to)}\nreturn ${id};\n})()`,
    { filename: fileURLToPath(url), lineOffset: line - 2 },
  );
  if (typeof factory !== "function") throw new Unavailable(`${url}: ${id} is not a function`);
  const wasmBytes = Buffer.from(text.slice(b64From + b64Head.length, b64To), "base64");
  return { factory: factory as Factory, wasmBytes };
}

/** An emscripten module built by `factory`, its instantiation watched by `obs`. */
async function instantiate(
  factory: Factory,
  wasmBytes: Uint8Array,
  obs: Observer,
): Promise<EmscriptenModule> {
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const instantiateWasm = (
    imports: Record<string, Record<string, unknown>>,
    receiveInstance: (instance: { exports: Record<string, unknown> }, module: unknown) => void,
  ) => {
    wasm
      .instantiate(wasmBytes, obs.wrapImports(imports))
      .then((r) => receiveInstance({ exports: obs.attach(r.instance.exports) }, r.module))
      .catch(fail); // the glue would wait for ever
    return {}; // exports arrive asynchronously, through receiveInstance
  };
  const quiet = () => {}; // a failed load falls back to the plain path without a word
  const ready = factory({ noInitialRun: true, print: quiet, printErr: quiet, instantiateWasm });
  return Promise.race([ready, failed]);
}

async function bind(name: DirectModuleName, numcodecsVersion?: string): Promise<DirectModule> {
  const resolve = (import.meta as { resolve?: (s: string) => string }).resolve;
  if (typeof resolve !== "function") throw new Unavailable("no import.meta.resolve");
  const version = numcodecsVersion ?? (await installedNumcodecsVersion(resolve));
  if (version !== CHECKED_NUMCODECS_VERSION) {
    throw new Unavailable(
      `numcodecs ${version} is installed; direct calls were checked against ${CHECKED_NUMCODECS_VERSION}`,
    );
  }
  const { factory, wasmBytes } = await loadFactory(name, resolve(`numcodecs/${name}`));
  const obs = new Observer();
  const em = await instantiate(factory, wasmBytes, obs);
  if (obs.memory === undefined || obs.table === undefined) {
    throw new Unavailable("the wasm exports no memory or table");
  }
  // Reference: numcodecs' embind wrapper, called as its codec class's `encode` calls it.
  const args = PROBE_ARGS[name];
  const probe = probeData();
  obs.recording = [];
  const ref = new Uint8Array(em.compress(probe, ...args));
  em.free_result();
  const calls = obs.recording;
  obs.recording = undefined;
  const m = calls.find(([, a]) => a.length === 1 && a[0] === probe.length + 5);
  const ptr = m?.[2];
  const f = calls.find(([k, a]) => k !== m?.[0] && a.length === 1 && a[0] === ptr);
  const malloc = m && obs.raw[m[0]];
  const free = f && obs.raw[f[0]];
  if (typeof malloc !== "function" || typeof free !== "function") {
    throw new Unavailable("malloc and free not found");
  }
  const mod = new DirectModule(name, obs, malloc as WasmFn, free as WasmFn);
  // Self-test: same bytes as the wrapper, and a round trip.
  mod.input(probe.length).set(probe);
  const mine = mod.call("compress", args).slice();
  if (!equalBytes(mine, ref)) throw new Unavailable("probe output differs from numcodecs'");
  mod.input(mine.length).set(mine);
  if (!equalBytes(mod.call("decompress").slice(), probe)) {
    throw new Unavailable("probe does not round-trip");
  }
  mod.input(0);
  return mod;
}

let enabled = true;
/** Test hook: the numcodecs version to assume instead of the installed one. */
let assumedVersion: string | undefined;
const loaded = new Map<DirectModuleName, Promise<DirectModule | undefined>>();
const ready = new Map<DirectModuleName, DirectModule | undefined>();
const unavailable = new Map<DirectModuleName, string>();

/**
 * The bound module `name`, or undefined when binding is impossible (another numcodecs version
 * or build, no `import.meta.resolve`, a failed self-test), disabled, or broken by earlier
 * failures. Loaded once (concurrent loads of different modules are independent).
 */
export function directModule(name: DirectModuleName): Promise<DirectModule | undefined> {
  if (!enabled) return Promise.resolve(undefined);
  let p = loaded.get(name);
  if (p === undefined) {
    p = bind(name, assumedVersion).then(
      (m) => m,
      (e: unknown) => {
        unavailable.set(name, e instanceof Unavailable ? e.message : `load failed: ${String(e)}`);
        return undefined;
      },
    );
    const settled = p;
    p.then((m) => {
      if (loaded.get(name) === settled) ready.set(name, m);
    });
    loaded.set(name, p);
  }
  return p.then((m) => (m?.broken ? undefined : m));
}

/**
 * Without waiting: the bound module, `null` when it is known to be unavailable (or disabled, or
 * broken), `undefined` while it has not finished loading.
 */
export function directModuleNow(name: DirectModuleName): DirectModule | null | undefined {
  if (!enabled) return null;
  if (!ready.has(name)) return undefined;
  const m = ready.get(name);
  return m === undefined || m.broken ? null : m;
}

/** The bound module (waiting for it only the first time), or null when unavailable. */
export async function useDirect(name: DirectModuleName): Promise<DirectModule | null> {
  const now = directModuleNow(name);
  if (now !== undefined) return now;
  return (await directModule(name)) ?? null;
}

/** Why module `name` could not be bound (undefined: bound, not loaded yet, or broken later). */
export function directUnavailableReason(name: DirectModuleName): string | undefined {
  return unavailable.get(name);
}

/** @internal Turn direct calls off (tests compare both paths) or back on. */
export function _setDirectEnabled(on: boolean): void {
  enabled = on;
}

/**
 * @internal Forget all bound modules (tests). Later loads assume `numcodecsVersion` instead of
 * reading numcodecs' package.json, when given.
 */
export function _resetDirect(options: { numcodecsVersion?: string } = {}): void {
  assumedVersion = options.numcodecsVersion;
  loaded.clear();
  ready.clear();
  unavailable.clear();
}
