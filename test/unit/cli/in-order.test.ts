/**
 * `forEachInOrder` (compute-pyramid's runner): bounded concurrency, results emitted in the
 * items' order whatever order they finish in, and on a failure nothing new starts, the running
 * ones finish, results up to the failed item are emitted and its error is thrown.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { forEachInOrder } from "../../../src/cli/in-order.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("forEachInOrder", () => {
  test("emits in input order, at most `limit` running (random finishing order)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        async (delays, limit) => {
          let running = 0;
          let most = 0;
          const emitted: number[] = [];
          await forEachInOrder(
            delays.map((d, i) => ({ d, i })),
            limit,
            async ({ d, i }) => {
              most = Math.max(most, ++running);
              await sleep(d);
              running--;
              return i;
            },
            (i) => emitted.push(i),
          );
          expect(emitted).toEqual(delays.map((_, i) => i));
          expect(most).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("a failure: nothing new starts, results before it are emitted, its error is thrown", async () => {
    const started: number[] = [];
    const emitted: number[] = [];
    const err = await forEachInOrder(
      [0, 1, 2, 3, 4, 5],
      2,
      async (i) => {
        started.push(i);
        // 0 is slow and 1 fails at once: 2 never starts, 0 finishes and is emitted
        await sleep(i === 0 ? 20 : i === 2 ? 5 : 0);
        if (i === 1) throw new Error("boom 1");
        return i;
      },
      (i) => emitted.push(i),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe("boom 1");
    expect(started).toEqual([0, 1]);
    expect(emitted).toEqual([0]);
  });
});
