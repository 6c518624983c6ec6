/**
 * A plate's field counts follow its fields (issue 12 items 2 and 5): deleting the field (or the
 * well, or the row) that held an acquisition's `maximumfieldcount` or the plate's `field_count`
 * lowers it; an acquisition left without fields is no longer listed in `plate.acquisitions`
 * (the strict schemas want a positive `maximumfieldcount` on every listed one) but the plate
 * keeps it (`ngff-writer:plate-acquisitions`), across a reopen, until a field uses it again. A
 * plate declared with acquisitions that have no field yet passes the strict schemas. An
 * interrupted position delete run again recounts. Bad input: typed errors, files untouched.
 * NGFF 0.4 and 0.5.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { PLATE_ACQUISITIONS_ATTR } from "../../../src/nodes/plate/counts.js";
import type { PlateLayout } from "../../../src/nodes/plate/layout.js";
import type { Plate } from "../../../src/nodes/plate/plate.js";
import { type OpenOmeZarrOptions, openOmeZarr } from "../../../src/open.js";
import { validateStore } from "../../../src/validate/store.js";
import { SchemaSet } from "../../unit/validate/json-schema.js";
import { newStore, noLocks, untouched } from "./delete-helpers.js";
import { tempDir } from "./open-helpers.js";

const SCHEMAS = { "0.4": new SchemaSet("0.4"), "0.5": new SchemaSet("0.5") };

type PlateJson = {
  acquisitions?: { id: number; name?: string; maximumfieldcount?: number }[];
  field_count?: number;
  wells: { path: string }[];
};

/** The attribute document of group `group` (`""`: the root) as stored. */
async function attrsOf(
  dir: string,
  version: NgffVersion,
  group = "",
): Promise<Record<string, unknown>> {
  const file = join(dir, group, version === "0.4" ? ".zattrs" : "zarr.json");
  const doc = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  return (version === "0.4" ? doc : doc.attributes) as Record<string, unknown>;
}

function plateJson(attrs: Record<string, unknown>, version: NgffVersion): PlateJson {
  const ome = (version === "0.4" ? attrs : attrs.ome) as Record<string, unknown>;
  return ome.plate as PlateJson;
}

/** The root's `plate` as stored, after checking it against the strict schema and validateStore. */
async function strictPlate(dir: string, version: NgffVersion): Promise<PlateJson> {
  await noLocks(dir);
  const attrs = await attrsOf(dir, version);
  expect(SCHEMAS[version].validate("strict_plate", attrs)).toEqual([]);
  const report = await validateStore(dir, { strict: true });
  expect(report.issues).toEqual([]);
  expect(report.ok).toBe(true);
  return plateJson(attrs, version);
}

/**
 * The stored counts, strict-checked (see {@link strictPlate}): each listed acquisition as
 * `id:maximumfieldcount`, then `| field_count` (`-` when absent).
 */
async function storedCounts(dir: string, version: NgffVersion): Promise<string> {
  const p = await strictPlate(dir, version);
  const listed = (p.acquisitions ?? []).map((a) => `${a.id}:${a.maximumfieldcount}`);
  return `${listed.join(" ")} | ${p.field_count ?? "-"}`;
}

/**
 * A plate with two acquisitions (0 and 1 "second") and the fields `fields` (space-separated
 * `row/column/field:acquisition`), each with an image; `fieldCount`: `field_count` counted.
 */
async function plateWith(
  version: NgffVersion,
  fields: string,
  fieldCount = false,
): Promise<{ plate: Plate; dir: string }> {
  const { node: plate, dir } = await newStore(version, "hcs", "plate.zarr", ["DAPI"]);
  await plate.addAcquisition({ id: 1, name: "second" });
  for (const f of fields.split(" ")) {
    const [r, c, rest] = f.split("/") as [string, string, string];
    const [field, acq] = rest.split(":") as [string, string];
    const pos = await plate.createPosition(r, c, field, { acqIndex: Number(acq) });
    await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
  }
  if (fieldCount) await plate.dumpMeta({ fieldCount: true });
  return { plate, dir };
}

