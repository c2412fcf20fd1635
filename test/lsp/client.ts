// A language client for tests: spawns `node bin/pipe.js lsp --stdio` and speaks JSON-RPC to
// it over the real pipes, with vscode-jsonrpc's stream reader and writer, as an editor does.

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node.js";

const bin = path.resolve(import.meta.dirname, "../../bin/pipe.js");

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; code?: string; message: string; severity?: number }[];
}

export class LspClient {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  private readonly published = new Map<string, PublishedDiagnostics[]>();
  private waiters: { test: (d: PublishedDiagnostics) => boolean; resolve: (d: PublishedDiagnostics) => void }[] = [];
  private readonly versions = new Map<string, number>();
  stderr = "";

  constructor(cwd: string) {
    this.child = spawn(process.execPath, [bin, "lsp", "--stdio"], { cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr!.on("data", (d) => (this.stderr += d));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification("textDocument/publishDiagnostics", (p: PublishedDiagnostics) => {
      const list = this.published.get(p.uri) ?? [];
      list.push(p);
      this.published.set(p.uri, list);
      this.waiters = this.waiters.filter((w) => (w.test(p) ? (w.resolve(p), false) : true));
    });
    this.connection.onNotification("window/showMessage", () => {});
    this.connection.listen();
  }

  async initialize(root: string): Promise<{ capabilities: Record<string, unknown> }> {
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri: uri(root),
      workspaceFolders: [{ uri: uri(root), name: path.basename(root) }],
      capabilities: {},
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  /** The next diagnostics published for a file at (at least) the given version. */
  diagnostics(file: string, version = this.versions.get(uri(file)) ?? 0): Promise<PublishedDiagnostics> {
    const u = uri(file);
    const test = (d: PublishedDiagnostics) => d.uri === u && (d.version ?? 0) >= version;
    const existing = this.published.get(u)?.find(test);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  open(file: string, text: string): void {
    this.versions.set(uri(file), 1);
    void this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "pipe", version: 1, text } });
  }

  /** Replaces the range with the text, as one keystroke or paste does. */
  change(file: string, range: Range, text: string): number {
    const version = (this.versions.get(uri(file)) ?? 0) + 1;
    this.versions.set(uri(file), version);
    void this.connection.sendNotification("textDocument/didChange", { textDocument: { uri: uri(file), version }, contentChanges: [{ range, text }] });
    return version;
  }

  request<R>(method: string, params: Record<string, unknown>): Promise<R> {
    return this.connection.sendRequest<R>(method, params);
  }

  /** A request, with how long the answer took. */
  async timed<R>(method: string, params: Record<string, unknown>): Promise<{ result: R; ms: number }> {
    const start = performance.now();
    const result = await this.request<R>(method, params);
    return { result, ms: performance.now() - start };
  }

  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.on("exit", (code) => resolve(code)));
    await this.connection.sendRequest("shutdown");
    await this.connection.sendNotification("exit");
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export const uri = (file: string): string => pathToFileURL(file).href;

/** The protocol position of the first occurrence of `needle` in `text` (plus `delta` characters). */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): { line: number; character: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`${needle} not in text`);
  }
  index += delta;
  const before = text.slice(0, index);
  const line = before.split("\n").length - 1;
  return { line, character: index - (before.lastIndexOf("\n") + 1) };
}
