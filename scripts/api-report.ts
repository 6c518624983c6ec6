/**
 * The API report: the published type surface of every entry point in package.json `exports`
 * (".", "./tiff", "./cli"), as Microsoft API Extractor prints it, committed under `api/`.
 *
 * Generation: declarations are emitted in-process with the TypeScript compiler API and the options
 * of tsconfig.build.json (so `stripInternal` hides `@internal` members exactly as `npm run build`
 * does) into a throwaway package folder; API Extractor reads each entry's `.d.ts` from there; a
 * consumer fixture (scripts/api-consumer.ts) is compiled against the same declarations, as a user
 * of the published package would, to prove they are self-contained.
 *
 * Generation takes a full declaration emit (10–25 s on the 2-core machine), so results are keyed
 * by a hash of every input (sources, tsconfigs, package.json, lockfile, this script, the fixture):
 * `api/inputs.sha256` records the hash the committed reports were generated from (a check with
 * unchanged inputs is a hash comparison), and generated results are cached under
 * `node_modules/.cache/ngff-api-report/`.
 *
 *   npm run api:update    regenerate api/*.api.md and api/inputs.sha256
 *   npm run api:check     exit 1 when the committed reports differ from the sources
 *
 * API_REPORT_TIMING=1 prints the time of each step on stderr.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type * as AE from "@microsoft/api-extractor";
import type TS from "typescript";

// TypeScript and API Extractor load only when reports are generated: a check with unchanged
// inputs is a hash comparison and should not pay for loading two compilers.
const require = createRequire(import.meta.url);
let ts: typeof TS;
function loadCompilers(): typeof AE {
  ts ??= require("typescript") as typeof TS;
  return require("@microsoft/api-extractor") as typeof AE;
}

/** Repository root (this file lives in scripts/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where the committed reports live. */
export const API_DIR = path.join(ROOT, "api");
/** The one command that brings the committed reports up to date. */
export const UPDATE_COMMAND = "npm run api:update";

const HASH_FILE = "inputs.sha256";
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "ngff-api-report");
/** Parent of the throwaway generation folders (git-ignored; each removed when done). */
const WORK_DIR = path.join(ROOT, ".scratch");
const CONSUMER_FIXTURE = path.join(ROOT, "scripts", "api-consumer.ts");
/** Folders whose every file is an input of the declarations. */
const INPUT_DIRS = ["src", "native-free-kernels", "workers"];
/** Single files that are inputs of the declarations or of the report. */
const INPUT_FILES = [
  "tsconfig.json",
  "tsconfig.build.json",
  "package.json",
  "package-lock.json",
  "scripts/api-report.ts",
  "scripts/api-consumer.ts",
];

/** One package entry point: its `exports` key, its declaration file, its report file name. */
export interface ApiEntry {
  /** The `exports` key: ".", "./tiff", "./cli". */
  subpath: string;
  /** The import specifier users write: "ngff-writer", "ngff-writer/tiff". */
  specifier: string;
  /** Declaration file relative to the package root: "dist/src/index.d.ts". */
  types: string;
  /** Report file name in api/: "ngff-writer.api.md", "ngff-writer-tiff.api.md". */
  reportFile: string;
}

/** What a generation produces: one report per entry (a failed consumer compile throws). */
export interface ApiGeneration {
  /** Report text by report file name. */
  reports: Record<string, string>;
}

/** Outcome of comparing the committed reports with the sources. */
export interface ApiCheck {
  /** True when the committed hash matched the inputs (nothing was regenerated). */
  fastPath: boolean;
  /** Report files that differ (or are missing, or are extra), with a short diff each. */
  differences: { file: string; diff: string }[];
}

interface PackageJson {
  name: string;
  exports: Record<string, { types: string; import: string }>;
}

function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;
}

