// The operator signature table against everything that knows operators: the WebNN operator
// list, the builder's methods, the lowering table, the nodes the builder records, and the
// conformance cases. A new operator missing from any of them fails here.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWptGraph, type WptFile } from "../../src/conformance/wpt-case.js";
import { builderOperatorNames, MLGraphBuilder } from "../../src/graph/builder.js";
import { nodeAttributeRecord, nodeInputRecord, MLOperand } from "../../src/graph/operand.js";
import { OPERATOR_NAMES, OPERATORS, operandArgumentNames } from "../../src/graph/operators.js";
import { LOWERINGS } from "../../src/lowering/index.js";

const ROOT = join(__dirname, "../..");
const SPEC_OPERATORS = `abs add argMax argMin averagePool2d batchNormalization cast ceil clamp concat conv2d convTranspose2d cos
cumulativeSum dequantizeLinear div elu equal erf exp expand floor gather gatherElements gatherND gelu gemm greater greaterOrEqual
gru gruCell hardSigmoid hardSwish identity instanceNormalization isInfinite isNaN l2Pool2d layerNormalization leakyRelu lesser
lesserOrEqual linear log logicalAnd logicalNot logicalOr logicalXor lstm lstmCell matmul max maxPool2d min mul neg notEqual pad pow
prelu quantizeLinear reciprocal reduceL1 reduceL2 reduceLogSum reduceLogSumExp reduceMax reduceMean reduceMin reduceProduct
reduceSum reduceSumSquare relu resample2d reshape reverse roundEven scatterElements scatterND sigmoid sign sin slice softmax
softplus softsign split sqrt sub tan tanh tile transpose triangular where`.split(/\s+/).sort();

function caseFiles(): WptFile[] {
  const dirs = [join(ROOT, "test/fixtures/wpt/conformance"), join(ROOT, "test/conformance")];
  return dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(d, f), "utf8")) as WptFile));
}

describe("operator signature table", () => {
  it("lists every WebNN operator, and the builder and the lowering table have exactly these", () => {
    expect([...OPERATOR_NAMES].sort()).toEqual(SPEC_OPERATORS);
    expect([...builderOperatorNames()].sort()).toEqual(SPEC_OPERATORS);
    expect(Object.keys(LOWERINGS).sort()).toEqual(SPEC_OPERATORS);
  });

  it("gives each builder method its positional parameters, then the options dictionary", () => {
    for (const op of OPERATOR_NAMES) {
      const method = (MLGraphBuilder.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[op];
      expect(method.length, op).toBe(OPERATORS[op].params.length + 1);
    }
  });

  it("describes every node the builder records, over all conformance cases, and every operator has cases", () => {
    const seen = new Set<string>();
    let nodes = 0;
    for (const file of caseFiles()) {
      for (const c of file.tests) {
        let graph;
        try { graph = buildWptGraph(c).graph; } catch { continue; } // cases that test validation errors
        for (const node of graph.nodes) {
          const s = OPERATORS[node.op];
          seen.add(node.op);
          nodes++;
          const inputs = nodeInputRecord(node);
          const operandNames = operandArgumentNames(node.op);
          for (const key of Object.keys(inputs)) expect(operandNames, `${node.op} input ${key}`).toContain(key);
          for (const p of s.params) {
            if (p.kind === "operand") expect(inputs[p.name], `${node.op} ${p.name}`).toBeInstanceOf(MLOperand);
            if (p.kind === "operands") expect(Array.isArray(inputs[p.name]), `${node.op} ${p.name}`).toBe(true);
          }
          // Attributes are positional values or options: a serialized node can be called again.
          const names = [...s.params.filter((p) => p.kind === "value").map((p) => p.name), ...s.options];
          for (const key of Object.keys(nodeAttributeRecord(node))) expect(names, `${node.op} attribute ${key}`).toContain(key);
          if (s.returns === "operand") expect(node.outputs.length, node.op).toBe(1);
        }
      }
    }
    expect(nodes).toBeGreaterThan(1000);
    expect([...seen].sort()).toEqual(SPEC_OPERATORS);
  });
});
