// The chevrotain grammar of `.pipe`, building the untyped AST with embedded actions.
// One parser instance is reused for every file (chevrotain's recommendation); recovery
// is on, so a file with several mistakes reports them all. Spans are filled from tokens.

import type { ILookaheadStrategy, IOrAlt, IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EmbeddedActionsParser, EOF, LLkLookaheadStrategy } from "./chevrotain.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type * as A from "./ast.js";
import * as T from "./tokens.js";
import { minOf } from "../arrays.js";

/** How messages name the end of the input and what may follow a complete one. */
export interface Wording {
  /** "end of file", or "`}`" inside an interpolation. */
  end: string;
  /** What may come after a complete input, e.g. "`import`, `action` or `pipeline`". */
  after: string;
}

const messagesFor = (wording: Wording): IParserErrorMessageProvider => {
  const describe = (token: IToken): string =>
    token.tokenType === EOF ? wording.end : `\`${token.image.length > 20 ? token.image.slice(0, 20) + "…" : token.image}\``;
  const label = (type: TokenType): string => (type === EOF ? wording.end : (type.LABEL ?? type.name));
  const expectedFrom = (paths: TokenType[][][]): string => {
    const labels = [...new Set(paths.flat().map((path) => label(path[0]!)))];
    return labels.length > 3 ? labels.slice(0, 3).join(", ") + " or …" : labels.join(" or ");
  };
  return {
    buildMismatchTokenMessage: ({ expected, actual }) => `expected ${label(expected)}, found ${describe(actual)}`,
    buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describe(firstRedundant)}; expected ${wording.after}`,
    buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, customUserDescription }) =>
      `unexpected ${describe(actual[0]!)}; expected ${customUserDescription ?? expectedFrom(expectedPathsPerAlt)}`,
    buildEarlyExitMessage: ({ expectedIterationPaths, actual, customUserDescription }) =>
      `unexpected ${describe(actual[0]!)}; expected ${customUserDescription ?? expectedFrom([expectedIterationPaths])}`,
  };
};

/** What each action item takes, for "`shell` takes one string". */
const itemForms = new Map([
  ["uses", "one or more strings"],
  ["shell", "one string"],
  ["resources", "a `{ ... }` block"],
  ["env", "a `{ ... }` block"],
  ["retries", "`= value`"],
  ["cache", "`= value`"],
]);

/** What follows an expression: `.field`, `[index]`, or `(args)` with optional call-site resources. */
type Suffix =
  | { readonly field: IToken }
  | { readonly index: A.Expr; readonly close: IToken }
  | { readonly args: A.Argument[]; readonly close: IToken; readonly resources: A.RecordLiteral | undefined };

const comparisonOps = new Map<TokenType, A.BinaryOp>([
  [T.EqEq, "=="],
  [T.NotEq, "!="],
  [T.Less, "<"],
  [T.LessEq, "<="],
  [T.Greater, ">"],
  [T.GreaterEq, ">="],
]);

/** List rules recover to an empty list, so that a broken list never leaves `undefined` behind. */
const emptyOnError = { recoveryValueFunc: () => [] };

export interface Hooks {
  /** Turns a shell string token into a template (it parses the `~{...}` parts). */
  template(token: IToken, file: string): A.Template;
  /** Reports a diagnostic found while building the tree (not a grammar mismatch). */
  report(kind: "unknownActionItem" | "badActionItemForm" | "badTsReference" | "pyBadReference" | "badNumber" | "chainedComparison", span: Span, ...args: string[]): void;
}

/**
 * Chevrotain's own LL(k) lookahead, each production's function built the first time the
 * production is reached rather than all of them when the parser is made: that was a third of
 * the parser's start-up, paid by every `pipe check`, and a file reaches only part of the
 * grammar. The functions are chevrotain's, called as it calls them.
 */
class LazyLookahead extends LLkLookaheadStrategy {
  override buildLookaheadForAlternation(options: Parameters<ILookaheadStrategy["buildLookaheadForAlternation"]>[0]): ReturnType<ILookaheadStrategy["buildLookaheadForAlternation"]> {
    let built: ReturnType<ILookaheadStrategy["buildLookaheadForAlternation"]> | undefined;
    const build = () => (built ??= super.buildLookaheadForAlternation(options));
    return function (this: unknown, alts?: IOrAlt<unknown>[]) {
      return build().call(this, alts);
    };
  }

  override buildLookaheadForOptional(options: Parameters<ILookaheadStrategy["buildLookaheadForOptional"]>[0]): ReturnType<ILookaheadStrategy["buildLookaheadForOptional"]> {
    let built: ReturnType<ILookaheadStrategy["buildLookaheadForOptional"]> | undefined;
    const build = () => (built ??= super.buildLookaheadForOptional(options));
    return function (this: unknown) {
      return build().call(this);
    };
  }
}

export class PipeParser extends EmbeddedActionsParser {
  file = "";
  hooks!: Hooks;

  /**
   * `wording` is read when a message is built, so a caller may change it between runs.
   * Chevrotain's checks of the grammar itself (ambiguities, left recursion) run only when
   * `validate` is set, as the grammar test does: they are a quarter of the parser's start-up.
   */
  constructor(
    readonly wording: Wording,
    validate = false,
  ) {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, lookaheadStrategy: new LazyLookahead({ maxLookahead: 3 }), skipValidations: !validate, errorMessageProvider: messagesFor(wording) });
    this.performSelfAnalysis();
  }

  // Error recovery may hand back `undefined` for a sub-rule, so either end may be missing;
  // such half-built nodes are dropped afterwards (see prune.ts).
  private span(first: IToken | Span | undefined, last: IToken | Span | undefined): Span {
    const start = first === undefined ? NaN : "file" in first ? first.start : first.startOffset;
    let end = start;
    if (last) end = "file" in last ? last.end : last.startOffset + last.image.length;
    // Tokens inserted by error recovery carry no offsets.
    if (Number.isNaN(start)) return { file: this.file, start: Number.isNaN(end) ? 0 : end, end: Number.isNaN(end) ? 0 : end };
    return { file: this.file, start, end: Number.isNaN(end) || end < start ? start : end };
  }

  /**
   * The alternatives of an `OR` whose branches capture nothing of one call, built once:
   * chevrotain's advice for hot rules, as building them per call is most of a rule's cost.
   */
  private readonly alternatives = new Map<string, unknown>();
  private cachedAlts<T>(key: string, build: () => T): T {
    let alts = this.alternatives.get(key) as T | undefined;
    if (alts === undefined) this.alternatives.set(key, (alts = build()));
    return alts;
  }

  private ident(token: IToken): A.Identifier {
    return { kind: "Identifier", name: token.image, span: this.span(token, token) };
  }

  // ---- declarations ----

  public module = this.RULE("module", (): A.Declaration[] => {
    const declarations: A.Declaration[] = [];
    this.MANY(() => {
      const decl = this.OR(this.cachedAlts("module", () => [
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.actionDecl) },
        { ALT: () => this.SUBRULE(this.pipelineDecl) },
      ]));
      this.ACTION(() => decl && declarations.push(decl));
    });
    return declarations;
  }, emptyOnError);

  private importDecl = this.RULE("importDecl", (): A.ImportDecl => {
    const first = this.CONSUME(T.Import);
    const path = this.SUBRULE(this.stringLiteral);
    let alias: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(T.As);
      alias = this.CONSUME(T.Identifier);
    });
    return this.ACTION(() => ({
      kind: "Import",
      path,
      ...(alias ? { alias: this.ident(alias) } : {}),
      span: this.span(first, alias ?? path?.span),
    }));
  });

  private actionDecl = this.RULE("actionDecl", (): A.ActionDecl => {
    const first = this.CONSUME(T.Action);
    const name = this.CONSUME(T.Identifier);
    let signature: A.Signature | undefined;
    let body: readonly A.ActionItem[] | A.TsImpl | undefined;
    let last: IToken | Span | undefined;
    this.OPTION(() => (signature = this.SUBRULE(this.signature)));
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          const items: A.ActionItem[] = [];
          this.MANY(() => {
            const item = this.SUBRULE(this.actionItem);
            this.ACTION(() => item && items.push(item));
          });
          last = this.CONSUME(T.RBrace);
          body = items;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          const impl = this.SUBRULE(this.tsImpl);
          this.ACTION(() => (last = impl?.span));
          body = impl;
        },
      },
    ]);
    return this.ACTION(() => ({
      kind: "Action",
      name: this.ident(name),
      ...(signature ? { signature } : {}),
      body: body ?? [],
      span: this.span(first, last),
    }));
  });

  private tsImpl = this.RULE("tsImpl", (): A.TsImpl => {
    const word = this.CONSUME(T.Identifier);
    const ref = this.SUBRULE(this.stringLiteral);
    return this.ACTION(() => {
      const span = this.span(word, ref?.span);
      const language = word.image === "py" ? "py" : "ts";
      if (!ref) return { kind: "TsImpl", language, module: "", exportName: "", span };
      const hash = ref.value.lastIndexOf("#");
      // A malformed reference (no `#export`, or not `ts`/`py`) keeps an empty export name: unusable.
      const valid = (word.image === "ts" || word.image === "py") && hash > 0 && hash < ref.value.length - 1;
      if (!valid) this.hooks.report(language === "py" ? "pyBadReference" : "badTsReference", span, `${word.image} "${ref.value}"`);
      return { kind: "TsImpl", language, module: hash > 0 ? ref.value.slice(0, hash) : ref.value, exportName: valid ? ref.value.slice(hash + 1) : "", span };
    });
  });

  private signature = this.RULE("signature", (): A.Signature => {
    const first = this.CONSUME(T.LParen);
    const params = this.SUBRULE(this.paramList);
    let last: IToken = this.CONSUME(T.RParen);
    let outputs: A.OutputDecl[] = [];
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.CONSUME2(T.LParen);
      outputs = this.SUBRULE(this.outputList);
      last = this.CONSUME2(T.RParen);
    });
    return this.ACTION(() => ({ kind: "Signature", params, outputs, span: this.span(first, last) }));
  });

  private paramList = this.RULE("paramList", (): A.Param[] => {
    const params: A.Param[] = [];
    this.OPTION(() => {
      params.push(this.SUBRULE(this.param));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RParen,
        DEF: () => {
          this.CONSUME(T.Comma);
          params.push(this.SUBRULE2(this.param));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    return params;
  }, emptyOnError);

  private param = this.RULE("param", (): A.Param => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    let value: A.Expr | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      value = this.SUBRULE(this.expr);
    });
    return this.ACTION(() => ({
      kind: "Param",
      name: this.ident(name),
      type,
      ...(value ? { default: value } : {}),
      span: this.span(name, value?.span ?? type?.span),
    }));
  });

  private outputList = this.RULE("outputList", (): A.OutputDecl[] => {
    const outputs: A.OutputDecl[] = [];
    this.OPTION(() => {
      outputs.push(this.SUBRULE(this.outputDecl));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RParen,
        DEF: () => {
          this.CONSUME(T.Comma);
          outputs.push(this.SUBRULE2(this.outputDecl));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    return outputs;
  }, emptyOnError);

  private outputDecl = this.RULE("outputDecl", (): A.OutputDecl => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    let file: A.Expr | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      file = this.SUBRULE(this.expr);
    });
    return this.ACTION(() => ({ kind: "OutputDecl", name: this.ident(name), type, ...(file ? { file } : {}), span: this.span(name, file?.span ?? type?.span) }));
  });

  /** `uses "a", "b"` · `shell "..."` · `resources { ... }` · `env { ... }` · `retries = 2` */
  private actionItem = this.RULE("actionItem", (): A.ActionItem => {
    const word = this.CONSUME(T.Identifier);
    return this.OR([
      {
        ALT: () => {
          const strings = [this.SUBRULE(this.stringToken)];
          this.MANY(() => {
            this.CONSUME(T.Comma);
            strings.push(this.SUBRULE2(this.stringToken));
          });
          return this.ACTION(() => this.stringItem(word, strings));
        },
      },
      {
        ALT: () => {
          const record = this.SUBRULE(this.recordLiteral);
          return this.ACTION(() => {
            const span = this.span(word, record?.span);
            if (word.image === "resources") return { kind: "Resources" as const, record, span };
            if (word.image === "env") return { kind: "Env" as const, record, span };
            return this.misplacedItem(word, span);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          const value = this.SUBRULE(this.expr);
          return this.ACTION(() => {
            const span = this.span(word, value?.span);
            // Unknown words stay settings: the checker names the settings that exist.
            if (itemForms.has(word.image) && word.image !== "retries" && word.image !== "cache") return this.misplacedItem(word, span);
            return { kind: "Setting" as const, name: this.ident(word), value, span };
          });
        },
      },
    ]);
  });

  private stringItem(word: IToken, found: (IToken | undefined)[]): A.ActionItem {
    const strings = found.filter((s) => s !== undefined);
    const span = this.span(word, strings[strings.length - 1]);
    if (word.image === "shell" && strings.length > 0) {
      if (strings.length > 1) this.hooks.report("badActionItemForm", span, "shell", itemForms.get("shell")!);
      return { kind: "Shell", template: this.hooks.template(strings[0]!, this.file), span };
    }
    if (word.image !== "uses") return this.misplacedItem(word, span);
    return { kind: "Uses", paths: strings.map((s) => this.stringValue(s)), span };
  }

  /** Reports an item written in the wrong form (or unknown) and stands in an item that means nothing. */
  private misplacedItem(word: IToken, span: Span): A.ActionItem {
    const form = itemForms.get(word.image);
    if (form) this.hooks.report("badActionItemForm", this.span(word, word), word.image, form);
    else this.hooks.report("unknownActionItem", this.span(word, word), word.image);
    return { kind: "Uses", paths: [], span };
  }

  private pipelineDecl = this.RULE("pipelineDecl", (): A.PipelineDecl => {
    const first = this.CONSUME(T.Pipeline);
    const name = this.CONSUME(T.Identifier);
    const signature = this.SUBRULE(this.signature);
    this.CONSUME(T.LBrace);
    const body: A.Statement[] = [];
    this.MANY(() => {
      const statement = this.SUBRULE(this.statement);
      this.ACTION(() => statement && body.push(statement));
    });
    const last = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({ kind: "Pipeline", name: this.ident(name), signature, body, span: this.span(first, last) }));
  });

  private statement = this.RULE("statement", (): A.Statement =>
    this.OR(this.cachedAlts("statement", () => [
      {
        ALT: () => {
          const first = this.CONSUME(T.With);
          const record = this.SUBRULE(this.recordLiteral);
          return this.ACTION(() => ({ kind: "With" as const, fields: record?.fields, span: this.span(first, record?.span) }));
        },
      },
      {
        ALT: () => {
          const first = this.CONSUME(T.Let);
          const name = this.CONSUME(T.Identifier);
          this.CONSUME(T.Equals);
          const value = this.SUBRULE(this.expr);
          return this.ACTION(() => ({ kind: "Let" as const, name: this.ident(name), value, span: this.span(first, value?.span) }));
        },
      },
      {
        ALT: () => {
          const first = this.CONSUME(T.Return);
          this.CONSUME(T.LParen);
          const fields = this.SUBRULE(this.fieldInitList);
          const last = this.CONSUME(T.RParen);
          return this.ACTION(() => ({ kind: "Return" as const, fields, span: this.span(first, last) }));
        },
      },
    ])),
  );

  // ---- types ----

  private typeExpr = this.RULE("typeExpr", (): A.TypeExpr => {
    let type = this.OR(this.cachedAlts("typeExpr", () => [
      { ALT: () => this.SUBRULE(this.namedType) },
      { ALT: () => this.SUBRULE(this.recordType) },
    ]));
    this.OPTION(() => {
      const q = this.CONSUME(T.Question);
      this.ACTION(() => (type = { kind: "OptionalType", inner: type, span: this.span(type?.span, q) }));
    });
    return type;
  });

  private namedType = this.RULE("namedType", (): A.NamedType => {
    const name = this.CONSUME(T.Identifier);
    const args: A.TypeExpr[] = [];
    let last: IToken = name;
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      args.push(this.SUBRULE(this.typeExpr));
      this.MANY(() => {
        this.CONSUME(T.Comma);
        args.push(this.SUBRULE2(this.typeExpr));
      });
      last = this.CONSUME(T.RBracket);
    });
    return this.ACTION(() => ({ kind: "NamedType", name: this.ident(name), args, span: this.span(name, last) }));
  });

  private recordType = this.RULE("recordType", (): A.RecordType => {
    const first = this.CONSUME(T.LBrace);
    const fields: A.FieldType[] = [];
    this.OPTION(() => {
      fields.push(this.SUBRULE(this.fieldType));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBrace,
        DEF: () => {
          this.CONSUME(T.Comma);
          fields.push(this.SUBRULE2(this.fieldType));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    const last = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({ kind: "RecordType", fields, span: this.span(first, last) }));
  });

  private fieldType = this.RULE("fieldType", (): A.FieldType => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    return this.ACTION(() => ({ kind: "FieldType", name: this.ident(name), type, span: this.span(name, type?.span) }));
  });

  // ---- expressions ----

  // Precedence, loosest first: `for` and `if` (as a whole expression), `or`, `and`, `not`,
  // comparisons (which do not chain), `+`, unary `-`, postfix `.f` `(args)` `[i]`.
  public expr = this.RULE("expr", (): A.Expr =>
    this.OR(this.cachedAlts("expr", () => ({ DEF: [{ ALT: () => this.SUBRULE(this.forExpr) }, { ALT: () => this.SUBRULE(this.ifExpr) }, { ALT: () => this.SUBRULE(this.orExpr) }], ERR_MSG: "an expression" }))),
  );

  private ifExpr = this.RULE("ifExpr", (): A.IfExpr => {
    const first = this.CONSUME(T.If);
    const cond = this.SUBRULE(this.expr);
    this.CONSUME(T.Then);
    const then = this.SUBRULE2(this.expr);
    this.CONSUME(T.Else);
    const otherwise = this.SUBRULE3(this.expr);
    return this.ACTION(() => ({ kind: "If", cond, then, else: otherwise, span: this.span(first, otherwise?.span) }));
  });

  private orExpr = this.RULE("orExpr", (): A.Expr => {
    let left = this.SUBRULE(this.andExpr);
    this.MANY(() => {
      const op = this.CONSUME(T.Or);
      const right = this.SUBRULE2(this.andExpr);
      this.ACTION(() => (left = this.binary("or", op, left, right)));
    });
    return left;
  });

  private andExpr = this.RULE("andExpr", (): A.Expr => {
    let left = this.SUBRULE(this.notExpr);
    this.MANY(() => {
      const op = this.CONSUME(T.And);
      const right = this.SUBRULE2(this.notExpr);
      this.ACTION(() => (left = this.binary("and", op, left, right)));
    });
    return left;
  });

  private notExpr = this.RULE("notExpr", (): A.Expr =>
    this.OR(this.cachedAlts("notExpr", () => ({ ERR_MSG: "an expression", DEF: [
      {
        ALT: () => {
          const not = this.CONSUME(T.Not);
          const operand = this.SUBRULE(this.notExpr);
          return this.ACTION(() => ({ kind: "Not" as const, operand, span: this.span(not, operand?.span) }));
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]}))),
  );

  private comparison = this.RULE("comparison", (): A.Expr => {
    let left = this.SUBRULE(this.additive);
    let count = 0;
    this.MANY(() => {
      const op = this.OR(this.cachedAlts("comparison", () => [...comparisonOps.keys()].map((type) => ({ ALT: () => this.CONSUME(type) }))));
      const right = this.SUBRULE2(this.additive);
      this.ACTION(() => {
        // `a < b < c` reads as a range in mathematics and as `(a < b) < c` in many languages:
        // refused, and the tree keeps the first comparison only, so nothing else is reported.
        if (++count === 2) this.hooks.report("chainedComparison", this.span(op, op), op.image);
        if (count === 1) left = this.binary(comparisonOps.get(op.tokenType)!, op, left, right);
      });
    });
    return left;
  });

  private additive = this.RULE("additive", (): A.Expr => {
    let left = this.SUBRULE(this.unary);
    this.MANY(() => {
      const op = this.CONSUME(T.Plus);
      const right = this.SUBRULE2(this.unary);
      this.ACTION(() => (left = this.binary("+", op, left, right)));
    });
    return left;
  });

  private binary(op: A.BinaryOp, token: IToken, left: A.Expr, right: A.Expr): A.Binary {
    return { kind: "Binary", op, left, right, opSpan: this.span(token, token), span: this.span(left?.span, right?.span) };
  }

  private forExpr = this.RULE("forExpr", (): A.ForExpr => {
    const first = this.CONSUME(T.For);
    const vars: IToken[] = [];
    const sources: A.Expr[] = [];
    let mode: "product" | "zip" = "product";
    this.OR([
      {
        ALT: () => {
          vars.push(this.CONSUME(T.Identifier));
          this.CONSUME(T.In);
          sources.push(this.SUBRULE(this.orExpr));
          this.MANY(() => {
            this.CONSUME(T.Comma);
            vars.push(this.CONSUME2(T.Identifier));
            this.CONSUME2(T.In);
            sources.push(this.SUBRULE2(this.orExpr));
          });
        },
      },
      {
        ALT: () => {
          mode = "zip";
          this.CONSUME(T.LParen);
          vars.push(this.CONSUME3(T.Identifier));
          this.MANY2(() => {
            this.CONSUME2(T.Comma);
            vars.push(this.CONSUME4(T.Identifier));
          });
          this.CONSUME(T.RParen);
          this.CONSUME3(T.In);
          sources.push(this.SUBRULE3(this.orExpr));
        },
      },
    ]);
    this.CONSUME(T.LBrace);
    const body = this.SUBRULE(this.expr);
    const last = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({ kind: "ForExpr", mode, vars: vars.map((v) => this.ident(v)), sources, body, span: this.span(first, last) }));
  });

  private unary = this.RULE("unary", (): A.Expr =>
    this.OR(this.cachedAlts("unary", () => ({ ERR_MSG: "an expression", DEF: [
      {
        ALT: () => {
          const minus = this.CONSUME(T.Minus);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION(() => ({ kind: "Negate" as const, operand, span: this.span(minus, operand?.span) }));
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]}))),
  );

  private postfix = this.RULE("postfix", (): A.Expr => {
    let expr = this.SUBRULE(this.primary);
    this.MANY(() => {
      const suffix = this.OR(
        this.cachedAlts("postfix", () => [
          {
            ALT: (): Suffix => {
              this.CONSUME(T.Dot);
              return { field: this.CONSUME(T.Identifier) };
            },
          },
          {
            ALT: (): Suffix => {
              this.CONSUME(T.LBracket);
              const index = this.SUBRULE(this.expr);
              return { index, close: this.CONSUME(T.RBracket) };
            },
          },
          {
            ALT: (): Suffix => {
              this.CONSUME(T.LParen);
              const args = this.SUBRULE(this.argumentList);
              const close = this.CONSUME(T.RParen);
              let resources: A.RecordLiteral | undefined;
              this.OPTION({
                GATE: () => this.LA(1).image === "resources" && this.LA(2).tokenType === T.LBrace,
                DEF: () => {
                  this.CONSUME2(T.Identifier);
                  resources = this.SUBRULE(this.recordLiteral);
                },
              });
              return { args, close, resources };
            },
          },
        ]),
      );
      this.ACTION(() => suffix && (expr = this.applySuffix(expr, suffix)));
    });
    return expr;
  });

  private applySuffix(target: A.Expr, suffix: Suffix): A.Expr {
    if ("field" in suffix) {
      return { kind: "FieldAccess", target, field: this.ident(suffix.field), span: this.span(target?.span, suffix.field) };
    }
    if ("index" in suffix) return { kind: "Index", target, index: suffix.index, span: this.span(target?.span, suffix.close) };
    const { args, close, resources } = suffix;
    return { kind: "Call", callee: target, args, ...(resources ? { resources } : {}), span: this.span(target?.span, resources?.span ?? close) };
  }

  private argumentList = this.RULE("argumentList", (): A.Argument[] => {
    const args: A.Argument[] = [];
    this.OPTION(() => {
      args.push(this.SUBRULE(this.argument));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RParen,
        DEF: () => {
          this.CONSUME(T.Comma);
          args.push(this.SUBRULE2(this.argument));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    return args;
  }, emptyOnError);

  private argument = this.RULE("argument", (): A.Argument =>
    this.OR(this.cachedAlts("argument", () => [
      {
        GATE: () => this.LA(2).tokenType === T.Equals,
        ALT: () => {
          const name = this.CONSUME(T.Identifier);
          this.CONSUME(T.Equals);
          const value = this.SUBRULE(this.expr);
          return this.ACTION(() => ({ kind: "Argument" as const, name: this.ident(name), value, span: this.span(name, value?.span) }));
        },
      },
      {
        ALT: () => {
          const value = this.SUBRULE2(this.expr);
          return this.ACTION(() => ({ kind: "Argument" as const, value, span: value?.span }));
        },
      },
    ])),
  );

  private primary = this.RULE("primary", (): A.Expr =>
    this.OR(this.cachedAlts("primary", () => ({ ERR_MSG: "an expression", DEF: [
      { ALT: () => this.intLiteral(this.CONSUME(T.IntLit)) },
      { ALT: () => this.floatLiteral(this.CONSUME(T.FloatLit)) },
      { ALT: () => this.SUBRULE(this.stringLiteral) },
      {
        ALT: () => {
          const t = this.OR2([{ ALT: () => this.CONSUME(T.True) }, { ALT: () => this.CONSUME(T.False) }]);
          return this.ACTION(() => ({ kind: "BoolLiteral" as const, value: t.tokenType === T.True, span: this.span(t, t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.None);
          return this.ACTION(() => ({ kind: "NoneLiteral" as const, span: this.span(t, t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.Identifier);
          return this.ACTION(() => ({ kind: "NameRef" as const, name: t.image, span: this.span(t, t) }));
        },
      },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.recordLiteral) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const inner = this.SUBRULE(this.expr);
          this.CONSUME(T.RParen);
          return inner;
        },
      },
    ]}))),
  );

  private listLiteral = this.RULE("listLiteral", (): A.ListLiteral => {
    const first = this.CONSUME(T.LBracket);
    const items: A.Expr[] = [];
    this.OPTION(() => {
      items.push(this.SUBRULE(this.listItem));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBracket,
        DEF: () => {
          this.CONSUME(T.Comma);
          items.push(this.SUBRULE2(this.listItem));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    const last = this.CONSUME(T.RBracket);
    return this.ACTION(() => ({ kind: "ListLiteral", items, span: this.span(first, last) }));
  });

  /**
   * An item of a list. A lone number or string (the next token `,` or `]`) is read at once,
   * anything else as an expression: read through the nine rules of an expression, the
   * values of a sweep of 100,000 were most of the time `pipe check` took on its file.
   */
  private listItem = this.RULE("listItem", (): A.Expr =>
    this.OR(this.cachedAlts("listItem", () => ({ IGNORE_AMBIGUITIES: true, ERR_MSG: "an expression", DEF: [
      { GATE: () => this.lone(T.IntLit), ALT: () => this.intLiteral(this.CONSUME(T.IntLit)) },
      { GATE: () => this.lone(T.FloatLit), ALT: () => this.floatLiteral(this.CONSUME(T.FloatLit)) },
      {
        GATE: () => this.lone(T.StringLit),
        ALT: () => {
          const t = this.CONSUME(T.StringLit);
          return this.ACTION(() => this.stringValue(t));
        },
      },
      { ALT: () => this.SUBRULE(this.expr) },
    ]}))),
  );

  /** Whether the next token is of `type` and ends an item of a list. */
  private lone(type: TokenType): boolean {
    const after = this.LA(2).tokenType;
    return this.LA(1).tokenType === type && (after === T.Comma || after === T.RBracket);
  }

  private intLiteral(t: IToken): A.IntLiteral {
    return this.ACTION(() => {
      const value = Number(t.image);
      if (!Number.isSafeInteger(value)) this.hooks.report("badNumber", this.span(t, t), t.image);
      return { kind: "IntLiteral" as const, value, span: this.span(t, t) };
    });
  }

  private floatLiteral(t: IToken): A.FloatLiteral {
    return this.ACTION(() => {
      const value = Number(t.image);
      if (!Number.isFinite(value)) this.hooks.report("badNumber", this.span(t, t), t.image);
      return { kind: "FloatLiteral" as const, value, span: this.span(t, t) };
    });
  }

  private recordLiteral = this.RULE("recordLiteral", (): A.RecordLiteral => {
    const first = this.CONSUME(T.LBrace);
    const fields = this.SUBRULE(this.fieldInitList);
    const last = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({ kind: "RecordLiteral", fields, span: this.span(first, last) }));
  });

  private fieldInitList = this.RULE("fieldInitList", (): A.FieldInit[] => {
    const fields: A.FieldInit[] = [];
    this.OPTION(() => {
      fields.push(this.SUBRULE(this.fieldInit));
      this.MANY({
        GATE: () => this.LA(2).tokenType === T.Identifier,
        DEF: () => {
          this.CONSUME(T.Comma);
          fields.push(this.SUBRULE2(this.fieldInit));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    return fields;
  }, emptyOnError);

  private fieldInit = this.RULE("fieldInit", (): A.FieldInit => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expr);
    return this.ACTION(() => ({ kind: "FieldInit", name: this.ident(name), value, span: this.span(name, value?.span) }));
  });

  private stringToken = this.RULE("stringToken", (): IToken =>
    this.OR(this.cachedAlts("stringToken", () => [{ ALT: () => this.CONSUME(T.StringLit) }, { ALT: () => this.CONSUME(T.TripleString) }])),
  );

  private stringLiteral = this.RULE("stringLiteral", (): A.StringLiteral => {
    const t = this.SUBRULE(this.stringToken);
    return this.ACTION(() => t && this.stringValue(t));
  });

  private stringValue(t: IToken): A.StringLiteral {
    // Outside `shell`, `~{` has no meaning: the text is taken as written.
    return { kind: "StringLiteral", value: decodeLiteral(t.image), span: this.span(t, t) };
  }
}

/** The text of a string token with no interpolation: `\"` unescaped, triple quotes dedented. */
export function decodeLiteral(image: string): string {
  if (image.startsWith('"""')) return dedent(image.slice(3, -3));
  return image.slice(1, -1).replace(/\\"/g, '"');
}

/** Drops a leading newline and the common indentation of a triple-quoted block. */
export function dedent(body: string): string {
  const lines = body.replace(/^[ \t]*\r?\n/, "").replace(/\r?\n[ \t]*$/, "").split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)![0].length);
  const common = indents.length ? minOf(indents) : 0;
  return lines.map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length))).join("\n");
}
