/**
 * `openOmeZarr`: iohub's `open_ome_zarr` — mode, layout and version resolution, then the node
 * for the layout (Position, TiledPosition or Plate). Every option is checked before the store is
 * touched, and the `.zarr` path guard runs before anything is deleted.
 */
import { readdir, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import {
  AlreadyExistsError,
  InvalidOptionsError,
  LayoutMismatchError,
  NotFoundError,
} from "./errors.js";
import { type AxisSpec, checkAxes } from "./nodes/axes.js";
import { Collection, checkOmeXml } from "./nodes/collection.js";
import {
  formatForVersion,
  type NgffVersion,
  type NodeContext,
  type OpenMode,
} from "./nodes/context.js";
import { readOmeAttrs } from "./nodes/ome-attrs.js";
import { checkPlateLayout, PLATE_LAYOUT_ATTR, type PlateLayout } from "./nodes/plate/layout.js";
import { Plate } from "./nodes/plate/plate.js";
import { checkChannelNames, Position } from "./nodes/position.js";
import { TiledPosition } from "./nodes/tiled-position.js";
import {
  isStoreUrl,
  openLocalStore,
  openStoreRef,
  parseStoreUrl,
  readNode,
  refLabel,
  type S3StoreOptions,
  type S3UrlOptions,
  type ZarrStore,
} from "./store/index.js";

/**
 * Store layouts: `fov` one position, `hcs` a plate, `tiled` a position of tile grids, `bf2raw` a
 * bioformats2raw collection of series images, `auto` infer (open only).
 */
export type Layout = "auto" | "fov" | "hcs" | "tiled" | "bf2raw";

/** The node type `openOmeZarr` resolves to for a layout. */
export type NodeForLayout<L extends Layout> = L extends "fov"
  ? Position
  : L extends "tiled"
    ? TiledPosition
    : L extends "hcs"
      ? Plate
      : L extends "bf2raw"
        ? Collection
        : Position | Plate | Collection;

/** Options of {@link openOmeZarr} (iohub's keyword arguments in camelCase). */
export interface OpenOmeZarrOptions<L extends Layout = Layout> {
  /**
   * Default `"auto"`: plate metadata → hcs, multiscales → fov, `bioformats2raw.layout` → bf2raw;
   * cannot create.
   */
  layout?: L;
  /** Default `"r"` (iohub's). */
  mode?: OpenMode;
  /**
   * Channel names; required to create (for `bf2raw`: optional, the series' default), ignored for
   * existing stores (as in iohub).
   */
  channelNames?: readonly string[];
  /** Axes for a new store (default T, C, Z, Y, X with iohub's units); ignored for existing stores. */
  axes?: readonly AxisSpec[];
  /** NGFF version of a new store (default "0.4", iohub's); an existing store keeps its own. */
  version?: NgffVersion;
  /** Allow mode `"w"` to delete a path that does not contain `.zarr` (default false). */
  disablePathChecking?: boolean;
  /**
   * For `s3://` URLs: endpoint (S3-compatible servers), region, path-style addressing, profile
   * (default: the URL's query, then the AWS environment, see `parseStoreUrl`), and the store's
   * tuning (requests in flight, retries, multipart sizes: `S3StoreOptions`). Credentials always
   * come from the AWS SDK's provider chain, never from here.
   */
  s3?: S3UrlOptions & S3StoreOptions;
  /**
   * `bf2raw` only: the OME-XML written to `OME/METADATA.ome.xml` of a new collection, as given
   * (bioformats2raw's original metadata). Ignored for existing stores.
   */
  omeXml?: string;
  /**
   * `hcs` only: the plate's layout declared up front (`{ name, rows, columns, acquisitions,
   * fieldCount }`), so wells can be created in any order with their final indexes; a well
   * outside the declared rows and columns is refused. Persisted with the plate; reopening with
   * another declaration is a LayoutMismatchError, reopening without one keeps it.
   */
  plate?: PlateLayout;
}

const LAYOUTS: readonly Layout[] = ["auto", "fov", "hcs", "tiled", "bf2raw"];
const MODES: readonly OpenMode[] = ["r", "r+", "a", "w", "w-"];
const VERSIONS: readonly NgffVersion[] = ["0.4", "0.5"];

function bad(option: string, found: unknown, expected: string, hint?: string): never {
  throw new InvalidOptionsError(option, found, expected, hint === undefined ? {} : { hint });
}

interface Target {
  store?: ZarrStore;
  /** Absolute directory for a path (or a local store's root). */
  dir: string | undefined;
  exists: boolean;
  empty: boolean;
}

/** Whether `dir` exists, and whether it holds no Zarr group yet (which mode "a" may create in). */
async function probe(dir: string): Promise<{ exists: boolean; empty: boolean }> {
  try {
    const s = await stat(dir);
    // "Empty" for mode "a": no Zarr group at the root yet. Besides an empty directory, that is
    // one a killed writer left with only temp files or a `.zattrs`, or one a concurrent writer
    // is creating right now (its lock or first temp file): create (or join) instead of failing.
    const names = s.isDirectory() ? await readdir(dir) : [];
    return {
      exists: true,
      empty: s.isDirectory() && !names.includes(".zgroup") && !names.includes("zarr.json"),
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { exists: false, empty: false };
    throw err;
  }
}

/**
 * Open or create an OME-Zarr store (iohub's `open_ome_zarr`).
 *
 * Modes: `r` read-only and `r+` read/write (must exist: NotFoundError), `a` opens or creates,
 * `w-` creates (AlreadyExistsError if the path exists), `w` overwrites — only a path containing
 * `.zarr` unless `disablePathChecking` (checked before anything is deleted). Layouts: `fov`
 * (Position), `tiled` (TiledPosition), `hcs` (Plate), `auto` (infer from metadata; cannot
 * create: InvalidOptionsError). `path` may be a local path, a URL (`file://`, `s3://bucket/prefix`,
 * `http(s)://…` read-only, see `parseStoreUrl`) or a store object (e.g. `createMemoryStore()`).
 *
 * The result's type follows `layout`: `openOmeZarr(p, { layout: "fov" })` is a `Position`.
 * Nodes are `AsyncDisposable` (`await using pos = await openOmeZarr(…)`).
 *
 * @throws {InvalidOptionsError} for bad options (layout, mode, version, channelNames when
 *   creating, omeXml, plate, disablePathChecking, path, s3; `layout: "auto"` when creating).
 * @throws {InvalidMetadataError} for channel names or axes the spec does not allow.
 * @throws {NotFoundError} `r`/`r+` on a missing store, or a path with no Zarr group.
 * @throws {AlreadyExistsError} `w-` on an existing path; `w` on a path without `.zarr`.
 * @throws {LayoutMismatchError} when the store holds another layout than asked for.
 * @throws {UnsupportedError} for an unsupported URL scheme.
 * @throws {StoreAccessError} for a remote store that cannot be reached, authenticated or found.
 * @throws {ReadOnlyError} for an `http(s)://` URL in a mode other than `"r"`.
 */
export async function openOmeZarr<L extends Layout = "auto">(
  path: string | ZarrStore,
  opts: OpenOmeZarrOptions<L> = {},
): Promise<NodeForLayout<L>> {
  const layout: Layout = opts.layout ?? "auto";
  const mode: OpenMode = opts.mode ?? "r";
  const version: NgffVersion = opts.version ?? "0.4";
  if (!LAYOUTS.includes(layout)) bad("layout", layout, LAYOUTS.join(" | "));
  if (!MODES.includes(mode)) bad("mode", mode, MODES.join(" | "));
  if (!VERSIONS.includes(version)) bad("version", version, VERSIONS.join(" | "));
  const channelNames =
    opts.channelNames === undefined ? undefined : checkChannelNames(opts.channelNames);
  const axes = opts.axes === undefined ? undefined : checkAxes(opts.axes);
  const omeXml = checkOmeXml(opts.omeXml);
  if (omeXml !== undefined && layout !== "bf2raw")
    bad("omeXml", "an OME-XML string", 'omeXml only with layout "bf2raw"');
  if (opts.plate !== undefined) {
    if (layout !== "hcs") bad("plate", "a plate layout", 'plate only with layout "hcs"');
    checkPlateLayout(opts.plate, undefined);
  }
  if (opts.disablePathChecking !== undefined && typeof opts.disablePathChecking !== "boolean") {
    bad("disablePathChecking", opts.disablePathChecking, "a boolean");
  }
  if (
    typeof path !== "string" &&
    (typeof path !== "object" || path === null || typeof path.get !== "function")
  ) {
    bad("path", path, "a directory path, a store URL or a ZarrStore");
  }

  if (opts.s3 !== undefined && (typeof opts.s3 !== "object" || opts.s3 === null)) {
    bad("s3", opts.s3, "an object { endpoint, region, forcePathStyle, profile }");
  }
  let ownsStore = typeof path === "string";
  if (typeof path === "string" && isStoreUrl(path)) {
    const ref = parseStoreUrl(path, opts.s3 === undefined ? {} : { s3: opts.s3 });
    if (ref.kind === "file") path = ref.path;
    else {
      path = await openStoreRef(ref, {
        readOnly: mode === "r",
        ...(opts.s3 === undefined ? {} : { s3: opts.s3 }),
      });
      ownsStore = true;
    }
  }

  let target: Target;
  if (typeof path === "string") {
    const dir = resolve(path);
    const p = await probe(dir);
    target = { dir, exists: p.exists, empty: p.empty };
  } else {
    target = {
      store: path,
      dir: path.kind === "memory" ? undefined : (path.root ?? refLabel(path.ref)),
      exists: (await readNode(path, "")) !== undefined,
      empty: false,
    };
  }
  const label = typeof path === "string" ? target.dir : refLabel(path.ref);
  const creating =
    mode === "w" || mode === "w-" || (mode === "a" && (!target.exists || target.empty));

  if ((mode === "r" || mode === "r+") && !target.exists) {
    throw new NotFoundError(
      String(label),
      `dataset not found at ${label}; use mode "a" or "w-" to create it`,
    );
  }
  if (mode === "w-" && target.exists) {
    throw new AlreadyExistsError(
      String(label),
      `${label} already exists; use mode "a" or "r+" to open it, or "w" to overwrite it`,
    );
  }
  if (creating) {
    if (layout === "auto") {
      bad(
        "layout",
        "auto",
        'the layout of the new dataset: "fov", "hcs", "tiled" or "bf2raw"',
        `mode ${JSON.stringify(mode)} creates a dataset here, and "auto" can only detect the layout of an existing one.`,
      );
    }
    if (channelNames === undefined && layout !== "bf2raw") {
      bad(
        "channelNames",
        undefined,
        "channel names (required to create a dataset)",
        'Pass e.g. channelNames: ["DAPI"].',
      );
    }
  }
  if (
    mode === "w" &&
    target.exists &&
    target.dir !== undefined &&
    !target.dir.includes(".zarr") &&
    opts.disablePathChecking !== true
  ) {
    throw new AlreadyExistsError(
      target.dir,
      `refusing to overwrite ${target.dir}: the path does not contain ".zarr"; pass disablePathChecking: true if you are sure it should be deleted`,
    );
  }

  let store: ZarrStore;
  if (target.store !== undefined) {
    store = target.store;
    if (mode === "w" && target.exists) await store.deletePrefix("");
  } else {
    const dir = target.dir as string;
    if (mode === "w" && target.exists) await rm(dir, { recursive: true, force: true });
    store = await openLocalStore(dir, { readOnly: mode === "r", create: creating });
  }

  if (creating) {
    const ctx: NodeContext = {
      store,
      path: "",
      format: formatForVersion(version),
      version,
      mode,
      ownsStore,
    };
    const create = {
      channelNames: channelNames as string[],
      ...(axes === undefined ? {} : { axes }),
    };
    if (layout === "hcs") {
      const plate = opts.plate === undefined ? create : { ...create, layout: opts.plate };
      return (await Plate.create(ctx, plate)) as NodeForLayout<L>;
    }
    if (layout === "bf2raw") {
      return (await Collection.create(ctx, {
        channelNames,
        axes,
        omeXml,
      })) as NodeForLayout<L>;
    }
    const node =
      layout === "tiled"
        ? await TiledPosition.create(ctx, create)
        : await Position.create(ctx, create);
    return node as NodeForLayout<L>;
  }

  const read = await readOmeAttrs(store, "");
  if (read === undefined) {
    throw new NotFoundError(
      String(label),
      `there is no Zarr group at ${label}; is this an OME-Zarr store?`,
    );
  }
  const ctx: NodeContext = {
    store,
    ownsStore,
    path: "",
    format: formatForVersion(read.version),
    version: read.version,
    mode,
  };
  const keys = Object.keys(read.ome);
  const found =
    "plate" in read.ome || PLATE_LAYOUT_ATTR in read.attributes
      ? "hcs"
      : "multiscales" in read.ome
        ? "fov"
        : "bioformats2raw.layout" in read.ome
          ? "bf2raw"
          : undefined;
  let resolved = layout;
  if (layout === "auto") {
    if (found === undefined) {
      throw new LayoutMismatchError(
        "plate, multiscales or bioformats2raw.layout",
        JSON.stringify(keys),
        `cannot infer the layout of ${label}: no "plate", "multiscales" or "bioformats2raw.layout" metadata (found keys ${JSON.stringify(keys)}); is this an OME-Zarr dataset? pass layout to open it anyway`,
      );
    }
    resolved = found;
  } else if (
    // A plate gets its "plate" metadata with its first well (the spec requires at least one
    // well), so an empty OME group opened as "hcs" is a plate without wells yet, as in iohub.
    // Likewise a group with no OME keys opened as "fov"/"tiled" is a position before its first
    // image (e.g. a writer killed right after creating the store): it must reopen to resume.
    (resolved === "hcs" && found !== undefined && found !== "hcs") ||
    (resolved === "bf2raw" && found !== "bf2raw") ||
    (resolved !== "hcs" && resolved !== "bf2raw" && !("multiscales" in read.ome) && keys.length > 0)
  ) {
    throw new LayoutMismatchError(
      resolved,
      found ?? JSON.stringify(keys),
      `layout "${resolved}" does not match the metadata of ${label} (${found === undefined ? `keys ${JSON.stringify(keys)}` : `a ${found} store`}); open it with layout "${found ?? "auto"}"`,
    );
  }
  const fallback = { channelNames, axes };
  if (resolved === "bf2raw") {
    return (await Collection.open(ctx, fallback)) as NodeForLayout<L>;
  }
  if (resolved === "hcs") {
    const init = { channelNames, axes, attributes: read.attributes, layout: opts.plate };
    return (await Plate.open(ctx, init)) as NodeForLayout<L>;
  }
  const node =
    resolved === "tiled"
      ? await TiledPosition.open(ctx, fallback)
      : await Position.open(ctx, fallback);
  return node as NodeForLayout<L>;
}
