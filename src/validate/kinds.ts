/** The kinds of OME-NGFF groups and their models: the one table in `src/schema/kinds.ts`. */
export * from "../schema/kinds.js";
