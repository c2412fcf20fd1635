#!/bin/sh
":" //; [ -z "${NODE_EXTRA_CA_CERTS+set}" ] || export PIPE_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// The `pipe` command: a thin shim over the compiled CLI.
//
// The file is both a shell script and a CommonJS module (bin/package.json). Run as a command,
// the shell line above starts node without NODE_EXTRA_CA_CERTS: node reads that file of
// certificates at every start-up (about 85 ms for a system bundle), and pipe opens no TLS
// connection to need it. The value is handed back below, before anything runs, so every
// action, script and `sbatch` pipe starts sees the environment unchanged. Run as
// `node bin/pipe.js`, the shell line is a string and a comment.
//
// It runs the bundled CLI (dist/bundle/, made by bin/bundle-cli.mjs: the same modules in
// fewer files) when that is at least as new as tsc's dist/cli/index.js, else dist/ itself:
// a `tsc` alone never leaves pipe running an old bundle.
"use strict";

if (process.env.PIPE_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.PIPE_NODE_EXTRA_CA_CERTS;
  delete process.env.PIPE_NODE_EXTRA_CA_CERTS;
}

const fs = require("node:fs");
const path = require("node:path");

const dist = path.join(__dirname, "..", "dist");
const bundle = path.join(dist, "bundle");
const bundled = fs.statSync(path.join(bundle, "pipe.js"), { throwIfNoEntry: false });
const compiled = bundled && fs.statSync(path.join(dist, "cli", "index.js"), { throwIfNoEntry: false });
const cli = bundled && (!compiled || bundled.mtimeMs >= compiled.mtimeMs) ? Promise.resolve(loadBundle(bundle)("./pipe.js")) : import("../dist/cli/index.js");
cli.then(({ run }) => run(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});

/**
 * A `require` of the bundle's files: CommonJS that bin/bundle-cli.mjs wrote, each compiled
 * from V8's code cache beside it (FILE.v8) when there is one for the file as it is now (its
 * inode, size, mtime and ctime head the cache: V8 itself checks only the text's length), the
 * cache written at exit when there was none, or V8 rejected it (another node, other flags).
 * Node 20 has no such cache of its own; compiling the no-op run's files costs it some 20 ms
 * without. A cache that cannot be written (a read-only installation) is left: the next run
 * compiles again. The modules are node's (Module._cache), as if required: a package's import
 * of one finds the same.
 */
function loadBundle(dir) {
  const Module = require("node:module");
  const vm = require("node:vm");
  const { pathToFileURL } = require("node:url");
  const unsaved = [];
  process.once("exit", () => {
    for (const { script, file, stamp } of unsaved) {
      const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
      try {
        fs.writeFileSync(temporary, Buffer.concat([Buffer.from(stamp), script.createCachedData()]));
        fs.renameSync(temporary, file);
      } catch {
        fs.rmSync(temporary, { force: true });
      }
    }
  });
  const importer = (specifier) => import(specifier);
  const load = (name) => {
    const file = path.join(dir, name);
    const known = Module._cache[file];
    if (known) return known.exports;
    const fd = fs.openSync(file, "r");
    let text;
    let stamp;
    try {
      const s = fs.fstatSync(fd);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}\n`;
      text = fs.readFileSync(fd, "utf8");
    } finally {
      fs.closeSync(fd);
    }
    const cacheFile = `${file}.v8`;
    let cachedData;
    try {
      // Not blocking, and only a plain file: a FIFO in its place would hang the read.
      const cacheFd = fs.openSync(cacheFile, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        const cache = fs.fstatSync(cacheFd).isFile() ? fs.readFileSync(cacheFd) : Buffer.alloc(0);
        if (cache.subarray(0, stamp.length).toString("latin1") === stamp) cachedData = cache.subarray(stamp.length);
      } finally {
        fs.closeSync(cacheFd);
      }
    } catch {
      // No cache yet.
    }
    // On one line with the file's first: its line numbers stay its own.
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __pipeImport, __pipeUrl) {${text}\n})`, { filename: file, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) unsaved.push({ script, file: cacheFile, stamp });
    const module = new Module(file, require.main);
    module.filename = file;
    module.paths = Module._nodeModulePaths(dir);
    const own = Module.createRequire(file);
    const required = (specifier) => (specifier.startsWith("./") ? load(specifier) : own(specifier));
    required.resolve = own.resolve;
    const pipeImport = (specifier) => (specifier.startsWith("./") ? Promise.resolve().then(() => load(specifier)) : importer(specifier));
    Module._cache[file] = module;
    try {
      script.runInThisContext().call(module.exports, module.exports, required, module, file, dir, pipeImport, pathToFileURL(file).href);
    } catch (error) {
      delete Module._cache[file];
      throw error;
    }
    module.loaded = true;
    return module.exports;
  };
  return load;
}
