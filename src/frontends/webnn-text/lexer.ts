// Tokens of the `.webnn` text form (webnn-graph's grammar): identifiers, numbers, strings,
// `@` annotations and punctuation, each with its line and column for error messages.
// Whitespace and `#` comments separate tokens. Identifiers are webnn-graph's
// `[A-Za-z_/$][A-Za-z0-9_./]*`; an ONNX-style `::` inside one reads as `__`, as rustnn's loader
// rewrites it, so `onnx::MatMul_0` and `onnx__MatMul_0` are the same name.
import { GraphFormatError } from "../../errors.js";

export type TokenKind = "ident" | "number" | "string" | "annotation" | "punct" | "eof";

export interface Token {
  kind: TokenKind;
  /** The identifier (after `::` → `__`), the number's text, the unquoted string, the annotation name, or the punctuation. */
  text: string;
  line: number;
  column: number;
}

const PUNCT = new Set(["{", "}", "[", "]", "(", ")", ",", ";", ":", "="]);

export function syntaxError(message: string, line: number, column: number): never {
  throw new GraphFormatError(`line ${line}, column ${column}: ${message}`, { rule: "syntax" });
}

const isIdentStart = (c: string) => /[A-Za-z_/$]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_./]/.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";

/** Splits the text into tokens; the last one is "eof". */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const c = text[i];
    const column = i - lineStart + 1;
    if (c === "\n") { i++; line++; lineStart = i; continue; }
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "#") { while (i < n && text[i] !== "\n") i++; continue; }
    if (PUNCT.has(c)) { tokens.push({ kind: "punct", text: c, line, column }); i++; continue; }
    if (c === '"') {
      // Only \" and \\ are escapes (webnn-graph's rule); any other backslash is itself.
      let out = "";
      let j = i + 1;
      for (;;) {
        if (j >= n) syntaxError("the string is not closed (a \" is missing)", line, column);
        const d = text[j];
        if (d === '"') break;
        if (d === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\")) { out += text[j + 1]; j += 2; continue; }
        if (d === "\n") syntaxError("a string cannot span lines", line, column);
        out += d;
        j++;
      }
      tokens.push({ kind: "string", text: out, line, column });
      i = j + 1;
      continue;
    }
    if (c === "-" && text.startsWith("-Infinity", i) && !isIdentPart(text[i + 9] ?? "")) {
      tokens.push({ kind: "number", text: "-Infinity", line, column });
      i += 9;
      continue;
    }
    if (isDigit(c) || (c === "-" && isDigit(text[i + 1] ?? ""))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400))!;
      if (isIdentStart(text[i + m[0].length] ?? "") || isDigit(text[i + m[0].length] ?? "")) {
        syntaxError(`"${text.slice(i, i + m[0].length + 1)}" is not a number or a name (names start with a letter, _, / or $)`, line, column);
      }
      tokens.push({ kind: "number", text: m[0], line, column });
      i += m[0].length;
      continue;
    }
    if (c === "@") {
      const m = /^@[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 100));
      if (!m) syntaxError('"@" must start an annotation such as @weights, @scalar, @bytes or @quantized', line, column);
      tokens.push({ kind: "annotation", text: m[0].slice(1), line, column });
      i += m[0].length;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      let name = c;
      for (;;) {
        if (j < n && isIdentPart(text[j])) { name += text[j]; j++; continue; }
        if (text[j] === ":" && text[j + 1] === ":" && j + 2 < n && isIdentPart(text[j + 2])) { name += "__"; j += 2; continue; }
        break;
      }
      tokens.push({ kind: "ident", text: name, line, column });
      i = j;
      continue;
    }
    syntaxError(`unexpected character ${JSON.stringify(c)}`, line, column);
  }
  tokens.push({ kind: "eof", text: "", line, column: i - lineStart + 1 });
  return tokens;
}
