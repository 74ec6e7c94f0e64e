// comlink configuration shared by the page and the converter worker: thrown errors cross the
// boundary as typed errors (same class and fields), not as comlink's plain {name, message}.
import { transferHandlers, type TransferHandler } from "comlink";
import { deserializeError, serializeError, type SerializedError } from "./protocol.js";

let installed = false;

/** Replaces comlink's "throw" transfer handler (idempotent). Both sides must install it. */
export function installErrorTransferHandler(): void {
  if (installed) return;
  const base = transferHandlers.get("throw");
  if (!base) throw new Error("comlink has no throw transfer handler to replace");
  const handler: TransferHandler<{ value: unknown }, SerializedError> = {
    canHandle: (v): v is { value: unknown } => base.canHandle(v),
    serialize: ({ value }) => [serializeError(value), []],
    deserialize: (s) => { throw deserializeError(s); },
  };
  transferHandlers.set("throw", handler as TransferHandler<unknown, unknown>);
  installed = true;
}
