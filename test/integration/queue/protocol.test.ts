/**
 * The queue's protocol without Redis: deterministic job ids (the same inputs give the same ids
 * in every process, no `:`), run keys that change with the inputs, and option checks.
 */
import { describe, expect, test } from "vitest";
import { InvalidOptionsError, isOmeZarrError } from "../../../src/errors.js";
import { resolveConnection } from "../../../src/queue/connection.js";
import { checkQueueOptions, QUEUE_DEFAULTS } from "../../../src/queue/options.js";
import {
  PROTOCOL_VERSION,
  pyramidJob,
  pyramidJobId,
  type RunIdentity,
  runKeyFor,
} from "../../../src/queue/protocol.js";

const RUN: RunIdentity = {
  store: { kind: "s3", bucket: "b", prefix: "p/img.zarr", endpoint: "http://127.0.0.1:9000" },
  levelPaths: ["0", "1"],
  factors: [[1, 1, 2, 2]],
  method: "mean",
  shapes: [
    [1, 1, 64, 64],
    [1, 1, 32, 32],
  ],
  dtype: "uint16",
};

describe("job ids", () => {
  test("deterministic, free of ':', and different for another level, region or input", () => {
    const key = runKeyFor(RUN);
    expect(key).toMatch(/^[0-9a-f]{20}$/);
    expect(runKeyFor(structuredClone(RUN))).toBe(key);
    const id = pyramidJobId(key, 1, [
      [0, 1],
      [0, 1],
      [0, 16],
      [16, 32],
    ]);
    expect(id).toBe(`p${key}.l1.0-1_0-1_0-16_16-32`);
    expect(id).not.toContain(":");
    expect(pyramidJobId(key, 2, [[0, 1]])).not.toBe(pyramidJobId(key, 1, [[0, 1]]));
    for (const other of [
      { ...RUN, method: "mode" },
      { ...RUN, factors: [[1, 1, 1, 2]] },
      { ...RUN, store: { ...RUN.store, prefix: "q/img.zarr" } as RunIdentity["store"] },
      { ...RUN, shapes: [RUN.shapes[0]!, [1, 1, 32, 33]] },
    ]) {
      expect(runKeyFor(other)).not.toBe(key);
    }
  });

  test("job data carries the protocol version", () => {
    const data = pyramidJob({} as never);
    expect(data).toEqual({ protocol: PROTOCOL_VERSION, kind: "pyramid", task: {} });
  });
});

describe("options", () => {
  test("defaults (production values) and checks", () => {
    const o = checkQueueOptions({ connection: "redis://h:1" });
    expect(o).toEqual({ ...QUEUE_DEFAULTS, connection: "redis://h:1" });
    expect(o.attempts).toBe(3);
    expect(() => checkQueueOptions({ connection: "redis://h:1", pollMs: 0 })).toThrow(
      "queue.pollMs is 0; expected an integer >= 1 (ms)",
    );
    expect(() => checkQueueOptions("redis://h:1")).toThrow(InvalidOptionsError);
  });

  test("connections: URLs with database, user and TLS; bad URLs, schemes and keyPrefix refused", () => {
    expect(resolveConnection("redis://u:secret@10.0.0.5:6380/2")).toEqual({
      options: { host: "10.0.0.5", port: 6380, db: 2, username: "u", password: "secret" },
      label: "redis://10.0.0.5:6380/2",
    });
    expect(resolveConnection("rediss://h").options).toMatchObject({ port: 6379, tls: {} });
    expect(resolveConnection({ host: "h", port: 7000 }).label).toBe("redis://h:7000/0");
    const errorOf = (bad: unknown): unknown => {
      try {
        resolveConnection(bad);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const bad of ["http://h:1", { keyPrefix: "x:" }]) {
      expect(isOmeZarrError(errorOf(bad), "Unsupported"), String(bad)).toBe(true);
    }
    for (const bad of ["redis://h/x", "not a url", "redis://h:0", 42, { port: 0 }]) {
      const err = errorOf(bad);
      expect(isOmeZarrError(err, "InvalidOptions") && err.option, String(bad)).toMatch(
        /^queue\.connection/,
      );
    }
  });
});
