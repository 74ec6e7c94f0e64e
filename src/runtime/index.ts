// MIL reference runtime: a pure-TypeScript interpreter for MIL programs.

export { RuntimeError } from "../errors.js";
export { executeProgram, iosVersionOfOpset, type ExecuteOptions } from "./execute.js";
export { kernels, KernelArgs, type Kernel, type KernelContext, type KernelInputs } from "./kernels/index.js";
export {
  allocData, makeData, makeStringTensor, makeTensor, numericView, readNumber, readNumbers, scalarTensor,
  tensorFromConst, type NumericData, type RuntimeTensor, type TensorData,
} from "./tensor.js";
export { f16round, halfBitsFromNumber, numberFromHalfBits } from "./fp16.js";
