/**
 * The public surface of the package: every runtime export of src/index.ts, by name and kind.
 * A change here is an API change; update the snapshot on purpose (`npx vitest -u`).
 */
import { expect, test } from "vitest";
import * as api from "../../src/index.js";

test("public runtime exports of src/index.ts", () => {
  const surface = Object.entries(api)
    .map(([name, value]) => {
      const kind =
        typeof value === "function"
          ? /^class\s/.test(Function.prototype.toString.call(value))
            ? "class"
            : "function"
          : typeof value;
      return `${name}: ${kind}`;
    })
    .sort();
  expect(surface).toMatchSnapshot();
});
