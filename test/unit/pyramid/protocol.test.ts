import { describe, expect, test } from "vitest";
import { deserializeError, serializeError } from "../../../src/engine/protocol.js";
import { NotFoundError } from "../../../src/errors.js";

describe("errors as data", () => {
  test("an ngff-writer error keeps name, message, stack and its tag as code through structuredClone", () => {
    const err = new NotFoundError("a/0", 'array "a/0" not found');
    const data = structuredClone(serializeError(err));
    expect(data).toEqual({
      name: "NotFoundError",
      message: 'array "a/0" not found',
      stack: err.stack,
      code: "NotFound",
    });
    const back = deserializeError(data) as Error & { code?: string };
    expect(back).toBeInstanceOf(Error);
    expect([back.name, back.message, back.code, back.stack]).toEqual([
      "NotFoundError",
      'array "a/0" not found',
      "NotFound",
      err.stack,
    ]);
  });

  test("a Node system error keeps its code", () => {
    const err = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    expect(serializeError(err).code).toBe("ENOENT");
  });

  test("a thrown non-Error becomes a plain message without code", () => {
    expect(serializeError("boom")).toEqual({ name: "Error", message: "boom", stack: "" });
  });
});
