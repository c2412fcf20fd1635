// Copies the TextMate grammar and the language configuration from the repository's
// grammar/ folder, their one home, into the extension before it is packed.
const fs = require("node:fs");
const path = require("node:path");

const grammar = path.join(__dirname, "..", "..", "grammar");
fs.mkdirSync(path.join(__dirname, "syntaxes"), { recursive: true });
fs.copyFileSync(path.join(grammar, "pipe.tmLanguage.json"), path.join(__dirname, "syntaxes", "pipe.tmLanguage.json"));
fs.copyFileSync(path.join(grammar, "language-configuration.json"), path.join(__dirname, "language-configuration.json"));
