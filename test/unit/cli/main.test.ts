import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { oneLine, reportError, UsageError } from "../../../src/cli/io.js";
import { createProgress, progressEnabled } from "../../../src/cli/progress.js";
import { NotFoundError } from "../../../src/errors.js";
import { ngff } from "../../fixtures/cli/run.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const COMMANDS = [
  "info",
  "tree",
  "validate",
  "convert",
  "compute-pyramid",
  "set-scale",
  "rename-wells",
];

describe("ngff program", () => {
  test("--version prints package.json's version, exit 0", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await ngff(flag);
      expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    }
  });

  test("--help lists every command, exit 0", async () => {
    const r = await ngff("--help");
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain("Exit codes: 0 success, 1 failure");
  });

  test.each(COMMANDS)("%s --help, exit 0", async (command) => {
    const r = await ngff(command, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: ngff ${command}`));
    expect(r.stderr).toBe("");
  });

  test("no arguments: help on stderr, exit 2", async () => {
    const r = await ngff();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Usage: ngff");
  });

  test.each([
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["info"], /missing required argument 'store'/],
    [["info", "--nope", "x"], /unknown option '--nope'/],
    [["compute-pyramid", "-i", "x.zarr"], /required option '-l, --levels <n>' not specified/],
    [["compute-pyramid", "-i", "x.zarr", "-l", "two"], /expected a positive integer/],
    [["set-scale", "-i", "x.zarr", "-z", "-1"], /expected a positive number/],
    [["tree", "x.zarr", "--level", "0"], /expected a positive integer/],
  ])("usage error %j → exit 2 with a message on stderr", async (args, message) => {
    const r = await ngff(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  test("global flags work before and after the command", async () => {
    const before = await ngff("--debug", "info", "/nonexistent/x.zarr");
    const after = await ngff("info", "/nonexistent/x.zarr", "--debug");
    for (const r of [before, after]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^ngff info: error: .*x\.zarr/);
      expect(r.stderr).toMatch(/\n\s+at /); // the stack, only with --debug
    }
    const plain = await ngff("info", "/nonexistent/x.zarr");
    expect(plain.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("errors and progress helpers", () => {
  test("oneLine keeps the first line; errno codes are appended for system errors", () => {
    expect(oneLine(new NotFoundError("x", "gone\nmore"))).toBe("gone");
    expect(oneLine(new UsageError("bad"))).toBe("bad");
    const sys = Object.assign(new Error("EACCES: permission denied, open 'x'"), { code: "EACCES" });
    expect(oneLine(sys)).toBe("EACCES: permission denied, open 'x' (EACCES)");
    expect(oneLine("plain")).toBe("plain");
  });

  test("reportError prints causes with --debug", () => {
    let err = "";
    const io = { stdout: { write: () => {} }, stderr: { write: (s: string) => (err += s) } };
    reportError(io, "convert", new Error("outer", { cause: new Error("inner") }), true);
    expect(err).toMatch(/^ngff convert: error: outer\n/);
    expect(err).toContain("caused by: Error: inner");
  });

  test("progress bars only on a TTY and without --quiet", () => {
    const tty = { stdout: { write: () => {} }, stderr: { write: () => {}, isTTY: true } };
    const pipe = { stdout: { write: () => {} }, stderr: { write: () => {} } };
    expect(progressEnabled(tty, false)).toBe(true);
    expect(progressEnabled(tty, true)).toBe(false);
    expect(progressEnabled(pipe, false)).toBe(false);
    const bar = createProgress(pipe, false);
    expect(bar.enabled).toBe(false);
    bar.start("x", 10);
    bar.update(5);
    bar.stop();
  });
});
