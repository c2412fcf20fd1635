// One analysis of a program for the editor: the front end (load + check, the same phases as
// `pipe check`, so the same diagnostics) run over the editor's unsaved texts, and the
// symbol index built from its trees (index.ts). Analyses are remembered per entry file and
// per edit generation, so requests between two edits share one run of the front end.

import path from "node:path";
import { check } from "../check/index.js";
import { buildScopes, type ModuleScope } from "../check/declarations.js";
import { load, type LoadedProgram } from "../check/load.js";
import type { TypedProgram } from "../check/typed.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { append } from "../arrays.js";
import { nodeFileHost, type FileHost } from "../host.js";
import { buildIndex, type ProgramIndex } from "./symbol-index.js";

export interface Analysis {
  readonly entry: string;
  /** The edit count of every file it read, and the generation of the disk, when it was made. */
  readonly stamps: ReadonlyMap<string, number>;
  readonly generation: number;
  readonly loaded: LoadedProgram;
  readonly program?: TypedProgram;
  readonly scopes: ReadonlyMap<string, ModuleScope>;
  readonly diagnostics: readonly Diagnostic[];
  readonly index: ProgramIndex;
}

/** The editor's open documents laid over the disk: what the front end reads. */
export class Overlay implements FileHost {
  private readonly texts = new Map<string, string>();
  private readonly edits = new Map<string, number>();
  /** Bumped when files change on disk or appear: then every analysis may be stale. */
  generation = 0;

  set(file: string, text: string): void {
    if (this.texts.get(file) === text) return;
    // A file opened may be one an import names that did not exist: any analysis may change.
    if (!this.texts.has(file)) this.generation++;
    this.texts.set(file, text);
    this.edits.set(file, (this.edits.get(file) ?? 0) + 1);
  }

  delete(file: string): void {
    if (!this.texts.delete(file)) return;
    this.edits.set(file, (this.edits.get(file) ?? 0) + 1);
    this.generation++;
  }

  editsOf(file: string): number {
    return this.edits.get(file) ?? 0;
  }

  text(file: string): string | undefined {
    return this.texts.get(file) ?? (() => {
      const r = nodeFileHost.readFile(file, 8 * 1024 * 1024);
      return r.ok ? r.text : undefined;
    })();
  }

  isOpen(file: string): boolean {
    return this.texts.has(file);
  }

  readFile(file: string, maxBytes: number): ReturnType<FileHost["readFile"]> {
    const open = this.texts.get(file);
    if (open === undefined) return nodeFileHost.readFile(file, maxBytes);
    const size = Buffer.byteLength(open);
    return size > maxBytes ? { ok: false, problem: "too large", size, limit: maxBytes } : { ok: true, text: open };
  }

  kind(file: string): ReturnType<FileHost["kind"]> {
    return this.texts.has(file) ? "file" : nodeFileHost.kind(file);
  }
}

export class Analyser {
  private readonly cache = new Map<string, Analysis>();

  constructor(readonly overlay: Overlay) {}

  /** The analysis of the current texts; `again` runs the front end even when nothing changed (to warm it up). */
  analyse(file: string, again = false): Analysis {
    const entry = path.resolve(file);
    const cached = this.cache.get(entry);
    if (cached && this.fresh(cached) && !again) return cached;
    const generation = this.overlay.generation;
    const loaded = load(entry, this.overlay);
    const stamps = new Map([...loaded.sources.keys(), entry].map((f) => [f, this.overlay.editsOf(f)]));
    const projectDir = path.dirname(entry);
    let program: TypedProgram | undefined;
    const diagnostics = [...loaded.diagnostics];
    if (loaded.modules.size > 0) {
      const checked = check(loaded, this.overlay);
      program = checked.program;
      append(diagnostics, checked.diagnostics);
    }
    const scopes = buildScopes(loaded, projectDir, []);
    const index = buildIndex(loaded, scopes, program);
    const analysis: Analysis = { entry, stamps, generation, loaded, ...(program ? { program } : {}), scopes, diagnostics, index };
    this.cache.set(entry, analysis);
    return analysis;
  }

  /** Whether nothing it read has changed since (an import of a file that is missing makes a new file matter: the disk's generation covers it). */
  fresh(a: Analysis): boolean {
    if (a.generation !== this.overlay.generation) return false;
    for (const [file, n] of a.stamps) if (this.overlay.editsOf(file) !== n) return false;
    return true;
  }

  forget(file: string): void {
    this.cache.delete(path.resolve(file));
  }
}
