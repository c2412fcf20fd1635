// Types for gast-ebnf.mjs, so that test/syntax/grammar.test.ts can import it from TypeScript.

export declare function literalOf(pattern: unknown): string | undefined;
export declare function quote(text: string): string;
export declare function ruleBody(rule: unknown): string;
export declare function productions(
  ParserClass: new (...args: any[]) => { getSerializedGastProductions(): unknown[] },
  ...args: unknown[]
): { name: string; body: string }[];
