// The language server (`pipe lsp`, JSON-RPC over stdio): documents, diagnostics as the user
// types, and the requests, each answered from the analysis of the current texts (analysis.ts).
// Edits only mark analyses stale; a request analyses again when it needs to, and
// diagnostics are published a moment after the typing stops, so a burst of keystrokes
// costs one run of the front end rather than one each.

import fs from "node:fs";
import path from "node:path";
import lsp from "vscode-languageserver/node.js";
import type { Connection, InitializeResult, TextEdit } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { formatText } from "../format/index.js";
import { Analyser, Overlay, type Analysis } from "./analysis.js";
import { complete } from "./completion.js";
import { Lines, toFile, toLspDiagnostic, toUri } from "./convert.js";
import { definition, documentSymbols, hover, references, rename } from "./navigation.js";
import { occurrenceAt } from "./symbol-index.js";

const { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, ResponseError } = lsp;

/** How long typing must pause before diagnostics are published. */
const DIAGNOSTICS_DELAY_MS = 60;
/** Analyses run in idle time after the first document opens: the JIT warms up before the user types. */
const WARM_UP_RUNS = 12;
/** Files searched for callers when finding references; a workspace past it is searched in part. */
const MAX_WORKSPACE_FILES = 2000;

export interface ServerStreams {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
}

export function startServer(streams?: ServerStreams): Connection {
  const connection = streams ? createConnection(ProposedFeatures.all, new lsp.StreamMessageReader(streams.input), new lsp.StreamMessageWriter(streams.output)) : createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  const documents = new TextDocuments(TextDocument);
  const overlay = new Overlay();
  const analyser = new Analyser(overlay);
  const lines = new Lines((file) => overlay.text(file));
  const textOf = (file: string) => overlay.text(file);
  const cx = { lines, textOf };
  /** Per file, the latest analysis in which it parsed: names for completion while a line is half written. */
  const whole = new Map<string, Analysis>();
  let roots: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  const analyse = (file: string): Analysis => {
    const a = analyser.analyse(file);
    if (!a.diagnostics.some((d) => d.span?.file === file && d.code.startsWith("P1"))) whole.set(file, a);
    return a;
  };
  const fileOf = (uri: string): string => {
    const file = toFile(uri);
    if (!file) throw new ResponseError(-32602, `not a file URI: ${uri}`);
    return file;
  };
  const offsetOf = (file: string, position: { line: number; character: number }) => lines.offset(file, position);

  const publish = (): void => {
    timer = undefined;
    for (const doc of documents.all()) {
      const file = toFile(doc.uri);
      if (!file) continue;
      const a = analyse(file);
      const own = a.diagnostics.filter((d) => !d.span || d.span.file === file);
      connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: own.map((d) => toLspDiagnostic(d, lines, file)) });
    }
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(publish, DIAGNOSTICS_DELAY_MS);
  };
  let warmed = false;
  /** One analysis per turn of the event loop, so that a request arriving meanwhile waits for one at most. */
  const warmUp = (file: string, runs: number): void => {
    if (runs <= 0) return;
    setTimeout(() => {
      analyser.analyse(file, true);
      warmUp(file, runs - 1);
    }, 5);
  };

  connection.onInitialize((params): InitializeResult => {
    roots = (params.workspaceFolders?.map((f) => toFile(f.uri)) ?? [params.rootUri ? toFile(params.rootUri) : params.rootPath ?? undefined]).filter((r): r is string => !!r);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        completionProvider: { triggerCharacters: [".", "(", ",", '"', "/"] },
      },
      serverInfo: { name: "pipe" },
    };
  });

  documents.onDidOpen((e) => {
    const file = toFile(e.document.uri);
    if (file) overlay.set(file, e.document.getText());
    schedule();
    if (file && !warmed) {
      warmed = true;
      warmUp(file, WARM_UP_RUNS);
    }
  });
  documents.onDidChangeContent((e) => {
    const file = toFile(e.document.uri);
    if (file) overlay.set(file, e.document.getText());
    schedule();
  });
  documents.onDidClose((e) => {
    const file = toFile(e.document.uri);
    if (file) overlay.delete(file);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    schedule();
  });
  // A file saved or changed outside the editor (a script, a TypeScript module, a module not open).
  connection.onDidChangeWatchedFiles(() => {
    overlay.generation++;
    schedule();
  });

  connection.onHover((p) => {
    const file = fileOf(p.textDocument.uri);
    return hover(analyse(file), file, offsetOf(file, p.position), cx);
  });
  connection.onDefinition((p) => {
    const file = fileOf(p.textDocument.uri);
    return definition(analyse(file), file, offsetOf(file, p.position), cx);
  });
  const workspace = (file: string): Analysis[] => {
    const files = new Set<string>([file, ...documents.all().map((d) => toFile(d.uri)).filter((f): f is string => !!f), ...pipeFiles(roots)]);
    return [...files].filter((f) => f.endsWith(".pipe")).map((f) => analyse(f));
  };
  connection.onReferences((p) => {
    const file = fileOf(p.textDocument.uri);
    const found = references(workspace(file), file, offsetOf(file, p.position), p.context.includeDeclaration);
    return found ? found.spans.map((s) => lines.location(s)) : [];
  });
  connection.onPrepareRename((p) => {
    const file = fileOf(p.textDocument.uri);
    const occ = occurrenceAt(analyse(file).index, file, offsetOf(file, p.position));
    if (!occ) return null;
    if (occ.symbol.kind === "param" || occ.symbol.kind === "output") throw new ResponseError(-32803, `a ${occ.symbol.kind === "param" ? "parameter" : "output"} is named by every call and \`with\`; rename it by hand`);
    return { range: lines.range(occ.span), placeholder: occ.symbol.name };
  });
  connection.onRenameRequest((p) => {
    const file = fileOf(p.textDocument.uri);
    const result = rename(workspace(file), file, offsetOf(file, p.position), p.newName, cx);
    if ("error" in result) throw new ResponseError(-32803, result.error);
    return result.edit;
  });
  connection.onDocumentSymbol((p) => {
    const file = fileOf(p.textDocument.uri);
    return documentSymbols(analyse(file), file, cx);
  });
  connection.onCompletion((p) => {
    const file = fileOf(p.textDocument.uri);
    const text = overlay.text(file) ?? "";
    const analysis = analyse(file);
    const previous = whole.get(file);
    return complete({ file, text, offset: offsetOf(file, p.position), analysis, ...(previous ? { previous } : {}), textOf });
  });
  connection.onDocumentFormatting(async (p): Promise<TextEdit[]> => {
    const file = fileOf(p.textDocument.uri);
    const text = overlay.text(file) ?? "";
    try {
      const result = await formatText(text, file);
      if (result.formatted === undefined || result.formatted === text) return [];
      const end = lines.range({ file, start: text.length, end: text.length }).end;
      return [{ range: { start: { line: 0, character: 0 }, end }, newText: result.formatted }];
    } catch (error) {
      connection.window.showErrorMessage(`pipe: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** The `.pipe` files under the workspace folders, skipping hidden folders, stores and node_modules. */
function pipeFiles(roots: readonly string[]): string[] {
  const found: string[] = [];
  const stack = [...roots];
  while (stack.length && found.length < MAX_WORKSPACE_FILES) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile() && e.name.endsWith(".pipe")) found.push(full);
    }
  }
  return found.sort();
}

export { toUri };
