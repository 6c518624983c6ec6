/**
 * validateStore: walk an OME-Zarr store from its root and check every group's metadata and the
 * structure it describes (arrays, wells, fields of view, labels, bioformats2raw series).
 */
import { InvalidMetadataError, NotFoundError, type OmeZarrError } from "../errors.js";
import type { NgffVersion } from "../schema/common/version.js";
import { formatLocation } from "../schema/issues.js";
import { forEachBounded } from "../store/concurrency.js";
import {
  listChildren,
  openArray,
  openStore,
  readNode,
  refLabel,
  type ZarrStore,
} from "../store/index.js";
import { detectKind, isRecord, KIND_KEYS, type OmeKind } from "./kinds.js";
import { validateOmeObject } from "./ome.js";
import { checkImageArrays, joinPath, type StoreIssue } from "./store-image.js";

/** Options of {@link validateStore}. */
export interface ValidateStoreOptions {
  /** Also apply the SHOULDs of the official `strict_*` schemas. Default `false`. */
  readonly strict?: boolean;
}

/** What {@link validateStore} found. */
export interface StoreValidationResult {
  /** True when there are no issues. */
  readonly ok: boolean;
  /** The NGFF version of the root group (undefined when it could not be told). */
  readonly version: NgffVersion | undefined;
  /** The kind of the root group (undefined when it could not be told). */
  readonly kind: OmeKind | undefined;
  /** Every problem, with the store path of the group it belongs to. */
  readonly issues: readonly StoreIssue[];
}

interface Walk {
  readonly store: ZarrStore;
  readonly strict: boolean;
  /** The root's version: every group of the hierarchy must carry the same. */
  version: NgffVersion | undefined;
  readonly issues: StoreIssue[];
}

interface Expect {
  /** The kinds allowed here (any when undefined). */
  readonly kinds?: readonly OmeKind[];
  /** For a well in a plate: the plate's acquisition ids. */
  readonly acquisitions?: readonly number[];
  /** For a label image: the number of levels of its image. */
  readonly imageLevels?: number;
  /** For a label image: its image's axis names and level shapes (undefined: unreadable). */
  readonly image?: ImageShapes;
  /** Listed in a `labels` group: its arrays must hold integers. */
  readonly asLabel?: boolean;
  /** What the group is to its parent, for messages (e.g. `well "A/1"`). */
  readonly what: string;
}

/** An image's axis names and the shape of each level (undefined where the array is unreadable). */
interface ImageShapes {
  readonly axes: readonly string[];
  readonly shapes: readonly (readonly number[] | undefined)[];
}

const WELL_LIMIT = 8;

async function levelShapes(
  w: Walk,
  path: string,
  ms: MultiscaleView,
): Promise<(readonly number[] | undefined)[]> {
  return Promise.all(
    ms.datasets.map((d) =>
      openArray(w.store, joinPath(path, d.path)).then(
        (a) => a.shape,
        () => undefined,
      ),
    ),
  );
}

function push(
  w: Walk,
  path: string,
  code: string,
  location: string,
  message: string,
  expected?: string,
) {
  w.issues.push({ code, location, message, ...(expected === undefined ? {} : { expected }), path });
}

