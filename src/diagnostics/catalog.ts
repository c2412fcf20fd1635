// The one catalog of diagnostic codes, grouped by phase:
//   P1xxx syntax (src/syntax), P2xxx names and imports, P3xxx types (src/check),
//   P4xxx plan, parameters and config (src/plan), P5xxx TypeScript actions,
//   P6xxx Python actions.
// A code never changes meaning once released; tests pin every code to a fixture.
// Withdrawn before release and not reused: P3030, P4007, P4008.

import { printableQuoted } from "../printable.js";
import type { Severity } from "./diagnostic.js";

function def<C extends `P${number}`, A extends unknown[]>(code: C, severity: Severity, message: (...args: A) => string) {
  // The code stays a literal type here, which is what makes `DiagCode` a union of the codes.
  const entry = (...args: A): { readonly code: C; readonly severity: Severity; readonly message: string } => ({ code, severity, message: message(...args) });
  return Object.assign(entry, { code });
}

export const Diag = {
  // ---- syntax ----
  unexpectedCharacter: def("P1001", "error", (text: string) => `unexpected character ${printableQuoted(text)}`),
  unterminatedString: def("P1002", "error", () => "unterminated string"),
  syntaxError: def("P1003", "error", (message: string) => message),
  tooDeep: def("P1004", "error", (limit: number) => `nesting deeper than ${limit} levels`),
  tooLarge: def("P1005", "error", (bytes: number, limit: number) => `file is ${bytes} bytes, more than the limit of ${limit}`),
  unknownActionItem: def("P1006", "error", (name: string) => `unknown action item \`${name}\``),
  badActionItemForm: def("P1007", "error", (name: string, form: string) => `\`${name}\` takes ${form}`),
  badTsReference: def("P1008", "error", (text: string) => `expected \`ts "module#export"\`, found ${text}`),
  unterminatedInterpolation: def("P1009", "error", () => "unterminated interpolation `~{`"),
  badNumber: def("P1010", "error", (text: string) => `number ${text} is out of range`),
  tooManyErrors: def("P1011", "error", (n: number) => `too many errors; ${n} more not shown`),
  nulInString: def("P1012", "error", () => "a string cannot hold a NUL byte"),
  chainedComparison: def("P1020", "error", (op: string) => `comparisons do not chain: \`${op}\` follows another comparison; write \`a < b and b < c\``),

  // ---- names and imports ----
  unknownName: def("P2001", "error", (name: string) => `unknown name \`${name}\``),
  duplicateDefinition: def("P2002", "error", (what: string, name: string) => `duplicate ${what} \`${name}\``),
  importNotFound: def("P2003", "error", (path: string) => `cannot find module "${path}"`),
  importCycle: def("P2004", "error", (cycle: string) => `import cycle: ${cycle}`),
  recursivePipeline: def("P2005", "error", (cycle: string) => `pipeline calls itself: ${cycle}`),
  notCallable: def("P2006", "error", (name: string) => `\`${name}\` is not an action or pipeline`),
  unknownModuleMember: def("P2007", "error", (alias: string, name: string) => `module \`${alias}\` has no action or pipeline \`${name}\``),
  duplicateItem: def("P2008", "error", (what: string) => `duplicate ${what}`),
  missingShell: def("P2009", "error", (name: string) => `action \`${name}\` has no \`shell\` command`),
  unknownSetting: def("P2010", "error", (name: string) => `unknown setting \`${name}\``),
  unknownResource: def("P2011", "error", (name: string) => `unknown resource \`${name}\``),
  usesNotFound: def("P2012", "error", (path: string) => `\`uses\` file "${path}" does not exist`),
  entryNotFound: def("P2013", "error", (name: string) => `no pipeline \`${name}\` to run`),
  importedNameClash: def("P2014", "error", (name: string, module: string) => `\`${name}\` from "${module}" clashes with another definition`),
  unreadableModule: def("P2015", "error", (path: string, reason: string) => `cannot read module "${path}": ${reason}`),
  pipelinesTooDeep: def("P2016", "error", (max: number) => `pipeline calls nest more than ${max} deep`),

  // ---- types ----
  typeMismatch: def("P3001", "error", (actual: string, expected: string) => `\`${actual}\` is not assignable to \`${expected}\``),
  unknownType: def("P3002", "error", (name: string) => `unknown type \`${name}\``),
  missingArgument: def("P3003", "error", (name: string, callee: string) => `missing argument \`${name}\` for \`${callee}\``),
  unknownArgument: def("P3004", "error", (name: string, callee: string) => `\`${callee}\` has no parameter \`${name}\``),
  duplicateArgument: def("P3005", "error", (name: string) => `argument \`${name}\` given twice`),
  positionalArgument: def("P3006", "error", (callee: string) => `arguments to \`${callee}\` must be named (\`name = value\`)`),
  unknownOutput: def("P3007", "error", (name: string, owner: string) => `\`${owner}\` has no output \`${name}\``),
  unknownField: def("P3008", "error", (name: string, type: string) => `\`${type}\` has no field \`${name}\``),
  notInterpolatable: def("P3009", "error", (type: string) => `a value of type \`${type}\` cannot be interpolated into a command`),
  unknownOut: def("P3010", "error", (name: string, action: string) => `action \`${action}\` declares no output \`${name}\``),
  unusedWith: def("P3011", "warning", (name: string) => `\`with\` value \`${name}\` is not used by any call`),
  withTypeMismatch: def("P3012", "error", (name: string, actual: string, expected: string, callee: string) =>
    `\`with\` value \`${name}\` is \`${actual}\`, but \`${callee}\` expects \`${expected}\``),
  missingReturn: def("P3013", "error", (name: string) => `output \`${name}\` is never returned`),
  unknownReturn: def("P3014", "error", (name: string, pipeline: string) => `pipeline \`${pipeline}\` declares no output \`${name}\``),
  notIterable: def("P3015", "error", (type: string) => `cannot iterate over \`${type}\`; a \`for\` needs a \`List\``),
  callExpected: def("P3016", "error", () => "expected a call to an action or pipeline"),
  callNotAllowed: def("P3017", "error", () => "a call is only allowed as the value of `let` or as a `for` body"),
  heterogeneousList: def("P3018", "error", (a: string, b: string) => `list mixes \`${a}\` and \`${b}\``),
  emptyListType: def("P3019", "error", () => "cannot infer the element type of an empty list here"),
  badNegation: def("P3020", "error", (type: string) => `cannot negate \`${type}\``),
  zipArity: def("P3021", "error", (vars: number, lists: number) => `${vars} loop variables but \`zip\` has ${lists} ${lists === 1 ? "list" : "lists"}`),
  noneNotAllowed: def("P3022", "error", (expected: string) => `\`none\` is only allowed for an optional type, not \`${expected}\``),
  badOutputType: def("P3023", "error", (type: string) => `an output cannot be of type \`${type}\``),
  badSettingValue: def("P3024", "error", (name: string, expected: string) => `\`${name}\` must be ${expected}`),
  notARecord: def("P3025", "error", (type: string) => `\`${type}\` has no fields`),
  badRawUse: def("P3026", "error", () => "`raw(...)` takes one value and is only allowed inside `~{...}`"),
  duplicateField: def("P3027", "error", (name: string) => `field \`${name}\` given twice`),
  zipExpected: def("P3028", "error", () => "a `for (a, b) in ...` loop needs `zip(...)`"),
  badDefault: def("P3029", "error", () => "a default value must be a constant"),
  badOutRef: def("P3031", "error", () => "`out` is only usable as `out.NAME` inside a `shell` command"),
  unusedLet: def("P3032", "warning", (name: string) => `\`${name}\` is bound but never used`),
  namedZipArgument: def("P3033", "error", () => "`zip` takes its lists in order, without names"),
  badOperand: def("P3045", "error", (op: string, type: string) => `\`${op}\` does not apply to \`${type}\``),
  conditionNotBool: def("P3046", "error", (type: string) => `a condition must be a \`Bool\`, not \`${type}\``),
  branchesDiffer: def("P3047", "error", (a: string, b: string) => `the branches of \`if\` are \`${a}\` and \`${b}\`; both must have one type`),
  cannotCompare: def("P3048", "error", (a: string, b: string) => `cannot compare \`${a}\` with \`${b}\``),
  badBuiltinCall: def("P3049", "error", (name: string, form: string) => `\`${name}\` takes ${form}`),
  indexOutOfRange: def("P3050", "error", (index: number, length: number) => `index ${index} is out of range for a list of ${length} ${length === 1 ? "value" : "values"}`),
  globNoMatch: def("P3051", "warning", (pattern: string) => `\`glob(${JSON.stringify(pattern)})\` matches no file`),
  globOutside: def("P3052", "error", (pattern: string) => `\`glob(${JSON.stringify(pattern)})\` reaches outside the project`),
  badGlob: def("P3053", "error", (reason: string) => `invalid \`glob\` pattern: ${reason}`),
  builtinMisplaced: def("P3054", "error", (name: string, where: string) => `\`${name}(...)\` is only allowed ${where}`),
  badFlag: def("P3055", "error", (type: string) => `\`flag\` cannot render a value of type \`${type}\``),
  rangeTooLong: def("P3056", "error", (n: number, limit: number) => `\`range\` of ${n} values, more than the limit of ${limit}`),
  zipLengths: def("P3034", "error", (lengths: readonly number[]) => `zip of lists of lengths ${lengths.slice(0, -1).join(", ")} and ${lengths.at(-1)}`),

  // ---- plan, parameters and config ----
  badParamValue: def("P4001", "error", (name: string, reason: string) => `parameter \`${name}\`: ${reason}`),
  unknownParam: def("P4002", "error", (name: string, entry: string) => `pipeline \`${entry}\` has no parameter \`${name}\``),
  missingParam: def("P4003", "error", (name: string, entry: string) => `pipeline \`${entry}\` needs a value for parameter \`${name}\``),
  badConfig: def("P4004", "error", (message: string) => `invalid config: ${message}`),
  inputNotFound: def("P4005", "error", (path: string) => `input "${path}" does not exist`),
  inputKind: def("P4006", "error", (path: string, expected: string) => `input "${path}" is not a ${expected}`),
  badParamsFile: def("P4009", "error", (message: string) => `invalid params file: ${message}`),
  tooManyTasks: def("P4010", "error", (n: number, limit: number) => `the plan has ${n} tasks, more than the limit of ${limit}`),
  badStore: def("P4011", "error", (path: string, reason: string) => `the store ${path} ${reason}`),
  badResourceAmount: def("P4020", "error", (name: string, value: string, expected: string) => `resource \`${name}\` is ${value}, but must be ${expected}`),
  knownAtRunTime: def("P4021", "error", (what: string, task: string) => `${what} is known only when \`${task}\` has run`),
  notRegularFile: def("P4012", "error", (what: string, path: string, kind: string) => `${what} "${path}" is ${kind}, not a regular file or a directory`),
  // ---- results: `pipe find`, `pipe outputs --link`, `pipe gc` (src/results) ----
  badFilter: def("P4045", "error", (text: string) => `\`--where ${text}\` is not \`name=value\``),
  unknownFilterName: def("P4046", "error", (name: string) => `no task of the selection has an argument \`${name}\``),
  badFilterValue: def("P4047", "error", (name: string, type: string, reason: string) => `\`--where ${name}=...\`: not a value of \`${name}: ${type}\`: ${reason}`),
  linkInTheWay: def("P4048", "warning", (path: string) => `${path} is not a link pipe made; left as it is`),
  gcBusy: def("P4049", "error", (who: string) => `another \`pipe gc\` is collecting this store (${who})`),

  // ---- TypeScript actions ----
  tsModuleNotFound: def("P5001", "error", (path: string) => `cannot find TypeScript module "${path}"`),
  tsExportNotFound: def("P5002", "error", (name: string, path: string) => `"${path}" has no exported function \`${name}\``),
  tsSignatureMismatch: def("P5003", "error", (message: string) => `declared signature disagrees with the TypeScript function: ${message}`),
  tsUnsupportedType: def("P5004", "error", (what: string, type: string) => `${what} has TypeScript type \`${type}\`, which has no .pipe equivalent`),
  tsParameterCount: def("P5005", "error", (name: string, n: number) => `\`${name}\` takes ${n} parameters, but a TypeScript action takes one object parameter`),
  tsOverloaded: def("P5006", "error", (name: string, n: number) => `\`${name}\` has ${n} overloads, but a TypeScript action needs exactly one signature`),

  // ---- Python actions ----
  pyBadReference: def("P6001", "error", (text: string) => `expected \`py "module.py#function"\`, found ${text}`),
  pyModuleNotFound: def("P6002", "error", (path: string) => `cannot find Python module "${path}"`),
  pyFunctionNotFound: def("P6003", "error", (name: string, path: string) => `"${path}" has no function \`${name}\``),
  pySignatureMismatch: def("P6004", "error", (message: string) => `declared signature disagrees with the Python function: ${message}`),
  pyUnsupportedHint: def("P6005", "error", (what: string, hint: string, why: string) => `${what} has Python type hint \`${hint}\`, which has no .pipe equivalent: ${why}`),
  pyMissingHint: def("P6006", "error", (what: string) => `${what} has no type hint`),
  pySyntaxError: def("P6007", "error", (path: string, message: string) => `Python module "${path}" does not parse: ${message}`),
  pyUnavailable: def("P6008", "error", (python: string, reason: string) => `cannot read Python modules with \`${python}\`: ${reason}`),
  pyParameterKind: def("P6009", "error", (name: string, param: string, why: string) => `\`${name}\` cannot be called with keyword arguments: ${param} is ${why}`),
  pyReturnNotRecord: def("P6010", "error", (name: string, hint: string) => `the return annotation of \`${name}\` is \`${hint}\`, not a TypedDict or @dataclass whose fields are the outputs`),
  pyGenericNeedsSignature: def("P6012", "error", (name: string, typeVar: string) => `\`${name}\` is generic (its hints use the type variable \`${typeVar}\`): a Python action calling it needs a declared signature`),
  pyUnreadable: def("P6011", "error", (path: string, message: string) => `cannot read Python module "${path}": ${message}`),
} as const;

export type DiagCode = (typeof Diag)[keyof typeof Diag]["code"];