/** The entry points of package.json `exports`, in key order. */
export function apiEntries(pkg: PackageJson = readPackageJson()): ApiEntry[] {
  return Object.entries(pkg.exports).map(([subpath, target]) => {
    const tail = subpath === "." ? "" : subpath.slice(1);
    return {
      subpath,
      specifier: `${pkg.name}${tail}`,
      types: path.posix.normalize(target.types),
      reportFile: `${pkg.name}${tail.replaceAll("/", "-")}.api.md`,
    };
  });
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

function sha256(parts: Iterable<string | Buffer>): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** Hash of every input of the reports (path and content of each file, in sorted order). */
export function inputsHash(): string {
  const files = [
    ...INPUT_DIRS.flatMap((d) => listFiles(path.join(ROOT, d))),
    ...INPUT_FILES.map((f) => path.join(ROOT, f)),
  ]
    .map((f) => path.relative(ROOT, f).split(path.sep).join("/"))
    .sort();
  const h = createHash("sha256");
  for (const rel of files) {
    const abs = path.join(ROOT, rel);
    h.update(`${rel}\0`);
    h.update(existsSync(abs) ? readFileSync(abs) : "<missing>");
    h.update("\0");
  }
  return h.digest("hex");
}

function reportsHash(reports: Record<string, string>): string {
  return sha256(
    Object.keys(reports)
      .sort()
      .flatMap((k) => [k, "\0", reports[k] ?? "", "\0"]),
  );
}

function formatDiagnostics(diags: readonly TS.Diagnostic[]): string[] {
  return diags.map((d) =>
    ts.formatDiagnostic(d, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => "\n",
    }),
  );
}

/**
 * API Extractor cannot report an interface whose member has the name of one of its type
 * parameters (microsoft/rushstack#2834: `interface NdArray<T> { readonly T: NdArray<T> }`, the
 * ndarray transpose). Rename such type parameters to `<name>_` in the emitted declarations (a
 * rename of a type parameter changes no type).
 */
const renameCollidingTypeParameters: TS.TransformerFactory<TS.SourceFile | TS.Bundle> = (
  context,
) => {
  const f = context.factory;
  const renameIn = <N extends TS.Node>(node: N, from: string, to: string): N => {
    const visit = (n: TS.Node): TS.Node => {
      if (ts.isTypeReferenceNode(n) && ts.isIdentifier(n.typeName) && n.typeName.text === from) {
        return f.updateTypeReferenceNode(
          n,
          f.createIdentifier(to),
          n.typeArguments && f.createNodeArray(n.typeArguments.map((a) => visit(a) as TS.TypeNode)),
        );
      }
      return ts.visitEachChild(n, visit, context);
    };
    return visit(node) as N;
  };
  const visitor = (node: TS.Node): TS.Node => {
    if (ts.isInterfaceDeclaration(node) && node.typeParameters) {
      const memberNames = new Set(
        node.members.flatMap((m) => (m.name && ts.isIdentifier(m.name) ? [m.name.text] : [])),
      );
      let out: TS.InterfaceDeclaration = node;
      for (const tp of node.typeParameters) {
        const from = tp.name.text;
        if (!memberNames.has(from)) continue;
        const to = `${from}_`;
        const typeParameters = (out.typeParameters ?? []).map((p) =>
          p.name.text === from
            ? f.updateTypeParameterDeclaration(
                p,
                p.modifiers,
                f.createIdentifier(to),
                p.constraint && renameIn(p.constraint, from, to),
                p.default && renameIn(p.default, from, to),
              )
            : p,
        );
        out = f.updateInterfaceDeclaration(
          out,
          out.modifiers,
          out.name,
          typeParameters,
          out.heritageClauses?.map((h) => renameIn(h, from, to)),
          out.members.map((m) => renameIn(m, from, to)),
        );
      }
      return out;
    }
    return ts.visitEachChild(node, visitor, context);
  };
  return (node) => ts.visitNode(node, visitor) as TS.SourceFile | TS.Bundle;
};