/** Visit the group at `path`: validate its metadata, then what it describes. */
async function visit(w: Walk, path: string, exp: Expect): Promise<void> {
  let node: Awaited<ReturnType<typeof readNode>>;
  try {
    node = await readNode(w.store, path);
  } catch (err) {
    const e = err as OmeZarrError;
    const code = e._tag === "UnsafePath" ? "unsafe_path" : "unreadable";
    push(w, path, code, "", `cannot read ${exp.what} at "${path}": ${e.message}`);
    return;
  }
  if (node === undefined || node.kind !== "group") {
    push(
      w,
      path,
      "missing_group",
      "",
      `${exp.what} "${path}" ${node === undefined ? "does not exist" : "is an array"}`,
      "a group",
    );
    return;
  }
  const attrs = node.attributes;
  // The Zarr format says the version; a v2 group with 0.5's `ome` namespace and no 0.4 keys is
  // read as 0.5 (and reported as a format mismatch).
  const version: NgffVersion =
    node.format === 3 || ("ome" in attrs && detectKind(attrs) === undefined) ? "0.5" : "0.4";
  if ((version === "0.5") !== (node.format === 3)) {
    push(
      w,
      path,
      "format_mismatch",
      "",
      `NGFF ${version} metadata in a Zarr v${node.format} group`,
      version === "0.5" ? "Zarr v3 (zarr.json)" : "Zarr v2 (.zattrs)",
    );
  }
  // "The OME-Zarr Metadata version MUST be consistent within a hierarchy."
  if (w.version === undefined) w.version = version;
  else if (w.version !== version) {
    push(
      w,
      path,
      "version_mismatch",
      "",
      `NGFF ${version} group in an NGFF ${w.version} hierarchy`,
      `NGFF ${w.version}`,
    );
  }
  const omePrefix = version === "0.5" ? ["ome"] : [];
  const ome = version === "0.5" ? attrs.ome : attrs;
  const kind = isRecord(ome) ? detectKind(ome) : undefined;
  const allowed = exp.kinds;
  if (kind === undefined || (allowed && !allowed.includes(kind))) {
    const want = (allowed ?? (Object.keys(KIND_KEYS) as OmeKind[])).map((k) => `"${KIND_KEYS[k]}"`);
    push(
      w,
      path,
      allowed ? "missing_key" : "unknown_kind",
      formatLocation(allowed ? [...omePrefix, KIND_KEYS[allowed[0]!]] : omePrefix),
      `${exp.what} "${path}" has no ${want.join(" or ")} metadata` +
        (kind === undefined ? "" : ` (it is a ${kind})`),
      `key ${want.join(" or ")}`,
    );
    return;
  }
  let result: ReturnType<typeof validateOmeObject>;
  try {
    result = validateOmeObject(attrs, { version, kind, strict: w.strict });
  } catch (err) {
    if (!(err instanceof InvalidMetadataError)) throw err;
    for (const i of err.issues) w.issues.push({ ...i, path });
    return; // Structure is only checked against valid metadata.
  }
  const om = result.ome as Record<string, unknown>;
  switch (kind) {
    case "image":
    case "label-image":
      return visitImage(
        w,
        path,
        node.format,
        omePrefix,
        om,
        kind === "label-image" || exp.asLabel === true,
        exp,
      );
    case "labels":
      return visitLabels(w, path, omePrefix, om.labels as string[], exp);
    case "plate":
    case "bf2raw":
      if (isRecord(om.plate)) return visitPlate(w, path, om.plate);
      return visitBf2Raw(w, path);
    case "well":
      return visitWell(w, path, om.well as WellView, omePrefix, exp.acquisitions);
    case "series":
      return; // Series paths are relative to the bioformats2raw root: checked from there.
  }
}

interface MultiscaleView {
  axes: { name: string }[];
  datasets: { path: string; coordinateTransformations: unknown[] }[];
}

