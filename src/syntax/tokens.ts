// Every token of the language, in lexing order. Words such as `uses`, `shell`, `env`,
// `resources`, `ts`, `zip`, `raw` and the built-in functions (`len`, `glob`, `flag`, ...)
// are plain identifiers, given meaning by position, so that they stay usable as parameter
// names. The words of `if c then a else b` and of `and`, `or`, `not` are reserved: they
// stand where a name could, so a name could not tell them apart.

import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

// The words are strings, and every regular expression names the characters it can begin
// with (`start_chars_hint`): chevrotain otherwise parses each expression to find them at
// every start-up (test/syntax/grammar.test.ts checks the names against the expressions).
const LETTERS = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"];
const DIGITS = [..."0123456789"];

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, start_chars_hint: LETTERS, label: "a name" });

/** The reserved words: never a name. */
export const keywords = new Set<string>();

function keyword(word: string): TokenType {
  keywords.add(word);
  return createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: word, longer_alt: Identifier, label: `\`${word}\`` });
}

export const Import = keyword("import");
export const As = keyword("as");
export const Action = keyword("action");
export const Pipeline = keyword("pipeline");
export const Let = keyword("let");
export const For = keyword("for");
export const In = keyword("in");
export const With = keyword("with");
export const Return = keyword("return");
export const True = keyword("true");
export const False = keyword("false");
export const None = keyword("none");
export const If = keyword("if");
export const Then = keyword("then");
export const Else = keyword("else");
export const And = keyword("and");
export const Or = keyword("or");
export const Not = keyword("not");

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, start_chars_hint: [..." \t\r\n\f\v\u00a0\ufeff"], group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, start_chars_hint: ["#"], group: "comments" });

// Triple-quoted blocks are raw; ordinary strings are raw except for `\"`.
export const TripleString = createToken({ name: "TripleString", pattern: /"""[\s\S]*?"""/, start_chars_hint: ['"'], line_breaks: true, label: "a string" });
export const UnterminatedTriple = createToken({ name: "UnterminatedTriple", pattern: /"""[\s\S]*/, start_chars_hint: ['"'], line_breaks: true, group: "unterminated" });
export const StringLit = createToken({ name: "String", pattern: /"(?:[^"\\\n]|\\.)*"/, start_chars_hint: ['"'], label: "a string" });
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: /"(?:[^"\\\n]|\\.)*/, start_chars_hint: ['"'], group: "unterminated" });

export const FloatLit = createToken({ name: "Float", pattern: /\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/, start_chars_hint: DIGITS, label: "a number" });
export const IntLit = createToken({ name: "Int", pattern: /\d+/, start_chars_hint: DIGITS, label: "a number" });

export const Arrow = createToken({ name: "Arrow", pattern: /->/, start_chars_hint: ["-"], label: "`->`" });
// Comparisons before `=`, `<` and `>`, which begin some of them.
export const EqEq = createToken({ name: "EqEq", pattern: /==/, start_chars_hint: ["="], label: "`==`" });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, start_chars_hint: ["!"], label: "`!=`" });
export const LessEq = createToken({ name: "LessEq", pattern: /<=/, start_chars_hint: ["<"], label: "`<=`" });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: />=/, start_chars_hint: [">"], label: "`>=`" });
export const Less = createToken({ name: "Less", pattern: /</, start_chars_hint: ["<"], label: "`<`" });
export const Greater = createToken({ name: "Greater", pattern: />/, start_chars_hint: [">"], label: "`>`" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, start_chars_hint: ["+"], label: "`+`" });
export const Minus = createToken({ name: "Minus", pattern: /-/, start_chars_hint: ["-"], label: "`-`" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, start_chars_hint: ["("], label: "`(`" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, start_chars_hint: [")"], label: "`)`" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, start_chars_hint: ["["], label: "`[`" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, start_chars_hint: ["]"], label: "`]`" });
export const LBrace = createToken({ name: "LBrace", pattern: /{/, start_chars_hint: ["{"], label: "`{`" });
export const RBrace = createToken({ name: "RBrace", pattern: /}/, start_chars_hint: ["}"], label: "`}`" });
export const Comma = createToken({ name: "Comma", pattern: /,/, start_chars_hint: [","], label: "`,`" });
export const Colon = createToken({ name: "Colon", pattern: /:/, start_chars_hint: [":"], label: "`:`" });
export const Equals = createToken({ name: "Equals", pattern: /=/, start_chars_hint: ["="], label: "`=`" });
export const Dot = createToken({ name: "Dot", pattern: /\./, start_chars_hint: ["."], label: "`.`" });
export const Question = createToken({ name: "Question", pattern: /\?/, start_chars_hint: ["?"], label: "`?`" });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  TripleString,
  UnterminatedTriple,
  StringLit,
  UnterminatedString,
  FloatLit,
  IntLit,
  Import,
  As,
  Action,
  Pipeline,
  Let,
  For,
  In,
  With,
  Return,
  True,
  False,
  None,
  If,
  Then,
  Else,
  And,
  Or,
  Not,
  Identifier,
  Arrow,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Plus,
  Minus,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Equals,
  Dot,
  Question,
];

export const openers = new Set<TokenType>([LParen, LBracket, LBrace]);
export const closers = new Set<TokenType>([RParen, RBracket, RBrace]);
/** Tokens that nest the tree without a bracket: each operator of a chain, `not`, `if`. */
export const operators = new Set<TokenType>([EqEq, NotEq, LessEq, GreaterEq, Less, Greater, Plus, And, Or, Not, If]);

// Offsets only: spans end at `startOffset + image.length`, and lines are counted once per
// file by the renderer, so the lexer's own line tracking would be wasted work.
export const lexerConfig = { positionTracking: "onlyOffset", ensureOptimizations: true } as const;
// Chevrotain's checks of the token definitions are nine tenths of the lexer's start-up: as
// the parser's, they run in the grammar test (test/syntax/grammar.test.ts), not in pipe.
export const lexer = new Lexer(allTokens, { ...lexerConfig, skipValidations: true });