/** Emit the declarations of every entry point into `<pkgDir>/dist` (tsconfig.build.json options). */
function emitDeclarations(entries: readonly ApiEntry[], pkgDir: string): void {
  const configPath = path.join(ROOT, "tsconfig.build.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(formatDiagnostics([d]).join("\n"));
    },
  });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  if (parsed.options.stripInternal !== true) {
    throw new Error("tsconfig.build.json must set stripInternal: the report would show internals");
  }
  // Entry sources: dist/src/index.d.ts → src/index.ts (the build maps rootDir "." to outDir "dist").
  const outDir = parsed.options.outDir ?? path.join(ROOT, "dist");
  const rootDir = parsed.options.rootDir ?? ROOT;
  const rootNames = entries.map((e) => {
    const rel = path.relative(outDir, path.join(ROOT, e.types)).replace(/\.d\.ts$/, ".ts");
    return path.join(rootDir, rel);
  });
  const options: TS.CompilerOptions = {
    ...parsed.options,
    outDir: path.join(pkgDir, "dist"),
    rootDir,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    incremental: false,
    composite: false,
  };
  delete options.tsBuildInfoFile;
  const program = ts.createProgram({ rootNames, options });
  const result = program.emit(undefined, undefined, undefined, true, {
    afterDeclarations: [renameCollidingTypeParameters],
  });
  const errors = [...program.getOptionsDiagnostics(), ...result.diagnostics];
  if (result.emitSkipped || errors.length > 0) {
    throw new Error(`declaration emit failed:\n${formatDiagnostics(errors).join("\n")}`);
  }
}

/** Run API Extractor on one entry's declarations; returns the report text. */
function extractReport(entry: ApiEntry, pkgDir: string, tempDir: string): string {
  const reportFolder = path.join(tempDir, "reports");
  mkdirSync(reportFolder, { recursive: true });
  const entryFile = path.join(pkgDir, entry.types);
  const { Extractor, ExtractorConfig, ExtractorLogLevel } = loadCompilers();
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: pkgDir,
      mainEntryPointFilePath: entryFile,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: "ES2023",
            lib: ["ES2023", "ESNext.Disposable"],
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            skipLibCheck: true,
            types: ["node"],
          },
          files: [entryFile],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.reportFile.replace(/\.api\.md$/, ""),
        reportFolder,
        reportTempFolder: path.join(tempDir, "reports-temp"),
        includeForgottenExports: true,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: "lf",
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.None },
          "ae-internal-missing-underscore": { logLevel: ExtractorLogLevel.None },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      },
    },
    configObjectFullPath: path.join(pkgDir, "api-extractor.json"),
    packageJsonFullPath: path.join(pkgDir, "package.json"),
  });
  const errors: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback: (m) => {
      if (m.logLevel === ExtractorLogLevel.Error) errors.push(m.formatMessageWithLocation(pkgDir));
      m.handled = true; // API Extractor prints nothing (the suite fails on console output)
    },
  });
  if (!result.succeeded || errors.length > 0) {
    throw new Error(`API Extractor failed for ${entry.specifier}:\n${errors.join("\n")}`);
  }
  const text = readFileSync(path.join(tempDir, "reports-temp", entry.reportFile), "utf8");
  return text.replace(
    /^## API Report File for "[^"]*"/,
    `## API Report File for "${entry.specifier}" (exports "${entry.subpath}")`,
  );
}

