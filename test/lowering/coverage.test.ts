import { describe, expect, it } from "vitest";
import { builderOperatorNames } from "../../src/graph/builder.js";
import { LOWERINGS } from "../../src/lowering/index.js";

const SPEC_OPERATORS = `abs add argMax argMin averagePool2d batchNormalization cast ceil clamp concat conv2d convTranspose2d cos
cumulativeSum dequantizeLinear div elu equal erf exp expand floor gather gatherElements gatherND gelu gemm greater greaterOrEqual
gru gruCell hardSigmoid hardSwish identity instanceNormalization isInfinite isNaN l2Pool2d layerNormalization leakyRelu lesser
lesserOrEqual linear log logicalAnd logicalNot logicalOr logicalXor lstm lstmCell matmul max maxPool2d min mul neg notEqual pad pow
prelu quantizeLinear reciprocal reduceL1 reduceL2 reduceLogSum reduceLogSumExp reduceMax reduceMean reduceMin reduceProduct
reduceSum reduceSumSquare relu resample2d reshape reverse roundEven scatterElements scatterND sigmoid sign sin slice softmax
softplus softsign split sqrt sub tan tanh tile transpose triangular where`.split(/\s+/);

describe("operator coverage", () => {
  it("every WebNN operator has a builder method and a lowering, and nothing else does", () => {
    const builder = [...builderOperatorNames()].sort();
    const lowered = Object.keys(LOWERINGS).sort();
    expect(builder).toEqual([...SPEC_OPERATORS].sort());
    expect(lowered).toEqual([...SPEC_OPERATORS].sort());
  });
});
