/**
 * A user of the published package, compiled by scripts/api-report.ts against the emitted `.d.ts`
 * (never run). It proves the declarations are self-contained after `stripInternal` (no public type
 * names a stripped one) and that node internals are out of reach (each `@ts-expect-error` fails
 * the check when the member it names comes back).
 */
import {
  Collection,
  ImageArray,
  InvalidOptionsError,
  LabelImage,
  type NdArray,
  type OpenOmeZarrOptions,
  openOmeZarr,
  Plate,
  Position,
  Row,
  TiledImageArray,
  TiledPosition,
  validateStore,
  Well,
} from "ngff-writer";
import { runCli } from "ngff-writer/cli";
import { openTiff } from "ngff-writer/tiff";

export async function writeFov(path: string): Promise<NdArray> {
  const opts: OpenOmeZarrOptions<"fov"> = { layout: "fov", mode: "w", channelNames: ["DAPI"] };
  const pos: Position = await openOmeZarr(path, opts);
  const image: ImageArray = await pos.createZeros("0", {
    shape: [1, 1, 4, 64, 64],
    dtype: "uint16",
  });
  await image.write([0, 0], new Uint16Array(4 * 64 * 64));
  await pos.computePyramid();
  return image.read();
}

export async function writePlate(path: string): Promise<string[]> {
  const plate: Plate = await openOmeZarr(path, {
    layout: "hcs",
    mode: "w",
    channelNames: ["GFP"],
  });
  const pos = await plate.createPosition("A", "1", "0");
  await pos.createZeros("0", { shape: [1, 1, 1, 8, 8], dtype: "uint8" });
  const result = await validateStore(path);
  return [...plate.wellPaths(), String(result.ok)];
}

export async function tiffAndCli(path: string): Promise<number> {
  const reader = await openTiff(path);
  await reader.close();
  return runCli(["info", path], { stdout: process.stdout, stderr: process.stderr });
}

export function isBadOption(e: unknown): boolean {
  return e instanceof InvalidOptionsError;
}

/** Node internals are out of the published types (each line fails the check if one comes back). */
export function internalsAreHidden(pos: Position, plate: Plate): unknown[] {
  return [
    // @ts-expect-error nodes are opened by openOmeZarr, not by a static open(ctx)
    Position.open,
    // @ts-expect-error nodes are created by openOmeZarr / createPosition, not by create(ctx)
    Position.create,
    // @ts-expect-error internal factory
    Plate.open,
    // @ts-expect-error the node context is internal
    pos.ctx,
    // @ts-expect-error internal level creation
    pos._createLevel,
    // @ts-expect-error internal multiscale state
    pos._liveMultiscale,
    // @ts-expect-error internal batch engine
    plate._createBatch,
  ];
}

/** Nodes and arrays come from the library (openOmeZarr, get…, create…): `new` is a type error. */
export function constructorsAreHidden(): unknown[] {
  return [
    // @ts-expect-error a position comes from openOmeZarr / createPosition / getPosition
    new Position(),
    // @ts-expect-error a tiled position comes from openOmeZarr with layout "tiled"
    new TiledPosition(),
    // @ts-expect-error a plate comes from openOmeZarr
    new Plate(),
    // @ts-expect-error a well comes from its plate
    new Well(),
    // @ts-expect-error a row comes from its plate
    new Row(),
    // @ts-expect-error a label image comes from createLabel / getLabel
    new LabelImage(),
    // @ts-expect-error a collection comes from openOmeZarr
    new Collection(),
    // @ts-expect-error an image array comes from its node
    new ImageArray(),
    // @ts-expect-error a tiled array comes from its tiled position
    new TiledImageArray(),
  ];
}

/** The classes stay values for `instanceof` (compiles without an expected error). */
export function classifies(node: unknown): boolean[] {
  return [
    node instanceof TiledPosition,
    node instanceof Position,
    node instanceof Plate,
    node instanceof Well,
    node instanceof Row,
    node instanceof LabelImage,
    node instanceof Collection,
    node instanceof TiledImageArray,
    node instanceof ImageArray,
  ];
}