/** Compile scripts/api-consumer.ts against the emitted package, as a user of it would. */
function compileConsumer(pkgDir: string, tempDir: string, pkgName: string): string[] {
  // The user's ESM project is <temp>/consumer/, the package <temp>/node_modules/<name> (a link).
  const link = path.join(tempDir, "node_modules", pkgName);
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(pkgDir, link, "junction");
  const consumerDir = path.join(tempDir, "consumer");
  mkdirSync(consumerDir, { recursive: true });
  writeFileSync(path.join(consumerDir, "package.json"), '{ "type": "module" }\n');
  const consumerFile = path.join(consumerDir, "consumer.ts");
  writeFileSync(consumerFile, readFileSync(CONSUMER_FIXTURE, "utf8"));
  const options: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts"],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    // The package's own declarations are checked below, file by file; its dependencies are not.
    skipLibCheck: false,
    types: ["node"],
    typeRoots: [path.join(ROOT, "node_modules", "@types")],
  };
  const program = ts.createProgram({ rootNames: [consumerFile], options });
  const ours = program
    .getSourceFiles()
    .filter((sf) => sf.fileName === consumerFile || sf.fileName.startsWith(`${pkgDir}/`));
  const diags = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...ours.flatMap((sf) => [
      ...program.getSyntacticDiagnostics(sf),
      ...program.getSemanticDiagnostics(sf),
    ]),
  ];
  const rel = path.relative(ROOT, tempDir);
  return formatDiagnostics(diags).map((d) =>
    d.replaceAll(`${tempDir}/`, "<temp>/").replaceAll(`${rel}/`, "<temp>/").trimEnd(),
  );
}

/** Generate every report and run the consumer compile (slow: a full declaration emit). */
export function generateApiReports(): ApiGeneration {
  loadCompilers();
  const pkg = readPackageJson();
  const entries = apiEntries(pkg);
  // Inside the repository (so zod, piscina, … resolve from its node_modules) but not under a
  // node_modules folder (API Extractor would take the package's own files for an external one).
  const tempDir = path.join(
    WORK_DIR,
    `api-report-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  try {
    const pkgDir = path.join(tempDir, "pkg");
    mkdirSync(pkgDir, { recursive: true });
    writeFileSync(
      path.join(pkgDir, "package.json"),
      `${JSON.stringify({ name: pkg.name, version: "0.0.0", type: "module", exports: pkg.exports }, null, 2)}\n`,
    );
    let t = performance.now();
    const lap = (what: string) => {
      if (process.env.API_REPORT_TIMING)
        process.stderr.write(`${what} ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
      t = performance.now();
    };
    emitDeclarations(entries, pkgDir);
    lap("emit");
    // The consumer compile first: a public type naming a stripped one is an error there, with a
    // location, where API Extractor would only crash ("Unable to follow symbol").
    const consumerErrors = compileConsumer(pkgDir, tempDir, pkg.name);
    lap("consumer");
    if (consumerErrors.length > 0) {
      throw new Error(
        `the emitted declarations do not compile for a user of the package (scripts/api-consumer.ts; a public declaration naming an @internal one?):\n${consumerErrors.join("\n")}`,
      );
    }
    const reports: Record<string, string> = {};
    for (const entry of entries) {
      reports[entry.reportFile] = extractReport(entry, pkgDir, tempDir);
      lap(`api-extractor ${entry.specifier}`);
    }
    return { reports };
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Generated results for the current inputs: from the local cache, else generated and cached. */
export function generateCached(hash: string = inputsHash()): ApiGeneration {
  const cacheFile = path.join(CACHE_DIR, `${hash}.json`);
  if (existsSync(cacheFile)) {
    return JSON.parse(readFileSync(cacheFile, "utf8")) as ApiGeneration;
  }
  const generated = generateApiReports();
  mkdirSync(CACHE_DIR, { recursive: true });
  // Keep the cache small: only the latest few results.
  const old = readdirSync(CACHE_DIR)
    .filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
    .map((f) => path.join(CACHE_DIR, f))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  for (const f of old.slice(0, Math.max(0, old.length - 4))) rmSync(f, { force: true });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(generated));
  renameSync(tmp, cacheFile);
  return generated;
}

function committedReports(): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(API_DIR)) return out;
  for (const f of readdirSync(API_DIR)
    .filter((n) => n.endsWith(".api.md"))
    .sort()) {
    out[f] = readFileSync(path.join(API_DIR, f), "utf8").replaceAll("\r\n", "\n");
  }
  return out;
}

function readHashFile(): { inputs?: string; reports?: string } {
  const file = path.join(API_DIR, HASH_FILE);
  if (!existsSync(file)) return {};
  const out: { inputs?: string; reports?: string } = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if ((key === "inputs" || key === "reports") && value) out[key] = value;
  }
  return out;
}

