/**
 * `ngff tree <store> [--level N]`: the group/array hierarchy, arrays with shape and dtype.
 */
import type { Command } from "commander";
import { NotFoundError } from "../errors.js";
import { openStore, readNode } from "../store/index.js";
import type { CommandEnv } from "./env.js";
import { walkTree } from "./inspect.js";
import { positiveInt } from "./options.js";

/** Register `tree`. */
export function registerTree(program: Command, env: CommandEnv): void {
  program
    .command("tree")
    .description("print the hierarchy of groups and arrays of a store")
    .argument("<store>", "OME-Zarr store: a directory, s3://bucket/prefix or http(s):// URL")
    .option("-l, --level <n>", "only the first N levels below the root", positiveInt)
    .action(
      env.action("tree", async (path: string, opts: { level?: number }) => {
        const store = await openStore(path, { readOnly: true });
        const root = await readNode(store, "");
        if (root === undefined) {
          throw new NotFoundError(
            path,
            `${path} is not a Zarr store: no .zgroup, .zarray or zarr.json at its root`,
          );
        }
        env.out(path);
        for (const e of await walkTree(store, opts.level ?? Number.POSITIVE_INFINITY)) {
          const prefix = e.last
            .slice(0, -1)
            .map((l) => (l ? "    " : "│   "))
            .join("");
          const branch = e.last[e.last.length - 1] ? "└── " : "├── ";
          env.out(`${prefix}${branch}${e.name}${e.kind === "array" ? ` ${e.detail}` : ""}`);
        }
      }),
    );
}
