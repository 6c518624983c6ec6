/**
 * Child process of the convertStore crash test: `node --import tsx child.ts <src> <dst>
 * <version> <workers>`. Prints `@<n> <label>` markers on stdout (the test kills it at points
 * placed between them): `ready` just before the conversion starts, `copy` after each task,
 * `done` when convertStore resolved.
 */
import { convertStore } from "../../../src/index.js";
import type { NgffVersion } from "../../../src/nodes/context.js";

const [src, dst, version, workers] = process.argv.slice(2);
let n = 0;
const mark = (label: string) => process.stdout.write(`@${n++} ${label}\n`);
mark("ready");
await convertStore(src!, dst!, {
  version: version as NgffVersion,
  workers: Number(workers ?? "2"),
  onProgress: () => mark("copy"),
});
mark("done");