/** A new plate store `declared.zarr` (channel DAPI) declared with `layout`. */
async function declaredPlate(
  version: NgffVersion,
  layout: PlateLayout,
): Promise<{ plate: Plate; dir: string }> {
  const dir = join(await tempDir(), "declared.zarr");
  const opts = { layout: "hcs", mode: "w", version, channelNames: ["DAPI"], plate: layout };
  return { plate: (await openOmeZarr(dir, opts as OpenOmeZarrOptions<"hcs">)) as Plate, dir };
}

describe.each(["0.4", "0.5"] as const)("plate field counts, NGFF %s", (version) => {
  test("acquisitions without fields: strict-valid, kept by the plate, listed from their first field", async () => {
    // A declared plate whose second acquisition has no field yet.
    const { plate: declared, dir: ddir } = await declaredPlate(version, {
      rows: ["A"],
      columns: ["1", "2"],
      acquisitions: [{ id: 0 }, { id: 1 }],
    });
    const pos = await declared.createPosition("A", "1", "0");
    await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
    expect(await storedCounts(ddir, version)).toBe("0:1 | -");
    expect(declared.acquisitions.map((a) => a.id)).toEqual([0, 1]);
    const kept = (await attrsOf(ddir, version))[PLATE_ACQUISITIONS_ATTR];
    expect(kept).toEqual([
      { id: 0, name: "Acquisition 0" },
      { id: 1, name: "Acquisition 1" },
    ]);
    await declared.close();

    // A reopen still knows acquisition 1; its first field lists it and drops the attribute.
    const again = (await openOmeZarr(ddir, { layout: "hcs", mode: "a" })) as Plate;
    expect(again.acquisitions).toEqual([
      { id: 0, name: "Acquisition 0", maximumfieldcount: 1 },
      { id: 1, name: "Acquisition 1" },
    ]);
    const second = await again.createPosition("A", "2", "0", { acqIndex: 1 });
    await second.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
    expect(await storedCounts(ddir, version)).toBe("0:1 1:1 | -");
    expect(PLATE_ACQUISITIONS_ATTR in (await attrsOf(ddir, version))).toBe(false);
    await again.close();
  });

  test("addAcquisition survives a reopen before its first field; bad input leaves the files", async () => {
    const { plate, dir } = await plateWith(version, "A/1/0:0");
    // Acquisition 1 has no field: not listed.
    expect(await storedCounts(dir, version)).toBe("0:1 | -");
    await plate.addAcquisition({ id: 5, name: "later" });
    expect(await storedCounts(dir, version)).toBe("0:1 | -");
    const dup = await untouched(dir, "AlreadyExists", () => plate.addAcquisition({ id: 1 }));
    expect(dup.message).toContain("acquisition 1 already exists");
    const undeclared = await untouched(dir, "InvalidMetadata", () =>
      plate.createPosition("A", "1", "1", { acqIndex: 9 }),
    );
    expect(undeclared.message).toContain("9");
    await plate.close();

    const again = (await openOmeZarr(dir, { layout: "hcs", mode: "a" })) as Plate;
    expect(again.acquisitions.map((a) => [a.id, a.name])).toEqual([
      [0, "Acquisition 0"],
      [1, "second"],
      [5, "later"],
    ]);
    const pos = await again.createPosition("A", "1", "1", { acqIndex: 5 });
    await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
    expect(await storedCounts(dir, version)).toBe("0:1 5:1 | -");
    await again.close();
  });

  test("deleting the field that held a maximum lowers maximumfieldcount and field_count", async () => {
    const fields = "A/1/0:0 A/1/1:0 A/1/2:1 A/2/0:0 A/2/1:1 B/1/0:1 B/1/1:1";
    const { plate, dir } = await plateWith(version, fields, true);
    expect(await storedCounts(dir, version)).toBe("0:2 1:2 | 3");

    // Not a maximum holder: nothing changes but the well. (The last field of a well is not
    // deleted here: a listed well without fields has no valid `well` metadata; see delete.ts.)
    const a2 = await plate.getWell("A/2");
    await a2.deletePosition("1");
    expect(await storedCounts(dir, version)).toBe("0:2 1:2 | 3");

    // A/1 held field_count (3): deleting one of its fields lowers it to 2 (B/1 and A/1).
    const a1 = await plate.getWell("A/1");
    await a1.deletePosition("2");
    expect(await storedCounts(dir, version)).toBe("0:2 1:2 | 2");

    // B/1 held acquisition 1's maximum (2): one field of it left.
    await (await plate.getWell("B/1")).deletePosition("1");
    expect(await storedCounts(dir, version)).toBe("0:2 1:1 | 2");

    // The last field of acquisition 1: no longer listed, still known to the plate.
    await plate.deleteWell("B", "1");
    expect(await storedCounts(dir, version)).toBe("0:2 | 2");
    expect(plate.acquisitions.map((a) => a.id)).toEqual([0, 1]);

    // A missing field: NotFoundError, counts and files untouched.
    await untouched(dir, "NotFound", () => a1.deletePosition("7"));

    // A/1 held both maxima: A/1 and A/2 have one field each now.
    await a1.deletePosition("1");
    expect(await storedCounts(dir, version)).toBe("0:1 | 1");
    await plate.close();
  });

  test("deleteRow lowers the counts from the wells that remain", async () => {
    // Row A holds acquisition 0's maximum (3) and field_count; B/2 is acquisition 1's only field.
    const { plate, dir } = await plateWith(
      version,
      "A/1/0:0 A/1/1:0 A/1/2:0 B/1/0:0 B/2/0:1",
      true,
    );
    const before = await storedCounts(dir, version);
    await plate.deleteRow("A");
    await plate.close();
    expect([before, await storedCounts(dir, version)]).toEqual(["0:3 1:1 | 3", "0:1 1:1 | 1"]);
  });

  test("a field_count declared with the layout stays; the acquisition counts follow", async () => {
    const { plate, dir } = await declaredPlate(version, {
      rows: ["A"],
      columns: ["1"],
      fieldCount: 4,
    });
    for (const f of ["0", "1"]) {
      const pos = await plate.createPosition("A", "1", f);
      await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
    }
    expect(await storedCounts(dir, version)).toBe("0:2 | 4");
    await (await plate.getWell("A/1")).deletePosition("1");
    expect(await storedCounts(dir, version)).toBe("0:1 | 4");
    await plate.close();
  });

  test("an interrupted position delete, run again, lowers the counts", async () => {
    const { plate, dir } = await plateWith(version, "A/1/0:0 A/1/1:0 A/2/0:0");
    await plate.close();
    // Killed after the well's write: the well no longer lists field 1, its directory is there,
    // and the plate's count is still 2 (too high, but valid).
    const wellFile = join(dir, "A", "1", version === "0.4" ? ".zattrs" : "zarr.json");
    const doc = JSON.parse(await readFile(wellFile, "utf8"));
    const well = (version === "0.4" ? doc.well : doc.attributes.ome.well) as {
      images: { path: string }[];
    };
    well.images = well.images.filter((i) => i.path !== "1");
    await writeFile(wellFile, JSON.stringify(doc));
    expect(await storedCounts(dir, version)).toBe("0:2 | -");

    const again = (await openOmeZarr(dir, { layout: "hcs", mode: "a" })) as Plate;
    await (await again.getWell("A/1")).deletePosition("1");
    expect(await storedCounts(dir, version)).toBe("0:1 | -");
    // Nothing left to finish: a third run is a NotFoundError that changes nothing.
    await untouched(dir, "NotFound", async () => (await again.getWell("A/1")).deletePosition("1"));
    await again.close();
  });
});
