/** The 0.5 `ome.version` key. */
import { versionString } from "../common/version.js";

// "The version of the OME-Zarr Metadata is denoted as a string in the `version` attribute within
// the `ome` namespace." The official schemas require it and allow only "0.5".
/** `ome.version`: `"0.5"`. */
export const Version = versionString("0.5");
