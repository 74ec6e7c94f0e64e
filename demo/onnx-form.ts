// The form an ONNX model gets when it has symbolic dimensions or inputs that decide control flow:
// one field per dim_param (prefilled with 1) and per such input, with the inputs' shapes shown.
// Submitting resolves with the options to convert with.
import type { OnnxModelSummary } from "../src/browser/index.js";

export interface OnnxFormValues {
  freeDimensions: Record<string, number>;
  inputValues: Record<string, number[]>;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export function needsForm(s: OnnxModelSummary): boolean {
  return s.freeDimensions.length > 0 || s.controlInputs.length > 0;
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
  const fields: Array<{ kind: "dim" | "value"; name: string; input: HTMLInputElement }> = [];
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
      const values: OnnxFormValues = { freeDimensions: {}, inputValues: {} };
      for (const f of fields) {
        if (f.kind === "dim") values.freeDimensions[f.name] = Number(f.input.value);
        else values.inputValues[f.name] = f.input.value.split(/[,\s]+/).filter(Boolean).map(Number);
      }
      controller.abort();
      pending = undefined;
      resolve(values);
    }, { signal: controller.signal });
  });
}
