/**
 * The `graph:` mini-language: `fetch >> (clean & enrich) >> save`.
 *
 *   graph     := statement (NEWLINE statement)*     a newline ends a statement unless the line
 *   statement := chain ('&' chain)*                 ends inside parentheses or after an operator
 *   chain     := atom ('>>' atom)*
 *   atom      := NAME | '(' statement ')'
 *
 * `a >> b` makes every last task of `a` a need of every first task of `b`; `&` groups tasks that
 * may run side by side. `>>` binds tighter than `&`, as the operators do in Python. `#` starts a comment. Offsets in errors index into the text so the parser
 * of the file can turn them into line and column.
 */
import { OffsetError } from "./workflow-error.ts";

export interface GraphName {
  name: string;
  offset: number;
}
export interface GraphEdge {
  from: GraphName;
  to: GraphName;
}
export interface ParsedGraph {
  names: GraphName[];
  edges: GraphEdge[];
}
export class GraphSyntaxError extends OffsetError {
  override readonly name = "GraphSyntaxError";
}

type TokenKind = "name" | ">>" | "&" | "(" | ")" | "newline" | "end";
interface Token {
  kind: TokenKind;
  text: string;
  offset: number;
}

const TOKEN = /(\s*?)(\r?\n|#[^\n]*|>>|&|\(|\)|[A-Za-z_][A-Za-z0-9_-]*|\S)/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(text); match; match = TOKEN.exec(text)) {
    const raw = match[2]!;
    const offset = match.index + match[1]!.length;
    if (raw.startsWith("#")) continue;
    if (raw.endsWith("\n")) tokens.push({ kind: "newline", text: raw, offset });
    else if (/^[A-Za-z_]/.test(raw)) tokens.push({ kind: "name", text: raw, offset });
    else if ([">>", "&", "(", ")"].includes(raw)) tokens.push({ kind: raw as TokenKind, text: raw, offset });
    else throw new GraphSyntaxError(unexpectedCharacter(raw), offset);
  }
  tokens.push({ kind: "end", text: "", offset: text.length });
  return tokens;
}

function unexpectedCharacter(raw: string): string {
  if (raw === ">") return "'>' is not an operator: use '>>' for 'then'";
  if (raw === "|") return "'|' is not supported: use '&' for tasks that run side by side";
  if (raw === "<") return "'<<' is not supported: write the graph left to right with '>>'";
  return `unexpected character '${raw}'`;
}

/** First and last tasks of a sub-expression: what `>>` connects. */
interface Part {
  first: GraphName[];
  last: GraphName[];
}

class GraphParser {
  private position = 0;
  private depth = 0;
  readonly names: GraphName[] = [];
  readonly edges: GraphEdge[] = [];

  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): ParsedGraph {
    for (;;) {
      this.skipNewlines();
      if (this.peek().kind === "end") break;
      this.statement();
      const next = this.peek();
      if (next.kind !== "newline" && next.kind !== "end")
        throw this.unexpected(next, "'>>', '&' or a new line");
    }
    if (this.names.length === 0) throw new GraphSyntaxError("the graph names no task", 0);
    return { names: this.names, edges: this.edges };
  }

  /** `&` binds loosest, as in Python (Pyoco flows): `a & b >> c` is `a & (b >> c)`. */
  private statement(): Part {
    const parts = [this.chain()];
    while (this.peek().kind === "&") {
      this.take();
      parts.push(this.chain());
    }
    return { first: parts.flatMap((p) => p.first), last: parts.flatMap((p) => p.last) };
  }

  private chain(): Part {
    let left = this.atom();
    while (this.peek().kind === ">>") {
      this.take();
      const right = this.atom();
      for (const from of left.last) for (const to of right.first) this.edges.push({ from, to });
      left = { first: left.first, last: right.last };
    }
    return left;
  }

  private atom(): Part {
    // After an operator or inside parentheses a new line continues the expression.
    this.skipNewlines();
    const token = this.take();
    if (token.kind === "name") {
      const name = { name: token.text, offset: token.offset };
      this.names.push(name);
      return { first: [name], last: [name] };
    }
    if (token.kind !== "(") throw this.unexpected(token, "a task name or '('");
    this.depth++;
    const inner = this.statement();
    this.skipNewlines();
    const close = this.take();
    if (close.kind !== ")") throw this.unexpected(close, "')'");
    this.depth--;
    return inner;
  }

  private skipNewlines(): void {
    while (this.peek().kind === "newline") this.position++;
  }
  private peek(): Token {
    const token = this.tokens[this.position]!;
    // Inside parentheses new lines are only layout.
    if (token.kind === "newline" && this.depth > 0) {
      this.position++;
      return this.peek();
    }
    return token;
  }
  private take(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.position++;
    return token;
  }
  private unexpected(token: Token, wanted: string): GraphSyntaxError {
    const found =
      token.kind === "end"
        ? "the end of the graph"
        : token.kind === "newline"
          ? "a new line"
          : `'${token.text}'`;
    return new GraphSyntaxError(`expected ${wanted} but found ${found}`, token.offset);
  }
}

/** Parses a graph; throws GraphSyntaxError with the offset of the problem. */
export function parseGraph(text: string): ParsedGraph {
  return new GraphParser(tokenize(text)).parse();
}
