/**
 * The listing helpers of the HTTP store on their own: HTML index parsing (python, nginx,
 * Apache) and children derived from metadata for layouts the served fixtures do not cover
 * (bioformats2raw with and without a series list).
 */
import { describe, expect, test } from "vitest";
import { listFromMetadata, parseIndexHtml } from "../../../src/store/http-list.js";
import { createMemoryStore, type ZarrStore } from "../../../src/store/index.js";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function put(store: ZarrStore, files: Record<string, unknown>): Promise<void> {
  for (const [k, v] of Object.entries(files)) await store.set(k, enc(v));
}

describe("parseIndexHtml", () => {
  const dir = new URL("http://h/data/x.zarr/A/");

  test("Apache-style index: sort links, parent, other hosts and deeper paths are ignored", () => {
    const html = `<html><head><title>Index of /data/x.zarr/A</title></head><body>
      <a href="?C=N;O=D">Name</a> <a href="/data/x.zarr/">Parent Directory</a>
      <a href="1/">1/</a> <a href='2%20b/'>2 b/</a> <a href=.zattrs>.zattrs</a>
      <a href="/data/x.zarr/A/.zgroup">.zgroup</a> <a href="http://other/data/x.zarr/A/3/">x</a>
      <a href="1/0/">deeper</a> <a href="a&amp;b.bin">a&amp;b</a> <a href="#top">top</a>
      <a href=".zattrs.tmp-12-ab1">temp</a> <a href=".1.ngff-lock">lock</a></body></html>`;
    expect(parseIndexHtml(html, dir)).toEqual({
      dirs: ["1", "2 b"],
      files: [".zattrs", ".zgroup", "a&b.bin"],
    });
  });

  test("an empty index is an index; a page without links or heading is not", () => {
    expect(parseIndexHtml("<h1>Directory listing for /A/</h1><ul></ul>", dir)).toEqual({
      dirs: [],
      files: [],
    });
    expect(parseIndexHtml("<html><body>Welcome</body></html>", dir)).toBeUndefined();
  });
});

describe("listFromMetadata", () => {
  test("bioformats2raw root with a series list in OME", async () => {
    const s = createMemoryStore();
    await put(s, {
      ".zgroup": { zarr_format: 2 },
      ".zattrs": { "bioformats2raw.layout": 3 },
      "OME/.zgroup": { zarr_format: 2 },
      "OME/.zattrs": { series: ["0", "7"] },
    });
    await s.set("OME/METADATA.ome.xml", new Uint8Array(4));
    expect(await listFromMetadata(s, "")).toEqual({
      dirs: ["0", "7", "OME"],
      files: [".zattrs", ".zgroup"],
      found: true,
    });
    expect(await listFromMetadata(s, "OME")).toEqual({
      dirs: [],
      files: [".zattrs", ".zgroup", "METADATA.ome.xml"],
      found: true,
    });
  });

  test("bioformats2raw root without series: numbered groups while present (v3)", async () => {
    const s = createMemoryStore();
    const group = (attributes: object) => ({ zarr_format: 3, node_type: "group", attributes });
    await put(s, {
      "zarr.json": group({ ome: { version: "0.5", "bioformats2raw.layout": 3 } }),
      "0/zarr.json": group({ ome: { version: "0.5", multiscales: [] } }),
      "1/zarr.json": group({ ome: { version: "0.5", multiscales: [] } }),
      "3/zarr.json": group({}),
    });
    expect(await listFromMetadata(s, "")).toEqual({
      dirs: ["0", "1"],
      files: ["zarr.json"],
      found: true,
    });
    expect(await listFromMetadata(s, "2")).toEqual({ dirs: [], files: [], found: false });
  });

  test("unsafe names in metadata are not listed", async () => {
    const s = createMemoryStore();
    await put(s, {
      ".zgroup": { zarr_format: 2 },
      ".zattrs": { well: { images: [{ path: ".." }, { path: "0" }, { path: "a:b" }] } },
    });
    expect((await listFromMetadata(s, "")).dirs).toEqual(["0"]);
  });
});
