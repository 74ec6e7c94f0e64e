// CoreMLBridge: the page side of the WKWebView bridge (docs/bridge-protocol.md). The page
// converts a graph (or gets a package from the converter worker), then
//
//   if (await CoreMLBridge.isAvailable()) {
//     const bridge = new CoreMLBridge();
//     const model = await bridge.load(result.zip, { computeUnits: "all" });   // Blob, zip bytes or MLPackage
//     const { y } = await model.predict({ x: { dataType: "float32", shape: [1, 4], data } });
//     await model.unload();
//   }
//
// Package bytes travel as binary bodies of fetch POSTs to the host's WKURLSchemeHandler
// (webnn-coreml://host/v1/…), in bounded chunks, without base64 and without a copy of the whole
// package: zip bytes and large parts of an in-memory package go as views of their own bytes;
// a Blob is read one chunk at a time. Small control messages (info, unload, cancel) go through
// `webkit.messageHandlers.webnnCoreML` when the host installed it, else over the scheme too.
//
// Browser code: fetch, Blob, TextEncoder only (no Node imports).
import type { MLPackage } from "../packaging/package.js";
import {
  BridgeError, CONFIG_GLOBAL, DEFAULT_BASE_URL, DEFAULT_MESSAGE_HANDLER, PROTOCOL_NAME, PROTOCOL_VERSION,
  decodeTensorMessage, encodeTensorMessage, isHostErrorCode,
  type BeginUploadRequest, type BeginUploadResponse, type BridgeInfo, type BridgeTensor, type ChunkResponse,
  type ComputeUnits, type ControlMessage, type ControlReply, type LoadResponse, type TensorDescription,
} from "./protocol.js";

/** What the host may inject (a WKUserScript at document start) to switch the bridge on. */
export interface BridgeGlobalConfig {
  baseUrl?: string;
  messageHandler?: string;
}

export interface CoreMLBridgeOptions {
  /** The host's base URL; default the injected config's, else "webnn-coreml://host". */
  baseUrl?: string;
  /** The script message handler's name; default the injected config's, else "webnnCoreML". Set to null to never use it. */
  messageHandler?: string | null;
  /** Bytes per upload request (at least 1 KiB, at most the host's maxChunkBytes); default 4 MiB. */
  chunkBytes?: number;
  /** fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
}

/** A package as the page has it: the converter worker's result, a zip (Blob or bytes), or an in-memory package. */
export type PackageSource =
  | Blob
  | ArrayBuffer
  | Uint8Array
  | MLPackage
  | { zip: Blob | ArrayBuffer | Uint8Array; name?: string };

export interface LoadOptions {
  computeUnits?: ComputeUnits;
  /** The function of a multifunction package to load (default: its default function; needs iOS 18 / macOS 15). */
  functionName?: string;
  /** Package name reported by the host (default: the package's own, else "Model"). */
  name?: string;
  /** Upload progress in bytes. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** Parts smaller than this are gathered into one request (copied); larger ones are sent as views. */
const COALESCE_BELOW = 1024 * 1024;
const DEFAULT_CHUNK = 4 * 1024 * 1024;

interface MessageHandler {
  postMessage(message: unknown): Promise<unknown> | unknown;
}

function globalConfig(): BridgeGlobalConfig {
  const g = (globalThis as Record<string, unknown>)[CONFIG_GLOBAL];
  return g && typeof g === "object" ? (g as BridgeGlobalConfig) : {};
}

function webkitHandler(name: string | null | undefined): MessageHandler | undefined {
  if (!name) return undefined;
  const w = (globalThis as { webkit?: { messageHandlers?: Record<string, MessageHandler> } }).webkit;
  const h = w?.messageHandlers?.[name];
  return h && typeof h.postMessage === "function" ? h : undefined;
}

function isMLPackage(x: unknown): x is MLPackage {
  return typeof x === "object" && x !== null && Array.isArray((x as MLPackage).files) && typeof (x as MLPackage).name === "string";
}

/** Tries of an upload the host refuses as busy: about 30 s of waiting in all. */
const UPLOAD_RETRIES = 20;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(abortError(signal)); return; }
    const onAbort = () => { clearTimeout(timer); reject(abortError(signal!)); };
    const timer = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): BridgeError {
  const reason = signal.reason as { message?: string } | undefined;
  return new BridgeError("aborted", reason?.message ? `aborted: ${reason.message}` : "aborted");
}

