/**
 * The state file of an unfinished stream: `<position>/.<image>.ngff-stream.json`, written
 * atomically at each `flush()` and removed by `close()`. It holds the stream's options and what
 * the last flush made durable: the steps complete at every level, and the frames accepted in
 * steps that are not (their level-0 planes are on disk, beyond the advertised extent, and
 * `openStream` re-reads them to rebuild the other levels).
 */
import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import { InvalidMetadataError } from "../errors.js";
import type { DataType, ZarrStore } from "../store/index.js";
import { streamStateKey } from "../validate/store-image.js";

/** Contents of the state file (format version 1). */
export interface StreamState {
  format: "ngff-stream";
  version: 1;
  /** Image (level 0 array) name in its position. */
  image: string;
  /** Array names of levels 0..n in the position. */
  levelNames: string[];
  dtype: DataType;
  /** Level-0 shape; the append axis' cap is `null` when open-ended. */
  shape: (number | null)[];
  appendAxis: number;
  chunks: number[];
  shards: number[] | null;
  factors: number[];
  method: DownsampleMethod;
  /** Steps 0..doneSteps−1 are complete at every level. */
  doneSteps: number;
  /** Further complete steps (out-of-order arrival). */
  doneExtra: number[];
  /** Frames (leading coordinates) held in steps that are not complete. */
  partial: { step: number; frames: number[][] }[];
}

/** The state file's key for image `name` of the position at `positionPath`. */
export function stateKeyFor(positionPath: string, name: string): string {
  return streamStateKey(positionPath, name);
}

/** Write the state atomically (the store's `set` is atomic). */
export async function writeState(store: ZarrStore, key: string, state: StreamState): Promise<void> {
  await store.set(key, new TextEncoder().encode(`${JSON.stringify(state, null, 1)}\n`));
}

/**
 * Read the state file, or undefined when there is none.
 * @throws {InvalidMetadataError} when it is not a state file this version reads.
 */
export async function readState(store: ZarrStore, key: string): Promise<StreamState | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  let s: unknown;
  try {
    s = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw bad(key, "it is not JSON", err);
  }
  const o = s as Partial<StreamState>;
  if (
    o?.format !== "ngff-stream" ||
    o.version !== 1 ||
    !Array.isArray(o.levelNames) ||
    !Array.isArray(o.shape) ||
    !Array.isArray(o.chunks) ||
    !Array.isArray(o.factors) ||
    !Array.isArray(o.partial) ||
    !Array.isArray(o.doneExtra) ||
    typeof o.doneSteps !== "number" ||
    typeof o.appendAxis !== "number"
  ) {
    throw bad(key, "it is not an ngff-stream state file of version 1");
  }
  return o as StreamState;
}

function bad(key: string, why: string, cause?: unknown): InvalidMetadataError {
  return new InvalidMetadataError(
    [{ code: "stream_state", location: key, message: why, expected: "an ngff-stream state file" }],
    {
      summary: `cannot read the stream state ${key}: ${why}`,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
