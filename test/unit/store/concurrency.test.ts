/**
 * The one concurrency module (src/store/concurrency.ts): `forEachBounded`, `mapBounded`,
 * `Semaphore` and `withLock`. Property tests of the bound, plus the behaviours callers rely on:
 * result order (plate batches, compute-pyramid's lines), fail-fast, abort, lanes, FIFO locks.
 * (Moved here from the tests of `mapLimit`, `SerialQueue` and `forEachInOrder`, now gone.)
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import {
  activeLockCount,
  forEachBounded,
  mapBounded,
  Semaphore,
  withLock,
} from "../../../src/store/concurrency.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A run's delays (ms, 0 = a microtask), and how each item ends. */
const delays = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 24 });

/** Wait `d` ms, or only a microtask for 0 (so that most runs stay fast). */
const pause = (d: number) => (d === 0 ? Promise.resolve() : sleep(d));

describe("forEachBounded", () => {
  test("property: never more than `limit` in flight, each item once, lanes never overlap", async () => {
    await fc.assert(
      fc.asyncProperty(
        delays,
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (ds, limit, lazy) => {
          let running = 0;
          let most = 0;
          const seen: number[] = [];
          const busy = new Set<number>();
          const items = ds.map((d, i) => ({ d, i }));
          await forEachBounded(lazy ? items.values() : items, limit, async ({ d, i }, lane) => {
            expect(lane).toBeGreaterThanOrEqual(0);
            expect(lane).toBeLessThan(limit);
            expect(busy.has(lane)).toBe(false);
            busy.add(lane);
            most = Math.max(most, ++running);
            await pause(d);
            running--;
            busy.delete(lane);
            seen.push(i);
          });
          expect(most).toBeLessThanOrEqual(limit);
          // The bound is reached, not just respected (every lane starts at once).
          expect(most).toBe(Math.min(limit, ds.length));
          expect(seen.sort((a, b) => a - b)).toEqual(ds.map((_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("property: after the first failure nothing new starts; the first error is thrown", async () => {
    await fc.assert(
      fc.asyncProperty(
        delays.filter((ds) => ds.length > 0),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        async (ds, limit, pick) => {
          const failAt = pick % ds.length;
          const started: number[] = [];
          let running = 0;
          let startedAfterFailure = false;
          let failed = false;
          const err = await forEachBounded(ds.keys(), limit, async (i, _lane, stop) => {
            // The helper has seen the failure once `stop` aborted: no call starts after that.
            if (stop.aborted) startedAfterFailure = true;
            started.push(i);
            running++;
            await pause(ds[i]!);
            running--;
            if (i === failAt) {
              failed = true;
              throw new Error(`boom ${i}`);
            }
            // A second failure among the calls in flight is dropped.
            if (failed) throw new Error(`late ${i}`);
          }).catch((e: unknown) => e);
          expect((err as Error).message).toBe(`boom ${failAt}`);
          expect(startedAfterFailure).toBe(false);
          // Calls in flight settled before the rejection.
          expect(running).toBe(0);
          // Items start in input order, each once.
          expect(started).toEqual(started.map((_, k) => k));
          expect(started).toContain(failAt);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("abort: nothing new starts, calls in flight settle, rejects with the reason", async () => {
    const ac = new AbortController();
    const started: number[] = [];
    let settled = 0;
    const err = await forEachBounded(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (i, _lane, stop) => {
        started.push(i);
        if (i === 4) ac.abort(new Error("stop now"));
        await sleep(2);
        if (i === 4 && !stop.aborted) throw new Error("stop did not follow the caller's abort");
        settled++;
      },
      { signal: ac.signal },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe("stop now");
    expect(Math.max(...started)).toBeLessThan(4 + 3);
    expect(settled).toBe(started.length);
  });

  test("an already aborted signal starts nothing", async () => {
    const ac = new AbortController();
    ac.abort(new Error("before"));
    let calls = 0;
    await expect(
      forEachBounded([1, 2, 3], 2, async () => void calls++, { signal: ac.signal }),
    ).rejects.toThrow("before");
    expect(calls).toBe(0);
  });

  test("`stop` aborts on the first failure, so calls in flight can skip their report", async () => {
    const reported: number[] = [];
    await expect(
      forEachBounded([0, 1, 2], 3, async (i, _lane, stop) => {
        await sleep(i === 0 ? 0 : 10);
        if (i === 0) throw new Error("first");
        if (!stop.aborted) reported.push(i);
      }),
    ).rejects.toThrow("first");
    expect(reported).toEqual([]);
  });

  test("limit: below 1 counts as 1, fractions round down, NaN and infinite-over-iterator refused", async () => {
    let running = 0;
    let most = 0;
    const f = async () => {
      most = Math.max(most, ++running);
      await sleep(1);
      running--;
    };
    await forEachBounded([1, 2, 3], 0, f);
    expect(most).toBe(1);
    most = 0;
    await forEachBounded([1, 2, 3, 4], 2.9, f);
    expect(most).toBe(2);
    most = 0;
    await forEachBounded([1, 2, 3], Number.POSITIVE_INFINITY, f);
    expect(most).toBe(3);
    const e1 = await forEachBounded([1], Number.NaN, f).catch((e: unknown) => e);
    expect(isOmeZarrError(e1, "InvalidOptions") && e1.option).toBe("limit");
    const e2 = await forEachBounded(new Set([1]), Number.POSITIVE_INFINITY, f).catch(
      (e: unknown) => e,
    );
    expect(isOmeZarrError(e2, "InvalidOptions") && e2.option).toBe("limit");
  });

  test("pulls a lazy iterator only as far as needed (back-pressure)", async () => {
    let pulled = 0;
    function* gen() {
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield i;
      }
    }
    await expect(
      forEachBounded(gen(), 4, async (i) => {
        await sleep(0);
        if (i === 10) throw new Error("enough");
      }),
    ).rejects.toThrow("enough");
    expect(pulled).toBeLessThan(20);
  });
});

describe("mapBounded", () => {
  test("property: results and onResult in input order, at most `limit` running", async () => {
    await fc.assert(
      fc.asyncProperty(delays, fc.integer({ min: 1, max: 5 }), async (ds, limit) => {
        let running = 0;
        let most = 0;
        const emitted: number[] = [];
        const out = await mapBounded(
          ds,
          limit,
          async (d, i) => {
            most = Math.max(most, ++running);
            await pause(d);
            running--;
            return i * 2;
          },
          { onResult: (r, i) => emitted.push(r, i) },
        );
        expect(out).toEqual(ds.map((_, i) => i * 2));
        expect(emitted).toEqual(ds.flatMap((_, i) => [i * 2, i]));
        expect(most).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 60 },
    );
  });

  test("a failure: nothing new starts, results before it are emitted, its error is thrown", async () => {
    const started: number[] = [];
    const emitted: number[] = [];
    const err = await mapBounded(
      [0, 1, 2, 3, 4, 5],
      2,
      async (i) => {
        started.push(i);
        // 0 is slow and 1 fails at once: 2 never starts, 0 finishes and is emitted
        await sleep(i === 0 ? 20 : i === 2 ? 5 : 0);
        if (i === 1) throw new Error("boom 1");
        return i;
      },
      { onResult: (i) => emitted.push(i) },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe("boom 1");
    expect(started).toEqual([0, 1]);
    expect(emitted).toEqual([0]);
  });

  test("rethrows the first error and stops starting new calls", async () => {
    let started = 0;
    await expect(
      mapBounded(
        Array.from({ length: 100 }, (_, i) => i),
        2,
        async (i) => {
          started++;
          await Promise.resolve();
          if (i === 3) throw new Error("boom");
        },
      ),
    ).rejects.toThrow("boom");
    expect(started).toBeLessThan(10);
  });

  test("an iterable that is not an array, and empty input", async () => {
    expect(await mapBounded(new Set([3, 1, 2]), 2, async (x, i) => `${i}:${x}`)).toEqual([
      "0:3",
      "1:1",
      "2:2",
    ]);
    expect(await mapBounded([], 3, async () => 1)).toEqual([]);
  });
});

describe("Semaphore", () => {
  test("property: at most `limit` run at once, first come first served", async () => {
    await fc.assert(
      fc.asyncProperty(delays, fc.integer({ min: 1, max: 4 }), async (ds, limit) => {
        const sem = new Semaphore(limit);
        let most = 0;
        const startOrder: number[] = [];
        await Promise.all(
          ds.map((d, i) =>
            sem.run(async () => {
              startOrder.push(i);
              most = Math.max(most, sem.active);
              await pause(d);
            }),
          ),
        );
        expect(most).toBeLessThanOrEqual(limit);
        expect(startOrder).toEqual(ds.map((_, i) => i));
        expect(sem.active).toBe(0);
        expect(sem.waiting).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  test("Semaphore(1) runs one at a time in call order, surviving rejections", async () => {
    const q = new Semaphore(1);
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) =>
      q.run(async () => {
        log.push(`start ${name}`);
        await sleep(ms);
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([task("a", 5), task("b", 1, true), task("c", 0)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  test("a bad limit is an InvalidOptionsError naming the option", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      let err: unknown;
      try {
        new Semaphore(bad, "maxInflight");
      } catch (e) {
        err = e;
      }
      expect(isOmeZarrError(err, "InvalidOptions") && err.option).toBe("maxInflight");
    }
  });
});

describe("withLock", () => {
  test("same id: one at a time in call order; other ids run alongside; no lock left", async () => {
    const log: string[] = [];
    const job = (id: string, name: string, ms: number) =>
      withLock(id, async () => {
        log.push(`start ${name}`);
        await sleep(ms);
        log.push(`end ${name}`);
      });
    await Promise.all([job("k", "a", 10), job("k", "b", 0), job("other", "x", 0)]);
    expect(log.indexOf("end a")).toBeLessThan(log.indexOf("start b"));
    expect(log.indexOf("start x")).toBeLessThan(log.indexOf("end a"));
    expect(activeLockCount()).toBe(0);
  });

  test("a rejection releases the lock", async () => {
    await expect(
      withLock("r", async () => {
        throw new Error("inside");
      }),
    ).rejects.toThrow("inside");
    expect(await withLock("r", async () => 7)).toBe(7);
    expect(activeLockCount()).toBe(0);
  });
});