/** A small line diff (first differing lines, with line numbers), enough to see what changed. */
function shortDiff(expected: string, actual: string, max = 20): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while ((i < a.length || j < b.length) && out.length < max) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    // Resynchronise on the next line of `b` found in `a` (or vice versa), within a window.
    const ahead = b.indexOf(a[i] ?? "\0", j);
    const back = a.indexOf(b[j] ?? "\0", i);
    if (back !== -1 && (ahead === -1 || back - i <= ahead - j)) {
      out.push(`committed:${i + 1} - ${a[i]}`);
      i++;
    } else if (ahead !== -1) {
      out.push(`generated:${j + 1} + ${b[j]}`);
      j++;
    } else {
      if (i < a.length) out.push(`committed:${i + 1} - ${a[i]}`);
      if (j < b.length) out.push(`generated:${j + 1} + ${b[j]}`);
      i++;
      j++;
    }
  }
  return out.join("\n");
}

/** Compare the committed reports with the current sources (fast when the inputs are unchanged). */
export function checkApiReports(): ApiCheck {
  const committed = committedReports();
  const recorded = readHashFile();
  const hash = inputsHash();
  if (recorded.inputs === hash && recorded.reports === reportsHash(committed)) {
    return { fastPath: true, differences: [] };
  }
  const generated = generateCached(hash);
  const differences: ApiCheck["differences"] = [];
  const files = [...new Set([...Object.keys(committed), ...Object.keys(generated.reports)])].sort();
  for (const file of files) {
    const want = generated.reports[file];
    const have = committed[file];
    if (want === have) continue;
    differences.push({
      file,
      diff:
        have === undefined
          ? "missing from api/"
          : want === undefined
            ? "not an entry point of package.json exports any more"
            : shortDiff(have, want),
    });
  }
  return { fastPath: false, differences };
}

/** Regenerate and write api/*.api.md and api/inputs.sha256 (throws when the consumer fails). */
export function updateApiReports(): { written: string[]; removed: string[] } {
  const hash = inputsHash();
  const generated = generateCached(hash);
  mkdirSync(API_DIR, { recursive: true });
  const removed: string[] = [];
  for (const f of Object.keys(committedReports())) {
    if (!(f in generated.reports)) {
      rmSync(path.join(API_DIR, f));
      removed.push(f);
    }
  }
  const written: string[] = [];
  for (const [file, text] of Object.entries(generated.reports)) {
    writeFileSync(path.join(API_DIR, file), text);
    written.push(file);
  }
  writeFileSync(
    path.join(API_DIR, HASH_FILE),
    `inputs ${hash}\nreports ${reportsHash(generated.reports)}\n`,
  );
  return { written, removed };
}

/** The message a failed check prints. */
export function describeCheck(check: ApiCheck): string {
  if (check.differences.length === 0) return "api/*.api.md is up to date";
  return [
    `The committed API report differs from the sources; if the change is intended, run \`${UPDATE_COMMAND}\` and commit api/.`,
    ...check.differences.map((d) => `--- api/${d.file}\n${d.diff}`),
  ].join("\n");
}

function main(argv: readonly string[]): number {
  const mode = argv[0] ?? "--check";
  if (mode === "--update") {
    const t0 = performance.now();
    const { written, removed } = updateApiReports();
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    process.stdout.write(
      `api: wrote ${written.map((f) => `api/${f}`).join(", ")}${removed.length ? `; removed ${removed.join(", ")}` : ""} (${secs} s)\n`,
    );
    return 0;
  }
  if (mode === "--check") {
    const check = checkApiReports();
    if (check.differences.length === 0) {
      process.stdout.write(
        `api: reports up to date${check.fastPath ? " (inputs unchanged)" : ""}\n`,
      );
      return 0;
    }
    process.stderr.write(`${describeCheck(check)}\n`);
    return 1;
  }
  process.stderr.write("usage: tsx scripts/api-report.ts [--check | --update]\n");
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
