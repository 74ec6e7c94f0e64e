// Parser of the `.webnn` text form into the webnn-graph JSON document it stands for, so that
// both forms share one path into MLGraphBuilder (frontends/webnn-json/build.ts).
//
//   webnn_graph "name" v1 [@quantized] {
//     inputs  { x: f32[1, dyn("batch", 8)]; }
//     consts  { w: f32[8, 3] @weights("w"); s: f32[] @scalar(0.5); b: u8[2] @bytes([1, 2]); }
//     nodes   { y = conv2d(x, w, padding=[1, 1, 1, 1]); [a, b] = split(y, splits=2); z = y; }
//     outputs { a; b; }
//   }
//
// Blocks come in any order (a block may repeat; its entries add up). In a call, a bare name or a
// string is an operand (positional) or an option value (`name=value`); other literals are only
// option values. `z = y;` is an alias (an identity node). A constant without an annotation refers
// to the weights entry of its own name. Numbers keep their JSON meaning; an integer too large
// for a double stays exact only as an option string.
import { GRAPH_JSON_FORMAT } from "../webnn-json/document.js";
import { syntaxError, tokenize, type Token } from "./lexer.js";
import { setOwn } from "../../records.js";
import type { MLOperandDataType } from "../../graph/types.js";

/** The text form's spellings of the data types ("f32" → "float32"), and back for the writer. */
export const TEXT_DATA_TYPES: Readonly<Record<string, MLOperandDataType>> = {
  f32: "float32", f16: "float16", i4: "int4", u4: "uint4", i32: "int32", u32: "uint32",
  i64: "int64", u64: "uint64", i8: "int8", u8: "uint8",
};

export type TextValue = null | boolean | number | string | TextValue[];

/** The document, and where each name was defined (for messages about it after parsing). */
export interface ParsedGraphText {
  document: Record<string, unknown>;
  lines: Map<string, number>;
}

