// Types for diagrams.mjs, so that test/syntax/grammar.test.ts can import it from TypeScript.

export declare function diagramsHtml(ParserClass: new (...args: any[]) => { getSerializedGastProductions(): unknown }, ...args: unknown[]): string;
