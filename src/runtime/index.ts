// The MIL reference runtime: a pure-TypeScript interpreter of MIL programs with Core ML's
// semantics (kernels per operation, tensors). It knows only the MIL program form, so program
// passes can evaluate operations (constant folding); run-package.ts runs whole packages.
export { RuntimeError } from "../errors.js";
export { executeProgram, iosVersionOfOpset, type ExecuteOptions } from "./execute.js";
export { kernels, KernelArgs, type Kernel, type KernelContext, type KernelInputs } from "./kernels/index.js";
export {
  allocData, makeData, makeStringTensor, makeTensor, numericView, readNumber, readNumbers, scalarTensor,
  tensorFromConst, type NumericData, type RuntimeTensor, type TensorData,
} from "./tensor.js";
export { f16round, halfBitsFromNumber, numberFromHalfBits } from "./fp16.js";