async function visitImage(
  w: Walk,
  path: string,
  format: 2 | 3,
  omePrefix: string[],
  ome: Record<string, unknown>,
  label: boolean,
  exp: Expect,
): Promise<void> {
  const multiscales = ome.multiscales as MultiscaleView[] | undefined;
  if (multiscales === undefined) {
    // "`image-label` groups MUST also contain `multiscales` metadata"
    push(
      w,
      path,
      "missing_key",
      formatLocation([...omePrefix, "multiscales"]),
      `label image "${path}" has no "multiscales"`,
      'key "multiscales"',
    );
    return;
  }
  w.issues.push(
    ...(await checkImageArrays({ store: w.store, path, omePrefix, format, label }, multiscales)),
  );
  const levels = multiscales[0]?.datasets.length ?? 0;
  // "the JSON array associated with the `datasets` key MUST have the same number of entries
  // (scale levels) as the original unlabeled image."
  if (label && exp.imageLevels !== undefined && levels !== exp.imageLevels) {
    push(
      w,
      path,
      "label_levels",
      formatLocation([...omePrefix, "multiscales", 0, "datasets"]),
      `label image "${path}" has ${levels} levels but its image has ${exp.imageLevels}`,
      `${exp.imageLevels} levels`,
    );
  }
  // "each dimension of the label array is the image's size or 1" (the label has the image's
  // axes); labels with other axes (ngff-writer's earlier layout without the channel axis) are
  // not compared.
  const first = multiscales[0];
  const image = exp.image;
  if (label && image !== undefined && first !== undefined) {
    const names = first.axes.map((a) => a.name);
    if (names.length === image.axes.length && names.every((n, i) => n === image.axes[i])) {
      const shapes = await levelShapes(w, path, first);
      shapes.forEach((shape, k) => {
        const want = image.shapes[k];
        if (shape === undefined || want === undefined || shape.length !== want.length) return;
        const i = shape.findIndex((s, j) => s !== want[j] && s !== 1);
        if (i < 0) return;
        push(
          w,
          path,
          "label_shape",
          formatLocation([...omePrefix, "multiscales", 0, "datasets", k]),
          `label level ${k} ("${first.datasets[k]!.path}") has ${shape[i]} pixels along ` +
            `${names[i]}, but its image has ${want[i]} at that level`,
          `${want[i]} or 1`,
        );
      });
    }
  }
  if (!label) {
    const labelsPath = joinPath(path, "labels");
    const node = await readNode(w.store, labelsPath).catch(() => undefined);
    if (node !== undefined) {
      const imageShapes: ImageShapes | undefined =
        first === undefined
          ? undefined
          : { axes: first.axes.map((a) => a.name), shapes: await levelShapes(w, path, first) };
      await visit(w, labelsPath, {
        kinds: ["labels"],
        what: "labels group",
        imageLevels: levels,
        ...(imageShapes === undefined ? {} : { image: imageShapes }),
      });
    }
  }
}

async function visitLabels(
  w: Walk,
  path: string,
  omePrefix: string[],
  labels: readonly string[],
  exp: Expect,
): Promise<void> {
  for (const [i, name] of labels.entries()) {
    const before = w.issues.length;
    await visit(w, joinPath(path, name), {
      kinds: ["label-image", "image"],
      what: "label image",
      asLabel: true,
      ...(exp.imageLevels === undefined ? {} : { imageLevels: exp.imageLevels }),
      ...(exp.image === undefined ? {} : { image: exp.image }),
    });
    // Point a missing label back at the list entry that names it.
    for (const issue of w.issues.slice(before)) {
      if (issue.code === "missing_group" && issue.path === joinPath(path, name)) {
        w.issues[w.issues.indexOf(issue)] = {
          ...issue,
          path,
          location: formatLocation([...omePrefix, "labels", i]),
        };
      }
    }
  }
}

interface WellView {
  images: { path: string; acquisition?: number }[];
}

async function visitPlate(w: Walk, path: string, plate: Record<string, unknown>): Promise<void> {
  const wells = plate.wells as { path: string }[];
  const acquisitions = Array.isArray(plate.acquisitions)
    ? (plate.acquisitions as { id: number }[]).map((a) => a.id)
    : undefined;
  // "the group above the well defines a row of wells"
  const rows = [...new Set(wells.map((x) => x.path.split("/")[0]!))];
  for (const row of rows) {
    const node = await readNode(w.store, joinPath(path, row)).catch(() => undefined);
    if (node?.kind !== "group") {
      push(
        w,
        joinPath(path, row),
        "missing_group",
        "",
        `row "${row}" of the plate is not a group`,
        "a group",
      );
    }
  }
  await forEachBounded(wells, WELL_LIMIT, (well) =>
    visit(w, joinPath(path, well.path), {
      kinds: ["well"],
      what: "well",
      ...(acquisitions === undefined ? {} : { acquisitions }),
    }),
  );
}

