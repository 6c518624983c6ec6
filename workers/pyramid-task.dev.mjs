/**
 * Development entry of the pyramid worker (used when the library runs from its TypeScript
 * sources, e.g. in tests): registers the tsx loader in this worker thread, then loads
 * pyramid-task.ts. On Node 20, `execArgv: ["--import", "tsx"]` does not work for worker threads
 * whose TypeScript imports packages (ERR_UNKNOWN_FILE_EXTENSION, nodejs/node#47747,
 * privatenumber/tsx#354); registering from inside the thread does. The built library loads
 * dist/workers/pyramid-task.js directly and never uses this file.
 */
import { register } from "tsx/esm/api";

register();
const task = await import("./pyramid-task.ts");

export default task.default;
