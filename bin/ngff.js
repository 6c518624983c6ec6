#!/usr/bin/env node
// The `ngff` command (package.json "bin"). Runs the built CLI; build first with `npm run build`.
import { main } from "../dist/src/cli/main.js";

await main();
