/**
 * `workerExecArgv`: without the tsx loader, `undefined` (threads inherit the process's flags,
 * V8's included). Under tsx, the process's Node flags minus the tsx loader's and the V8 options
 * a worker refuses in a list: a loader flag (`--import`, `--require`, `-r`, `--loader`,
 * `--experimental-loader`, separate or `=` value) is dropped with its value when the value
 * names tsx: the package (`tsx`, `tsx/cjs`, `@…/tsx`) or a path through a `tsx` directory or
 * file (`…/node_modules/tsx/…`, `tsx.mjs`). Everything else is kept in order. `pyramidWorkerFile`: `NGFF_PYRAMID_WORKER`
 * names another entry (absolute paths only).
 */
import { describe, expect, test } from "vitest";
import { pyramidWorkerFile, workerExecArgv } from "../../../src/engine/pool.js";
import { isOmeZarrError } from "../../../src/errors.js";

const LOADER = "file:///x/node_modules/tsx/dist/loader.mjs";
const PREFLIGHT = "/x/node_modules/tsx/dist/preflight.cjs";

describe("workerExecArgv", () => {
  test.each<[string, string[], string[] | undefined]>([
    ["no flags: inherit", [], undefined],
    ["--import tsx", ["--import", "tsx"], []],
    ["--import=tsx", ["--import=tsx"], []],
    ["the tsx CLI's flags", ["--require", PREFLIGHT, "--import", LOADER], []],
    ["--import=<tsx loader URL>", [`--import=${LOADER}`], []],
    ["--loader tsx", ["--loader", "tsx"], []],
    ["--experimental-loader=<tsx loader URL>", [`--experimental-loader=${LOADER}`], []],
    ["-r tsx/cjs", ["-r", "tsx/cjs"], []],
    ["--require=tsx/cjs", ["--require=tsx/cjs"], []],
    ["a Windows path to tsx", ["--import", "C:\\x\\node_modules\\tsx\\dist\\loader.mjs"], []],
    [
      "other flags around tsx are kept in order, V8's dropped",
      ["--max-old-space-size=4096", "--import", "tsx", "--enable-source-maps", "--expose-gc"],
      ["--enable-source-maps"],
    ],
    ["V8 flags without tsx: inherit", ["--max-old-space-size=4096", "--expose-gc"], undefined],
    ["another loader alone: inherit", ["--import", "./my-loader.mjs"], undefined],
    [
      "tsx dropped, another loader kept",
      ["--import", "tsx", "--import=./my-loader.mjs"],
      ["--import=./my-loader.mjs"],
    ],
    // The regex wants "tsx" as a whole path component or file stem: a name that merely starts
    // with "tsx" is someone else's loader.
    [
      "a package named tsx-like-but-not is kept",
      ["--import", "tsx", "--import", "tsx-like-but-not"],
      ["--import", "tsx-like-but-not"],
    ],
    [
      "tsx as the value of a non-loader flag is kept",
      ["--import=tsx", "--title", "tsx"],
      ["--title", "tsx"],
    ],
    ["a loader flag at the end with no value is kept", ["--import=tsx", "--import"], ["--import"]],
    [
      "--inspect and --conditions are kept",
      ["--import=tsx", "--inspect", "-C", "dev"],
      ["--inspect", "-C", "dev"],
    ],
  ])("%s", (_, input, expected) => {
    expect(workerExecArgv(input)).toEqual(expected);
  });

  test("only the tsx package counts: a user's loader under a directory named tsx is kept", () => {
    // `tsx`, `tsx/…` or a path inside node_modules/tsx/ is the tsx loader; other paths are not.
    expect(workerExecArgv(["--import=tsx", "--import", "/home/me/tsx/my-loader.mjs"])).toEqual([
      "--import",
      "/home/me/tsx/my-loader.mjs",
    ]);
    expect(workerExecArgv(["--import=./tsx.config.mjs"])).toBeUndefined();
  });

  test("does not modify its input and defaults to process.execArgv", () => {
    const input = Object.freeze(["--import", "tsx", "--enable-source-maps"]);
    expect(workerExecArgv(input)).toEqual(["--enable-source-maps"]);
    expect(input).toEqual(["--import", "tsx", "--enable-source-maps"]);
    expect(workerExecArgv()).toEqual(workerExecArgv(process.execArgv));
  });
});

describe("pyramidWorkerFile", () => {
  test("NGFF_PYRAMID_WORKER names the entry: an absolute path, else InvalidOptionsError", () => {
    const saved = process.env.NGFF_PYRAMID_WORKER;
    try {
      process.env.NGFF_PYRAMID_WORKER = "/opt/app/pyramid-task.js";
      expect(pyramidWorkerFile()).toBe("/opt/app/pyramid-task.js");
      process.env.NGFF_PYRAMID_WORKER = "pyramid-task.js";
      const err = (() => {
        try {
          return pyramidWorkerFile();
        } catch (e) {
          return e;
        }
      })();
      expect(isOmeZarrError(err, "InvalidOptions")).toBe(true);
      expect((err as Error).message).toMatch(/NGFF_PYRAMID_WORKER.*absolute path/s);
      process.env.NGFF_PYRAMID_WORKER = "";
      // Unset (or empty): the entry beside the library (here, from source: the tsx dev entry).
      expect(pyramidWorkerFile()).toMatch(/workers[\\/]pyramid-task\.dev\.mjs$/);
    } finally {
      if (saved === undefined) delete process.env.NGFF_PYRAMID_WORKER;
      else process.env.NGFF_PYRAMID_WORKER = saved;
    }
  });
});
