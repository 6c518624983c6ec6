/**
 * STYLE.md: a test fails on unexpected console output. Any console call made while a test runs
 * is recorded and turned into a failure in afterEach. A test that expects output spies on the
 * console method itself (vi.spyOn replaces this wrapper for its duration).
 */
import { afterEach, beforeEach } from "vitest";

const methods = ["log", "info", "warn", "error", "debug"] as const;
const originals = new Map<string, (...args: unknown[]) => void>();
let calls: string[] = [];

beforeEach(() => {
  calls = [];
  for (const m of methods) {
    const original = console[m].bind(console) as (...args: unknown[]) => void;
    originals.set(m, original);
    console[m] = (...args: unknown[]) => {
      calls.push(`console.${m}: ${args.map(String).join(" ")}`);
      original(...args);
    };
  }
});

afterEach(() => {
  for (const m of methods) {
    const original = originals.get(m);
    if (original) console[m] = original;
  }
  if (calls.length > 0) {
    const text = calls.join("\n");
    calls = [];
    throw new Error(`unexpected console output during the test:\n${text}`);
  }
});
