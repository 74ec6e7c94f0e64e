// Core ML deployment targets: specification version and MIL opset per iOS version.
import { UnsupportedError } from "../errors.js";

export type TargetName = "ios15" | "ios16" | "ios17" | "ios18";

export interface Target {
  readonly name: TargetName;
  readonly ios: 15 | 16 | 17 | 18;
  /** Model.specificationVersion */
  readonly specificationVersion: number;
  /** MIL opset (block_specializations key). */
  readonly opset: string;
}

export const TARGETS: Readonly<Record<TargetName, Target>> = {
  ios15: { name: "ios15", ios: 15, specificationVersion: 6, opset: "CoreML5" },
  ios16: { name: "ios16", ios: 16, specificationVersion: 7, opset: "CoreML6" },
  ios17: { name: "ios17", ios: 17, specificationVersion: 8, opset: "CoreML7" },
  ios18: { name: "ios18", ios: 18, specificationVersion: 9, opset: "CoreML8" },
};

export const DEFAULT_TARGET: TargetName = "ios17";

export function resolveTarget(name: string | undefined): Target {
  const key = (name ?? DEFAULT_TARGET).toLowerCase();
  const t = (TARGETS as Record<string, Target>)[key];
  if (!t) throw new UnsupportedError(`unknown deployment target "${name}" (expected ios15, ios16, ios17 or ios18)`, { rule: "target" });
  return t;
}

export function targetForSpecificationVersion(v: number): Target | undefined {
  return Object.values(TARGETS).find((t) => t.specificationVersion === v);
}
