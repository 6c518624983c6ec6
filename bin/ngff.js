#!/usr/bin/env node
// The `ngff` command (package.json "bin"). Runs the built CLI; build first with `npm run build`.
// The AWS SDK warns once per process on Node 20 that its 2027 releases need Node 22; a command's
// stderr is for its own messages (set the variable to "false" to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { main } = await import("../dist/src/cli/main.js");

await main();
