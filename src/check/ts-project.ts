// The TypeScript project the checker reads actions' modules from: one ts-morph Project for
// the process, its compiler options, project imports resolved by the runtime loader's rule
// (module-resolution.ts), a module re-read only when one of its files changed, and spans of
// TypeScript nodes for diagnostics.

import fs from "node:fs";
import path from "node:path";
import type { Node, Project, SourceFile } from "ts-morph";
import type { Span } from "../diagnostics/diagnostic.js";
import { isRelative, resolveRelative } from "../module-resolution.js";
import { morph, type Morph } from "./ts-morph.js";
import { tsSourceFiles } from "./ts-sources.js";

let project: Project | undefined;
/** The extensions TypeScript can read a resolved project module as (`Morph.ts.Extension`). */
const tsExtensions = [".d.ts", ".ts", ".mts", ".js", ".mjs", ".json"] as Morph.ts.Extension[];
/** Per module: the files it was read from and their stamps, to notice edits cheaply. */
const readAt = new Map<string, { readonly files: readonly string[]; readonly stamps: readonly string[] }>();

function stamp(file: string): string {
  const s = fs.statSync(file, { throwIfNoEntry: false });
  return s ? `${s.mtimeMs}:${s.size}` : "missing";
}

/**
 * The parsed module, from one Project shared by the process so that many actions in one
 * module (and the lib files every module needs) are parsed once. A module is re-read only
 * when it or one of its local imports changed on disk; ts-morph resolves imports from the
 * disk itself, which is why the freshness check looks there rather than at the host.
 */
export function sourceFileOf(module: string): SourceFile {
  project ??= new (morph().Project)({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      allowJs: false,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      target: morph().ts.ScriptTarget.ES2022,
      module: morph().ts.ModuleKind.NodeNext,
      moduleResolution: morph().ts.ModuleResolutionKind.NodeNext,
      // Node's globals come from @types/node, found the way tsc finds them; the DOM lib
      // would only slow down every check.
      lib: ["lib.es2023.d.ts"],
    },
    // Project modules resolve by the runtime loader's rule, so that the types read here
    // come from the files the task runs; packages resolve as TypeScript resolves them.
    resolutionHost: (host, options) => ({
      resolveModuleNames: (names, containingFile) =>
        names.map((name) => {
          if (!isRelative(name)) return morph().ts.resolveModuleName(name, containingFile, options(), host).resolvedModule;
          const file = resolveRelative(name, path.dirname(containingFile));
          const extension = file && tsExtensions.find((e) => file.endsWith(e));
          return file && extension ? { resolvedFileName: file, extension, isExternalLibraryImport: false } : undefined;
        }),
    }),
  });
  const existing = project.getSourceFile(module);
  const previous = readAt.get(module);
  if (existing && previous?.files.every((f, i) => stamp(f) === previous.stamps[i])) return existing;
  const files = tsSourceFiles(module);
  const stamps = files.map(stamp);
  for (const file of files) project.getSourceFile(file)?.refreshFromFileSystemSync();
  readAt.set(module, { files, stamps });
  return project.getSourceFile(module) ?? project.addSourceFileAtPath(module);
}

/** Where a TypeScript node is, for a diagnostic. */
export function tsSpan(node: Node): Span {
  // `a: number;` is shown without its separator.
  const end = (morph().Node.isPropertySignature(node) && node.getTypeNode()) || node;
  return { file: node.getSourceFile().getFilePath(), start: node.getStart(), end: end.getEnd() };
}