export class CoreMLBridge {
  readonly baseUrl: string;
  private readonly handlerName: string | null;
  private readonly chunkBytes: number;
  private readonly fetchImpl: typeof fetch;
  private infoCache?: Promise<BridgeInfo>;
  /** Uploads of this client in progress, and the loads waiting for one to end (FIFO). */
  private uploading = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(options: CoreMLBridgeOptions = {}) {
    const g = globalConfig();
    this.baseUrl = (options.baseUrl ?? g.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    this.handlerName = options.messageHandler === null ? null : options.messageHandler ?? g.messageHandler ?? DEFAULT_MESSAGE_HANDLER;
    this.chunkBytes = Math.max(1024, Math.floor(options.chunkBytes ?? DEFAULT_CHUNK));
    const f = options.fetch ?? globalThis.fetch;
    this.fetchImpl = (input, init) => f.call(globalThis, input, init);
  }

  /**
   * Whether a host answers (within `timeoutMs`, default 2 s) and speaks this protocol version.
   * Never throws.
   */
  static async isAvailable(options: CoreMLBridgeOptions & { timeoutMs?: number } = {}): Promise<boolean> {
    const bridge = new CoreMLBridge(options);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error("timed out")), options.timeoutMs ?? 2000);
    try {
      const info = await bridge.info(timeout.signal);
      return info.protocol === PROTOCOL_NAME && info.version === PROTOCOL_VERSION;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The host's protocol version, limits and compute units (cached after the first success). */
  info(signal?: AbortSignal): Promise<BridgeInfo> {
    if (!this.infoCache) {
      this.infoCache = this.control<BridgeInfo>({ op: "info" }, "info", signal);
      this.infoCache.catch(() => { this.infoCache = undefined; });
    }
    return this.infoCache;
  }

  /**
   * Uploads a package in chunks, then has the host compile and load it with the given compute
   * units. Loads beyond the host's `maxUploads` (its info's limits) wait for a turn, in order,
   * instead of failing; an upload the host still refuses as busy (another page's) is retried for
   * a while. Only the model-count limit fails a load (`too-many-models`, naming `maxModels`).
   */
  async load(source: PackageSource, options: LoadOptions = {}): Promise<CoreMLBridgeModel> {
    const { signal } = options;
    const plan = planUpload(source, options.name);
    const { limits } = await this.info(signal);
    await this.turn(Math.max(1, limits.maxUploads), signal);
    try {
      return await this.upload(plan, options);
    } finally {
      this.uploading--;
      this.waiting.shift()?.();
    }
  }

  /** Waits until fewer than `slots` uploads of this client are in progress, then takes one. */
  private async turn(slots: number, signal?: AbortSignal): Promise<void> {
    while (this.uploading >= slots) {
      if (signal?.aborted) throw abortError(signal);
      await new Promise<void>((resolve) => {
        const wake = () => { signal?.removeEventListener("abort", onAbort); resolve(); };
        const onAbort = () => { const i = this.waiting.indexOf(wake); if (i >= 0) this.waiting.splice(i, 1); resolve(); };
        this.waiting.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    if (signal?.aborted) throw abortError(signal);
    this.uploading++;
  }

  /** POST /v1/uploads, retried while the host has no upload slot free (up to about 30 s). */
  private async beginUpload(request: string, signal?: AbortSignal): Promise<BeginUploadResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.post<BeginUploadResponse>("uploads", request, signal);
      } catch (e) {
        if (!(e instanceof BridgeError) || e.code !== "too-many-uploads" || attempt >= UPLOAD_RETRIES) throw e;
        await sleep(Math.min(2000, 50 * 2 ** attempt), signal);
      }
    }
  }

  private async upload(plan: ReturnType<typeof planUpload>, options: LoadOptions): Promise<CoreMLBridgeModel> {
    const { signal } = options;
    const computeUnits = options.computeUnits ?? "all";
    const begin = await this.beginUpload(JSON.stringify(plan.request), signal);
    const chunk = Math.max(1, Math.min(this.chunkBytes, begin.maxChunkBytes));
    const total = plan.request.size;
    let sent = 0;
    try {
      options.onProgress?.(0, total);
      for await (const body of plan.chunks(chunk)) {
        if (signal?.aborted) throw abortError(signal);
        const r = await this.post<ChunkResponse>(`uploads/${encodeURIComponent(begin.uploadId)}/chunk?offset=${sent}`, body as Uint8Array<ArrayBuffer>, signal);
        sent += body.byteLength;
        if (r.received !== sent) throw new BridgeError("bad-offset", `the host has ${r.received} bytes, ${sent} were sent`);
        options.onProgress?.(sent, total);
      }
      const loaded = await this.post<LoadResponse>("models", JSON.stringify({ uploadId: begin.uploadId, computeUnits, ...(options.functionName !== undefined ? { functionName: options.functionName } : {}) }), signal);
      return new CoreMLBridgeModel(this, loaded);
    } catch (e) {
      // The host drops an upload once load() has been called; cancelling an unknown one is harmless.
      void this.control({ op: "cancelUpload", uploadId: begin.uploadId }, `uploads/${encodeURIComponent(begin.uploadId)}/cancel`).catch(() => {});
      throw e;
    }
  }

  /** @internal */
  async predictRaw(modelId: string, inputs: Record<string, BridgeTensor>, signal?: AbortSignal): Promise<Record<string, BridgeTensor>> {
    const message = encodeTensorMessage(inputs);
    const body = message.parts.length === 1 ? message.parts[0] : concat(message.parts, message.size);
    const res = await this.request(`models/${encodeURIComponent(modelId)}/predict`, body as Uint8Array<ArrayBuffer>, signal);
    return decodeTensorMessage(new Uint8Array(await res.arrayBuffer()));
  }

  /** @internal */
  async unloadModel(modelId: string): Promise<void> {
    await this.control({ op: "unload", modelId }, `models/${encodeURIComponent(modelId)}/unload`);
  }

  // ---------------------------------------------------------------- transport

  /** A control message: through the script message handler when there is one, else POSTed to `path`. */
  private async control<T>(message: ControlMessage, path: string, signal?: AbortSignal): Promise<T> {
    const handler = webkitHandler(this.handlerName);
    if (!handler) return this.post<T>(path, message.op === "info" ? "" : "{}", signal);
    let reply: unknown;
    try {
      // postMessage cannot be cancelled: an aborted signal stops the wait, not the message.
      const aborted = new Promise<never>((_, reject) => {
        if (signal?.aborted) reject(abortError(signal));
        signal?.addEventListener("abort", () => reject(abortError(signal)), { once: true });
      });
      aborted.catch(() => {});
      reply = await Promise.race([Promise.resolve(handler.postMessage(message)), aborted]);
    } catch (e) {
      if (e instanceof BridgeError) throw e;
      throw new BridgeError("unavailable", `the ${this.handlerName} message handler failed: ${(e as Error)?.message ?? String(e)}`);
    }
    const r = reply as ControlReply | undefined;
    if (r && r.ok === true) return r.result as T;
    if (r && r.ok === false && r.error) throw new BridgeError(isHostErrorCode(r.error.code) ? r.error.code : "internal", r.error.message);
    throw new BridgeError("internal", `unexpected reply from the ${this.handlerName} message handler`);
  }

  private async post<T>(path: string, body: BodyInit, signal?: AbortSignal): Promise<T> {
    const res = await this.request(path, body, signal);
    return (await res.json()) as T;
  }

  /**
   * POSTs to `<baseUrl>/v1/<path>`. Only CORS-safelisted requests (a POST with a string or binary
   * body and no custom headers), so a cross-origin page never needs a preflight.
   */
  private async request(path: string, body: BodyInit, signal?: AbortSignal): Promise<Response> {
    if (signal?.aborted) throw abortError(signal);
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}/v${PROTOCOL_VERSION}/${path}`, { method: "POST", body, signal, cache: "no-store", credentials: "omit" });
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      throw new BridgeError("unavailable", `no bridge host answered at ${this.baseUrl} (${(e as Error)?.message ?? String(e)})`);
    }
    if (res.ok) return res;
    let code: string | undefined;
    let message = `HTTP ${res.status}`;
    try {
      const err = ((await res.json()) as { error?: { code?: string; message?: string } }).error;
      code = err?.code;
      if (err?.message) message = err.message;
    } catch { /* not JSON */ }
    throw new BridgeError(isHostErrorCode(code) ? code : "internal", message, res.status);
  }
}

export class CoreMLBridgeModel {
  readonly id: string;
  readonly name: string;
  readonly computeUnits: ComputeUnits;
  /** The function loaded (undefined: the package's default). */
  readonly functionName?: string;
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];
  private unloaded = false;

  constructor(private readonly bridge: CoreMLBridge, loaded: LoadResponse) {
    this.id = loaded.modelId;
    this.name = loaded.name;
    this.computeUnits = loaded.computeUnits;
    this.functionName = loaded.functionName;
    this.inputs = loaded.inputs;
    this.outputs = loaded.outputs;
  }

  /**
   * Runs the model. Inputs and outputs are keyed by the WebNN names, with WebNN data types
   * (float16 as Uint16Array half bits); outputs are views of the response's bytes.
   */
  predict(inputs: Record<string, BridgeTensor>, options: { signal?: AbortSignal } = {}): Promise<Record<string, BridgeTensor>> {
    return this.bridge.predictRaw(this.id, inputs, options.signal);
  }

  /** Frees the model and its files in the host. Calling it again does nothing. */
  async unload(): Promise<void> {
    if (this.unloaded) return;
    this.unloaded = true;
    await this.bridge.unloadModel(this.id);
  }
}

// ------------------------------------------------------------------ upload planning

interface UploadPlan {
  request: BeginUploadRequest;
  /** Request bodies of at most `chunk` bytes, in order. */
  chunks(chunk: number): AsyncGenerator<Uint8Array>;
}

function planUpload(source: PackageSource, name?: string): UploadPlan {
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (source instanceof Uint8Array) {
    const bytes = source;
    return { request: { name: name ?? "Model", format: "zip", size: bytes.byteLength }, chunks: (chunk) => partChunks([bytes], chunk) };
  }
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    const blob = source;
    return { request: { name: name ?? "Model", format: "zip", size: blob.size }, chunks: (chunk) => blobChunks(blob, chunk) };
  }
  if (isMLPackage(source)) {
    const pkg = source;
    const files = pkg.files.map((f) => ({ path: f.path, size: f.size }));
    const size = files.reduce((n, f) => n + f.size, 0);
    return {
      request: { name: name ?? pkg.name, format: "files", size, files },
      chunks: (chunk) => partChunks(pkg.files.flatMap((f) => f.parts), chunk),
    };
  }
  if (source && typeof source === "object" && "zip" in source) {
    return planUpload(source.zip, name ?? source.name);
  }
  throw new BridgeError("bad-request", "load() takes a zip (Blob, ArrayBuffer, Uint8Array), a converter result { zip } or an MLPackage");
}

/** A Blob read one slice at a time (WebKit does not reliably pass Blob request bodies to a scheme handler). */
async function* blobChunks(blob: Blob, chunk: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < blob.size; off += chunk) {
    yield new Uint8Array(await blob.slice(off, Math.min(blob.size, off + chunk)).arrayBuffer());
  }
}

/**
 * Bodies from a list of parts: a part of COALESCE_BELOW bytes or more goes as views of itself
 * (sliced to `chunk`); runs of smaller parts are gathered into one body of at most `chunk` bytes.
 */
async function* partChunks(parts: readonly Uint8Array[], chunk: number): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = () => {
    const out = pending.length === 1 ? pending[0] : concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  const small = Math.min(COALESCE_BELOW, chunk);
  for (const p of parts) {
    if (p.byteLength === 0) continue;
    if (p.byteLength >= small) {
      if (pendingBytes) yield flush();
      for (let off = 0; off < p.byteLength; off += chunk) yield p.subarray(off, Math.min(p.byteLength, off + chunk));
      continue;
    }
    let rest = p;
    while (rest.byteLength > 0) {
      const take = Math.min(rest.byteLength, chunk - pendingBytes);
      pending.push(rest.subarray(0, take));
      pendingBytes += take;
      rest = rest.subarray(take);
      if (pendingBytes === chunk) yield flush();
    }
  }
  if (pendingBytes) yield flush();
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let pos = 0;
  for (const p of parts) { out.set(p, pos); pos += p.byteLength; }
  return out;
}
