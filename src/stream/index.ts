/**
 * Streaming acquisition (DESIGN.md section 10): `position.createStream` / `openStream` return a
 * {@link StreamWriter}; see README.md in this folder.
 */
export { createStream, type OpenStreamOptions, openStream } from "./create.js";
export type { CreateStreamOptions, StreamProgress, StreamPyramidOptions } from "./options.js";
export { type FrameIndex, StreamWriter } from "./writer.js";
