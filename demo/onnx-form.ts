// The form an ONNX model gets when it has symbolic dimensions, inputs of unknown shape, or inputs
// that decide control flow: one field per dim_param (prefilled with 1), a shape field per input
// whose shape the model leaves open (no dims, or an unnamed one; prefilled with what is known),
// and one per control input, with the inputs' shapes shown. Submitting resolves with the
// options to convert with.
import type { OnnxModelSummary } from "../src/browser/index.js";

export interface OnnxFormValues {
  freeDimensions: Record<string, number>;
  inputValues: Record<string, number[]>;
  inputShapes?: Record<string, number[]>;
}

/** The inputs whose shape the model leaves open: no dims at all, or an unnamed unknown one. */
function openShapes(s: OnnxModelSummary): OnnxModelSummary["inputs"] {
  return s.inputs.filter((i) => !s.controlInputs.includes(i.name) && (i.dims === undefined || i.dims.some((d) => d === null)));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export function needsForm(s: OnnxModelSummary): boolean {
  return s.freeDimensions.length > 0 || s.controlInputs.length > 0 || openShapes(s).length > 0;
}

let pending: { controller: AbortController; resolve: (v: undefined) => void } | undefined;

/** Withdraws the form (another source was chosen): its promise resolves with undefined. */
export function cancelOnnxForm(form: HTMLFormElement): void {
  pending?.controller.abort();
  pending?.resolve(undefined);
  pending = undefined;
  form.hidden = true;
}

/** Fills `form` for the model and resolves with the values when it is submitted (or undefined when withdrawn). */
export function askOnnxOptions(form: HTMLFormElement, s: OnnxModelSummary, previous?: OnnxFormValues): Promise<OnnxFormValues | undefined> {
  cancelOnnxForm(form);
  form.replaceChildren();
  form.hidden = false;
  form.append(el("p", "This model needs a few values before it converts:", { class: "hint" }));
  const shapes = el("ul", undefined, { id: "onnx-inputs" });
  for (const i of s.inputs) shapes.append(el("li", `${i.name}: ${i.elementType} [${(i.dims ?? []).map((d) => d ?? "?").join(", ")}]`));
  form.append(shapes);
  const fields: Array<{ kind: "dim" | "value" | "shape"; name: string; input: HTMLInputElement }> = [];
  for (const i of openShapes(s)) {
    // Known sizes prefilled, "?" where the user must give one (the field refuses it).
    const known = (i.dims ?? []).map((d) => (typeof d === "number" ? String(d) : "?")).join(", ");
    const input = el("input", undefined, { type: "text", required: "", pattern: "\\s*\\d+(\\s*,\\s*\\d+)*\\s*", id: `shape-${i.name}`, "data-shape": i.name, placeholder: "e.g. 1, 512", value: previous?.inputShapes?.[i.name]?.join(", ") ?? known });
    const label = el("label", `${i.name} shape `, { for: input.id });
    form.append(el("p", undefined), label, input);
    fields.push({ kind: "shape", name: i.name, input });
  }
  for (const d of s.freeDimensions) {
    const input = el("input", undefined, { type: "number", min: "0", step: "1", required: "", id: `dim-${d}`, "data-dim": d, value: String(previous?.freeDimensions[d] ?? 1) });
    const label = el("label", `${d} `, { for: input.id });
    form.append(el("p", undefined), label, input);
    fields.push({ kind: "dim", name: d, input });
  }
  for (const v of s.controlInputs) {
    const input = el("input", undefined, { type: "text", required: "", id: `value-${v}`, "data-input": v, placeholder: "e.g. 16000", value: previous?.inputValues[v]?.join(", ") ?? "" });
    const label = el("label", `${v} (decides control flow) `, { for: input.id });
    form.append(el("p", undefined), label, input);
    fields.push({ kind: "value", name: v, input });
  }
  const submit = el("button", "Convert", { type: "submit", id: "onnx-convert" });
  form.append(el("p", undefined), submit);
  return new Promise((resolve) => {
    const controller = new AbortController();
    pending = { controller, resolve };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const values: OnnxFormValues = { freeDimensions: {}, inputValues: {}, inputShapes: {} };
      const numbers = (text: string) => text.split(/[,\s]+/).filter(Boolean).map(Number);
      for (const f of fields) {
        if (f.kind === "dim") values.freeDimensions[f.name] = Number(f.input.value);
        else if (f.kind === "shape") values.inputShapes![f.name] = numbers(f.input.value);
        else values.inputValues[f.name] = numbers(f.input.value);
      }
      controller.abort();
      pending = undefined;
      resolve(values);
    }, { signal: controller.signal });
  });
}