class Parser {
  private pos = 0;
  readonly lines = new Map<string, number>();

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token { return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]; }
  private next(): Token { const t = this.peek(); if (t.kind !== "eof") this.pos++; return t; }

  private fail(expected: string, t = this.peek()): never {
    const found = t.kind === "eof" ? "the end of the file" : t.kind === "string" ? `the string ${JSON.stringify(t.text)}` : `"${t.text}"`;
    syntaxError(`expected ${expected}, found ${found}`, t.line, t.column);
  }

  private isPunct(p: string, t = this.peek()): boolean { return t.kind === "punct" && t.text === p; }

  private punct(p: string, what = `"${p}"`): Token {
    if (!this.isPunct(p)) this.fail(what);
    return this.next();
  }

  private ident(what = "a name"): Token {
    if (this.peek().kind !== "ident") this.fail(what);
    return this.next();
  }

  private integer(what: string, max = 2 ** 32 - 1): number {
    const t = this.peek();
    if (t.kind !== "number" || !/^[0-9]+$/.test(t.text)) this.fail(what);
    const v = Number(t.text);
    if (!Number.isSafeInteger(v) || v > max) syntaxError(`${t.text} is too large for ${what} (at most ${max})`, t.line, t.column);
    this.next();
    return v;
  }

  private string(what: string): string {
    if (this.peek().kind !== "string") this.fail(what);
    return this.next().text;
  }

  private define(name: string, t: Token, seen: Set<string>, what: string): void {
    if (seen.has(name)) syntaxError(`${what} "${name}" is declared twice (first on line ${this.lines.get(name)})`, t.line, t.column);
    seen.add(name);
    if (!this.lines.has(name)) this.lines.set(name, t.line);
  }

  file(): Record<string, unknown> {
    const head = this.ident('"webnn_graph"');
    if (head.text !== "webnn_graph") this.fail('"webnn_graph"', head);
    const name = this.string("the graph's name as a string");
    // "v1" is one identifier token; "v 1" two tokens.
    let version: number;
    const v = this.ident('the version ("v1" or "v2")');
    if (/^v[0-9]+$/.test(v.text)) version = Number(v.text.slice(1));
    else if (v.text === "v") version = this.integer("the version number");
    else this.fail('the version ("v1" or "v2")', v);
    let quantized = false;
    if (this.peek().kind === "annotation") {
      const a = this.next();
      if (a.text !== "quantized") this.fail("@quantized or \"{\"", a);
      quantized = true;
    }
    this.punct("{");
    const inputs: Record<string, unknown> = {};
    const consts: Record<string, unknown> = {};
    const nodes: unknown[] = [];
    const outputs: Record<string, string> = {};
    const names = new Set<string>();
    const outputNames = new Set<string>();
    for (;;) {
      const t = this.peek();
      if (this.isPunct("}")) { this.next(); break; }
      if (t.kind !== "ident") this.fail('a block ("inputs", "consts", "nodes" or "outputs") or "}"');
      this.next();
      this.punct("{", `"{" after ${t.text}`);
      switch (t.text) {
        case "inputs": this.declarations(inputs, names, false); break;
        case "consts": this.declarations(consts, names, true); break;
        case "nodes": this.statements(nodes); break;
        case "outputs": this.outputs(outputs, outputNames); break;
        default: this.fail('a block ("inputs", "consts", "nodes" or "outputs")', t);
      }
    }
    if (this.peek().kind !== "eof") this.fail("the end of the file after the graph's closing \"}\"");
    return { format: GRAPH_JSON_FORMAT, version, name, quantized, inputs, consts, nodes, outputs };
  }

  private declarations(into: Record<string, unknown>, names: Set<string>, constants: boolean): void {
    while (!this.isPunct("}")) {
      const nameTok = this.ident(constants ? 'a constant declaration ("name: f32[…] @weights(…);") or "}"' : 'an input declaration ("name: f32[…];") or "}"');
      this.define(nameTok.text, nameTok, names, constants ? "constant" : "input");
      this.punct(":");
      const { dataType, shape } = this.type(constants);
      let decl: Record<string, unknown> = { dataType, shape };
      if (constants) {
        let init: Record<string, unknown> = { kind: "weights", ref: nameTok.text };
        while (this.peek().kind === "annotation") init = this.annotation();
        decl = { ...decl, init };
      }
      this.punct(";", '";" after the declaration');
      setOwn(into, nameTok.text, decl);
    }
    this.next();
  }

  private type(constant: boolean): { dataType: string; shape: unknown[] } {
    const t = this.ident("a data type (f32, f16, i32, u32, i64, u64, i8, u8, i4, u4)");
    const dataType = Object.prototype.hasOwnProperty.call(TEXT_DATA_TYPES, t.text) ? TEXT_DATA_TYPES[t.text] : this.fail("a data type (f32, f16, i32, u32, i64, u64, i8, u8, i4, u4)", t);
    this.punct("[", '"[" starting the shape');
    const shape: unknown[] = [];
    while (!this.isPunct("]")) {
      if (shape.length) this.punct(",", '"," or "]" in the shape');
      const d = this.peek();
      if (d.kind === "ident" && d.text === "dyn") {
        if (constant) syntaxError("a constant's shape cannot have dyn() dimensions", d.line, d.column);
        this.next();
        this.punct("(", '"(" after dyn');
        const name = this.string('the dimension\'s name as a string, as in dyn("batch", 8)');
        this.punct(",");
        const maxSize = this.integer("the dimension's largest size");
        this.punct(")");
        shape.push({ name, maxSize });
      } else {
        shape.push(this.integer("a dimension (a non-negative integer or dyn(\"name\", max))"));
      }
    }
    this.next();
    return { dataType, shape };
  }

  private annotation(): Record<string, unknown> {
    const a = this.next();
    this.punct("(", `"(" after @${a.text}`);
    let init: Record<string, unknown>;
    switch (a.text) {
      case "weights": init = { kind: "weights", ref: this.string('the weights key as a string, as in @weights("w")') }; break;
      case "scalar": {
        const t = this.peek();
        const special = t.kind === "ident" && (t.text === "Infinity" || t.text === "NaN");
        if (t.kind !== "number" && !special) this.fail("a number in @scalar(…)");
        this.next();
        init = { kind: "scalar", value: special ? t.text : numberValue(t.text) };
        break;
      }
      case "bytes": {
        this.punct("[", '"[" starting the byte list');
        const bytes: number[] = [];
        while (!this.isPunct("]")) {
          if (bytes.length) this.punct(",", '"," or "]" in the byte list');
          bytes.push(this.integer("a byte value 0..255", 255));
        }
        this.next();
        init = { kind: "inlineBytes", bytes };
        break;
      }
      default: this.fail("@weights, @scalar or @bytes", a);
    }
    this.punct(")", `")" closing @${a.text}(…)`);
    return init;
  }

  private statements(nodes: unknown[]): void {
    while (!this.isPunct("}")) {
      const start = this.peek();
      let outputs: string[] | null = null;
      let id: string;
      if (this.isPunct("[")) {
        this.next();
        outputs = [];
        while (!this.isPunct("]")) {
          if (outputs.length) this.punct(",", '"," or "]" in the list of results');
          const t = this.ident("a result name");
          outputs.push(t.text);
          this.lines.set(t.text, t.line);
        }
        this.next();
        if (outputs.length === 0) this.fail("at least one result name", start);
        id = outputs[0];
      } else {
        const t = this.ident('a statement ("name = op(…);") or "}"');
        id = t.text;
        this.lines.set(id, t.line);
      }
      this.punct("=", '"=" after the result name');
      const head = this.peek();
      let node: Record<string, unknown>;
      if (head.kind === "ident" && this.isPunct("(", this.peek(1))) {
        this.next();
        node = { id, op: head.text, ...this.call(head.text), outputs };
      } else if (head.kind === "ident") {
        this.next();
        node = { id, op: "", inputs: [head.text], options: {}, outputs };
      } else {
        this.fail("an operation call or a name to alias", head);
      }
      this.punct(";", '";" ending the statement');
      nodes.push(node);
    }
    this.next();
  }

  private call(op: string): { inputs: string[]; options: Record<string, unknown> } {
    this.punct("(");
    const inputs: string[] = [];
    const options: Record<string, unknown> = {};
    let first = true;
    while (!this.isPunct(")")) {
      if (!first) this.punct(",", '"," or ")" in the arguments');
      first = false;
      const t = this.peek();
      if (t.kind === "ident" && this.isPunct("=", this.peek(1))) {
        this.next();
        this.next();
        if (Object.prototype.hasOwnProperty.call(options, t.text)) syntaxError(`${op}: the option ${t.text} is given twice`, t.line, t.column);
        setOwn(options, t.text, this.value());
        continue;
      }
      const v = this.value();
      if (typeof v !== "string") {
        syntaxError(`${op}: a positional argument must name an operand; give other values by name (for example axis=1)`, t.line, t.column);
      }
      inputs.push(v);
    }
    this.next();
    return { inputs, options };
  }

  private value(depth = 0): TextValue {
    const t = this.peek();
    if (depth > 32) syntaxError("values are nested too deeply", t.line, t.column);
    switch (t.kind) {
      case "string": this.next(); return t.text;
      case "number": this.next(); return numberValue(t.text);
      case "ident": {
        this.next();
        if (t.text === "true") return true;
        if (t.text === "false") return false;
        if (t.text === "null") return null;
        // Not JSON, but options such as clamp's bounds and pad's value may be infinite or NaN.
        if (t.text === "Infinity" || t.text === "NaN") return Number(t.text);
        return t.text;
      }
      case "punct": {
        if (t.text !== "[") break;
        this.next();
        const out: TextValue[] = [];
        while (!this.isPunct("]")) {
          if (out.length) this.punct(",", '"," or "]" in the list');
          out.push(this.value(depth + 1));
        }
        this.next();
        return out;
      }
    }
    return this.fail("a value (a name, number, string, true, false, null or [list])");
  }

  private outputs(into: Record<string, string>, seen: Set<string>): void {
    while (!this.isPunct("}")) {
      const t = this.ident('an output name or "}"');
      if (seen.has(t.text)) syntaxError(`output "${t.text}" is listed twice`, t.line, t.column);
      seen.add(t.text);
      setOwn(into, t.text, t.text);
      if (this.isPunct(",") || this.isPunct(";")) this.next();
    }
    this.next();
  }
}

/** A number as JSON would read it; integers beyond 2^53 keep their digits as a string. */
function numberValue(text: string): number | string {
  const v = Number(text);
  if (/^-?[0-9]+$/.test(text) && !Number.isSafeInteger(v)) return text;
  return v;
}

/** Parses `.webnn` text into its webnn-graph JSON document (not yet checked as a graph). */
export function parseGraphText(text: string): ParsedGraphText {
  const p = new Parser(tokenize(text));
  const document = p.file();
  return { document, lines: p.lines };
}
