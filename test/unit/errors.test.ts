import { describe, expect, test } from "vitest";
import {
  AlreadyExistsError,
  InvalidMetadataError,
  isOmeZarrError,
  NotFoundError,
  OmeZarrError,
  UnsafePathError,
  WorkerTaskError,
} from "../../src/errors.js";

describe("errors", () => {
  test("tags, fields and cause", () => {
    const cause = new Error("ENOENT");
    const err = new NotFoundError("/data/a.zarr", "no store at /data/a.zarr", { cause });
    expect(err).toBeInstanceOf(OmeZarrError);
    expect(err).toBeInstanceOf(Error);
    expect(err._tag).toBe("NotFound");
    expect(err.name).toBe("NotFoundError");
    expect(err.target).toBe("/data/a.zarr");
    expect(err.cause).toBe(cause);
  });

  test("isOmeZarrError narrows by tag", () => {
    const err: unknown = new AlreadyExistsError("x.zarr", "exists");
    expect(isOmeZarrError(err)).toBe(true);
    expect(isOmeZarrError(err, "AlreadyExists")).toBe(true);
    expect(isOmeZarrError(err, "NotFound", "UnsafePath")).toBe(false);
    expect(isOmeZarrError(new Error("plain"))).toBe(false);
    expect(isOmeZarrError("string")).toBe(false);
    if (isOmeZarrError(err, "AlreadyExists")) expect(err.target).toBe("x.zarr");
  });

  test("messages", () => {
    expect(
      new InvalidMetadataError(
        [
          {
            code: "axes_count",
            location: "multiscales[0].axes",
            message: "found 6 axes, expected 2 to 5",
          },
        ],
        { source: "a.zarr/.zattrs" },
      ).message,
    ).toMatchInlineSnapshot(`
      "invalid OME-NGFF metadata in a.zarr/.zattrs (1 problem):
        - multiscales[0].axes: found 6 axes, expected 2 to 5 [axes_count]"
    `);
    expect(new UnsafePathError("../x", 'contains ".."').message).toMatchInlineSnapshot(
      `"unsafe name "../x": contains ".."; use a plain name of letters, digits, '.', '_' or '-' (no '..', '/', '\\', control characters)"`,
    );
    const w = new WorkerTaskError(1, [[0, 256]], "task failed");
    expect(w.level).toBe(1);
    expect(w.region).toEqual([[0, 256]]);
  });
});