async function visitWell(
  w: Walk,
  path: string,
  well: WellView,
  omePrefix: string[],
  acquisitions: readonly number[] | undefined,
): Promise<void> {
  well.images.forEach((image, i) => {
    const at = formatLocation([...omePrefix, "well", "images", i, "acquisition"]);
    // "If multiple acquisitions were performed in the plate, it MUST contain an `acquisition`
    // key ... which MUST match one of the acquisition JSON objects defined in the plate metadata"
    if (acquisitions === undefined) return;
    if (image.acquisition === undefined) {
      if (acquisitions.length > 1) {
        push(
          w,
          path,
          "well_acquisition",
          at,
          `field of view "${image.path}" names no acquisition, but the plate has ${acquisitions.length}`,
          `one of ${acquisitions.join(", ")}`,
        );
      }
    } else if (!acquisitions.includes(image.acquisition)) {
      push(
        w,
        path,
        "well_acquisition",
        at,
        `field of view "${image.path}" names acquisition ${image.acquisition}, which the plate does not define`,
        `one of ${acquisitions.join(", ")}`,
      );
    }
  });
  for (const image of well.images) {
    await visit(w, joinPath(path, image.path), { kinds: ["image"], what: "field of view" });
  }
}

async function visitBf2Raw(w: Walk, path: string): Promise<void> {
  const omePath = joinPath(path, "OME");
  const omeNode = await readNode(w.store, omePath).catch(() => undefined);
  if (omeNode?.kind === "group") {
    const before = w.issues.length;
    await visit(w, omePath, { kinds: ["series"], what: "OME group" });
    const attrs = omeNode.attributes;
    const ome = "ome" in attrs ? attrs.ome : attrs;
    const series = isRecord(ome) ? ome.series : undefined;
    if (w.issues.length === before && Array.isArray(series)) {
      for (const s of series as string[]) {
        await visit(w, joinPath(path, s), { kinds: ["image"], what: "series image" });
      }
      return;
    }
  }
  // "If the "series" attribute does not exist and no "plate" is present: separate "multiscales"
  // images MUST be stored in consecutively numbered groups starting from 0"
  const { groups } = await listChildren(w.store, path);
  const numbered = groups.filter((g) => /^(0|[1-9][0-9]*)$/.test(g)).map(Number);
  const count = numbered.length === 0 ? 1 : Math.max(...numbered) + 1;
  for (let i = 0; i < count; i++) {
    await visit(w, joinPath(path, String(i)), { kinds: ["image"], what: "series image" });
  }
}

/**
 * Validate an OME-Zarr store: the root's kind and every group's metadata, and the structure the
 * metadata describes — dataset paths are arrays with one dimension per axis, v3
 * `dimension_names` equal the axis names, level shapes never grow and follow the scales,
 * listed wells, fields of view, labels and series exist, label arrays hold integers (and, when
 * they have the image's axes, each dimension the image's size or 1), wells name
 * plate acquisitions, and every group carries the root's NGFF version in the matching Zarr
 * format. Problems are returned, not thrown (see `ISSUE_CODES` for the codes).
 *
 * @param pathOrStore - a local directory, a store URL (`s3://…`, `https://…`, see
 *   `parseStoreUrl`), or an open store.
 * @throws {NotFoundError} when the directory does not exist or holds no Zarr group at its root.
 */
export async function validateStore(
  pathOrStore: string | ZarrStore,
  opts: ValidateStoreOptions = {},
): Promise<StoreValidationResult> {
  const store =
    typeof pathOrStore === "string"
      ? await openStore(pathOrStore, { readOnly: true })
      : pathOrStore;
  const where = typeof pathOrStore === "string" ? pathOrStore : refLabel(store.ref);
  const root = await readNode(store, "").catch((err: unknown) => {
    if (err instanceof InvalidMetadataError) return "unreadable" as const;
    throw err;
  });
  if (root === undefined) {
    throw new NotFoundError(
      where,
      `no Zarr group at the root of ${where}; expected an OME-Zarr store`,
    );
  }
  const w: Walk = { store, strict: opts.strict ?? false, version: undefined, issues: [] };
  await visit(w, "", { what: "root group" });
  let kind: OmeKind | undefined;
  if (root !== "unreadable") {
    const ome = "ome" in root.attributes ? root.attributes.ome : root.attributes;
    kind = isRecord(ome) ? detectKind(ome) : undefined;
  }
  return { ok: w.issues.length === 0, version: w.version, kind, issues: w.issues };
}
