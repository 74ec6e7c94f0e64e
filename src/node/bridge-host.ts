// A stand-in for the WKWebView host (bridge/apple/), in Node: the same protocol
// (docs/bridge-protocol.md) over a local HTTP origin (127.0.0.1, an ephemeral port), with the
// reference runtime (readPackageZip / readPackageFiles + runPackageContents) in place of Core ML.
// It enforces the same checks as the Swift host: the page's origin, the limits, safe paths in
// file uploads and zip entries (STORE only, CRC-32 checked), sequential chunk offsets; and it
// keeps incoming packages in a private temporary folder that it empties as it goes.
//
//   const host = await startBridgeHost({ allowedOrigins: ["http://127.0.0.1:5173"] });
//   // page: new CoreMLBridge({ baseUrl: host.url })
//   await host.close();
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { appendFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import {
  BridgeError, COMPUTE_UNITS, DEFAULT_LIMITS, ERROR_STATUS, FUNCTION_NAME_PATTERN, MAX_JSON_BYTES, PROTOCOL_NAME, PROTOCOL_VERSION,
  decodeTensorMessage, encodeTensorMessage,
  type BeginUploadRequest, type BridgeInfo, type BridgeLimits, type BridgeTensor, type ComputeUnits, type ControlMessage,
  type ControlReply, type HostErrorCode, type LoadResponse, type TensorDescription, type UploadFileEntry, type WireDataType,
} from "../bridge/protocol.js";
import { PackageFormatError, WebNNCoreMLError } from "../errors.js";
import { readPackageFiles, readPackageZip, type ReadPackage } from "../packaging/reader.js";
import { runPackageContents, type WebNNTensor } from "../run-package.js";
import { functionBoundaryOf } from "../serialization/model-reader.js";
import { checkFileList, checkStoreZip } from "./bridge-package-checks.js";
import type { FunctionBoundary } from "../mil/model.js";

export const HOST_NAME = "webnn-coreml-node-standin/0.1.0";

export { checkFileList, checkStoreZip, type StoreZipEntry } from "./bridge-package-checks.js";

export interface BridgeHostOptions {
  /** Origins allowed to use the bridge ("scheme://host[:port]"), or a predicate; default: only the host's own origin. */
  allowedOrigins?: readonly string[] | ((origin: string) => boolean);
  limits?: Partial<BridgeLimits>;
  /** Port on 127.0.0.1; default 0 (an ephemeral port). */
  port?: number;
  /** Where the private temporary folder is made; default os.tmpdir(). */
  tempRoot?: string;
  /** Serves paths outside /v1/ (a test page, scripts); return true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

export interface BridgeHostState {
  uploads: number;
  models: number;
  /** Entries left in the private temporary folder. */
  tempEntries: string[];
}

export interface BridgeHost {
  /** Base URL for CoreMLBridge: http://127.0.0.1:PORT */
  url: string;
  origin: string;
  port: number;
  limits: BridgeLimits;
  tempDir: string;
  state(): Promise<BridgeHostState>;
  /** Stops the server, drops every upload and model, deletes the temporary folder. */
  close(): Promise<void>;
}

interface Upload {
  id: string;
  name: string;
  format: "zip" | "files";
  size: number;
  files: UploadFileEntry[];
  received: number;
  dir: string;
  busy: boolean;
  timer?: NodeJS.Timeout;
}

interface LoadedModel {
  id: string;
  name: string;
  computeUnits: ComputeUnits;
  read: ReadPackage;
  /** The function requested, and its boundary (the default function's when none was named). */
  functionName?: string;
  boundary: FunctionBoundary;
}

const fail = (code: HostErrorCode, message: string): never => { throw new BridgeError(code, message); };

/**
 * Maps any failure to a protocol error. Only the project's own errors carry their message to the
 * page; anything else (a TypeError, a RangeError from an allocation) becomes "internal" with its
 * class name only, so that the host's internals never reach a page.
 */
export function toBridgeError(e: unknown, fallback: HostErrorCode = "internal"): BridgeError {
  if (e instanceof BridgeError) return e;
  if (e instanceof PackageFormatError) {
    if (e.rule === "path-traversal") return new BridgeError("unsafe-path", e.message);
    if (e.rule === "zip" || e.rule === "zip-crc" || e.rule === "package") return new BridgeError("invalid-package", e.message);
    return new BridgeError("compile-failed", e.message);
  }
  if (e instanceof WebNNCoreMLError) return new BridgeError(fallback, e.message);
  const kind = e instanceof Error && /^\w{1,40}$/.test(e.name) ? e.name : "unknown";
  return new BridgeError("internal", `the host failed (${kind})`);
}

/** A decimal non-negative integer written plainly (no "0x64", "1e3", "+5", " 7"). */
export function parseOffset(text: string | null): number | undefined {
  if (text === null || !/^(0|[1-9][0-9]{0,15})$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Runs tasks one at a time, in arrival order. */
function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

export async function startBridgeHost(options: BridgeHostOptions = {}): Promise<BridgeHost> {
  const limits: BridgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const tempDir = mkdtempSync(join(options.tempRoot ?? tmpdir(), "webnn-coreml-bridge-")); // mode 0700
  const uploads = new Map<string, Upload>();
  const models = new Map<string, LoadedModel>();
  let loading = 0; // loads in progress count against maxModels
  const predictions = serialQueue();
  let ownOrigin = "";
  const allowed = (origin: string | undefined): boolean => {
    if (!origin || origin === "null") return false;
    const a = options.allowedOrigins;
    if (a === undefined) return origin === ownOrigin;
    return typeof a === "function" ? a(origin) : a.includes(origin);
  };

  // ---------------------------------------------------------------- uploads

  const dropUpload = async (u: Upload) => {
    if (u.timer) clearTimeout(u.timer);
    uploads.delete(u.id);
    await rm(u.dir, { recursive: true, force: true });
  };
  const touch = (u: Upload) => {
    if (u.timer) clearTimeout(u.timer);
    u.timer = setTimeout(() => { void dropUpload(u); }, limits.uploadIdleSeconds * 1000);
    u.timer.unref();
  };

  /** The file path of a package file of upload `u`, checked to stay inside its folder. */
  const filePath = (u: Upload, path: string) => {
    const root = resolve(u.dir, "package");
    const p = resolve(root, ...path.split("/"));
    if (!p.startsWith(root + sep)) fail("unsafe-path", `file path ${JSON.stringify(path)} leaves the package folder`);
    return p;
  };

  async function beginUpload(body: unknown) {
    const r = body as Partial<BeginUploadRequest> & { files?: unknown };
    if (!r || typeof r !== "object") fail("bad-request", "expected a JSON object");
    if (r.format !== "zip" && r.format !== "files") fail("bad-request", 'format must be "zip" or "files"');
    if (typeof r.size !== "number" || !Number.isSafeInteger(r.size) || r.size <= 0) fail("bad-request", "size must be a positive integer");
    const size = r.size as number;
    if (size > limits.maxPackageBytes) fail("package-too-large", `the package is ${size} bytes, over the limit of ${limits.maxPackageBytes}`);
    const name = typeof r.name === "string" && r.name.length <= 200 ? r.name.replace(/[^\w .-]+/g, "_") || "Model" : fail("bad-request", "name must be a string of at most 200 characters");
    let files: UploadFileEntry[] = [];
    if (r.format === "files") {
      if (!Array.isArray(r.files)) fail("bad-request", "files must be an array of { path, size }");
      files = checkFileList(r.files as unknown[], size, limits.maxFiles);
    }
    // Checked and reserved in one synchronous step: concurrent begins cannot both pass the check.
    if (uploads.size >= limits.maxUploads) fail("too-many-uploads", `${uploads.size} uploads are in progress, the host's limit (maxUploads ${limits.maxUploads})`);
    const id = randomUUID();
    const u: Upload = { id, name, format: r.format as "zip" | "files", size, files, received: 0, dir: join(tempDir, id), busy: false };
    uploads.set(id, u);
    try {
      await mkdir(u.dir, { mode: 0o700 });
      if (u.format === "files") {
        for (const f of files) {
          const p = filePath(u, f.path);
          await mkdir(resolve(p, ".."), { recursive: true });
          await writeFile(p, new Uint8Array(0));
        }
      }
    } catch (e) {
      await dropUpload(u);
      throw toBridgeError(e, "invalid-package");
    }
    touch(u);
    return { uploadId: id, maxChunkBytes: limits.maxChunkBytes };
  }

  /**
   * Claims upload `u` for one chunk before its body is read, so that a refused chunk is never
   * buffered and each upload has at most one chunk (≤ maxChunkBytes) in memory at a time.
   */
  async function claimChunk(u: Upload, offset: number, declared: number | undefined): Promise<void> {
    if (u.busy) fail("bad-offset", "another chunk of this upload is being written");
    if (offset !== u.received) fail("bad-offset", `chunk at offset ${offset}, expected ${u.received}`);
    if (declared !== undefined && u.received + declared > u.size) {
      await dropUpload(u);
      fail(u.received + declared > limits.maxPackageBytes ? "package-too-large" : "bad-offset", `chunk runs past the declared size of ${u.size} bytes; the upload is dropped`);
    }
    u.busy = true;
  }

  /** Writes a claimed chunk; releases the claim whatever happens. */
  async function writeChunk(u: Upload, data: Uint8Array) {
    try {
      if (uploads.get(u.id) !== u) fail("unknown-upload", `upload ${u.id} was dropped while its chunk arrived`);
      if (data.byteLength === 0) fail("bad-request", "empty chunk");
      if (u.received + data.byteLength > u.size) {
        await dropUpload(u);
        fail(u.received + data.byteLength > limits.maxPackageBytes ? "package-too-large" : "bad-offset", `chunk runs past the declared size of ${u.size} bytes; the upload is dropped`);
      }
      if (u.format === "zip") {
        await appendFile(join(u.dir, "package.zip"), data);
      } else {
        // The body continues the files' concatenation in declared order.
        let pos = u.received;
        let rest = data;
        let start = 0;
        for (const f of u.files) {
          const end = start + f.size;
          if (pos < end && rest.byteLength > 0) {
            const take = Math.min(end - pos, rest.byteLength);
            await appendFile(filePath(u, f.path), rest.subarray(0, take));
            rest = rest.subarray(take);
            pos += take;
          }
          start = end;
        }
      }
      u.received += data.byteLength;
    } finally {
      u.busy = false;
    }
    touch(u);
    return { received: u.received };
  }

  async function load(body: unknown): Promise<LoadResponse> {
    const r = body as { uploadId?: unknown; computeUnits?: unknown; functionName?: unknown };
    if (!r || typeof r.uploadId !== "string") fail("bad-request", "uploadId must be a string");
    const functionName = r.functionName as string | undefined;
    const computeUnits = (r.computeUnits ?? "all") as ComputeUnits;
    if (!COMPUTE_UNITS.includes(computeUnits)) fail("bad-request", `computeUnits must be one of ${COMPUTE_UNITS.join(", ")}`);
    const u = uploads.get(r.uploadId as string) ?? fail("unknown-upload", `no upload ${r.uploadId}`);
    // load() consumes the upload, whatever the outcome.
    uploads.delete(u.id);
    if (u.timer) clearTimeout(u.timer);
    let counted = false;
    try {
      if (functionName !== undefined && (typeof functionName !== "string" || !FUNCTION_NAME_PATTERN.test(functionName))) {
        fail("bad-request", "functionName must be an identifier of at most 128 characters");
      }
      if (u.busy || u.received !== u.size) fail("incomplete-upload", `${u.received} of ${u.size} bytes received`);
      if (models.size + loading >= limits.maxModels) fail("too-many-models", `${models.size + loading} models are loaded or loading, the host's limit (maxModels ${limits.maxModels}); unload one first`);
      loading++;
      counted = true;
      let read: ReadPackage;
      if (u.format === "zip") {
        const bytes = new Uint8Array(await readFile(join(u.dir, "package.zip")));
        checkStoreZip(bytes, limits);
        read = await readPackageZip(bytes);
      } else {
        const files = new Map<string, Uint8Array>();
        for (const f of u.files) files.set(f.path, new Uint8Array(await readFile(filePath(u, f.path))));
        read = readPackageFiles(files);
      }
      const p = read.parsed;
      const boundary = functionBoundaryOf(p, functionName);
      if (!boundary) fail("load-failed", `the package has no function "${functionName}" (it has ${[...p.program.functions.keys()].join(", ")})`);
      const id = randomUUID();
      models.set(id, { id, name: u.name, computeUnits, read, functionName, boundary: boundary! });
      const describe = (e: { name: string; dataType: string; shape: number[] }): TensorDescription => ({ name: e.name, dataType: e.dataType as WireDataType, shape: [...e.shape] });
      return { modelId: id, name: u.name, computeUnits, ...(functionName !== undefined ? { functionName } : {}), inputs: boundary!.inputs.map(describe), outputs: boundary!.outputs.map(describe) };
    } catch (e) {
      throw toBridgeError(e, "compile-failed");
    } finally {
      if (counted) loading--;
      await rm(u.dir, { recursive: true, force: true });
    }
  }

  function predict(m: LoadedModel, body: Uint8Array): Uint8Array {
    const given = decodeTensorMessage(body);
    const inputs: Record<string, WebNNTensor> = Object.create(null);
    for (const e of m.boundary.inputs) {
      const t = (Object.hasOwn(given, e.name) ? given[e.name] : undefined) ?? fail("invalid-input", `missing input "${e.name}"`);
      if (t.dataType !== e.dataType) fail("invalid-input", `input "${e.name}": expected ${e.dataType}, got ${t.dataType}`);
      if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
        fail("invalid-input", `input "${e.name}": expected shape [${e.shape.join(", ")}], got [${t.shape.join(", ")}]`);
      }
      inputs[e.name] = t as WebNNTensor;
    }
    for (const name of Object.keys(given)) {
      if (!m.boundary.inputs.some((e) => e.name === name)) fail("invalid-input", `unknown input "${name}"`);
    }
    let outputs: Record<string, WebNNTensor>;
    try {
      outputs = runPackageContents(m.read, inputs, { function: m.functionName });
    } catch (e) {
      throw toBridgeError(e, "prediction-failed");
    }
    const msg = encodeTensorMessage(outputs as Record<string, BridgeTensor>);
    return Buffer.concat(msg.parts, msg.size);
  }

  function info(): BridgeInfo {
    return { protocol: PROTOCOL_NAME, version: PROTOCOL_VERSION, host: HOST_NAME, computeUnits: [...COMPUTE_UNITS], limits: { ...limits }, models: models.size };
  }

  async function unload(modelId: unknown) {
    if (typeof modelId !== "string" || !models.delete(modelId)) fail("unknown-model", `no model ${String(modelId)}`);
    return {};
  }

  async function cancelUpload(uploadId: unknown) {
    const u = (typeof uploadId === "string" && uploads.get(uploadId)) || fail("unknown-upload", `no upload ${String(uploadId)}`);
    await dropUpload(u);
    return {};
  }

  /** The script message handler's operations (the Swift host's WKScriptMessageHandlerWithReply). */
  async function control(m: ControlMessage): Promise<unknown> {
    switch (m?.op) {
      case "info": return info();
      case "unload": return unload(m.modelId);
      case "cancelUpload": return cancelUpload(m.uploadId);
      default: return fail("bad-request", `unknown op ${JSON.stringify((m as { op?: unknown })?.op)}`);
    }
  }

  // ---------------------------------------------------------------- HTTP

  async function route(req: IncomingMessage, res: ServerResponse, segments: string[], query: URLSearchParams, origin: string): Promise<void> {
    const [a, id, action] = segments;
    const json = async () => parseJson(await readBody(req, MAX_JSON_BYTES, "request-too-large"));
    const reply = (value: unknown) => sendJson(res, 200, value, origin);
    if (segments.length === 1 && a === "info") { await readBody(req, MAX_JSON_BYTES, "request-too-large"); return reply(info()); }
    if (segments.length === 1 && a === "message") {
      let r: ControlReply;
      try {
        r = { ok: true, result: await control((await json()) as ControlMessage) };
      } catch (e) {
        const b = toBridgeError(e);
        r = { ok: false, error: { code: b.code, message: b.message } };
      }
      return reply(r);
    }
    if (a === "uploads") {
      if (segments.length === 1) return reply(await beginUpload(await json()));
      const u = uploads.get(id) ?? (await drain(req), fail("unknown-upload", `no upload ${id}`));
      if (segments.length === 3 && action === "chunk") {
        const offset = parseOffset(query.get("offset"));
        if (offset === undefined) { await drain(req); fail("bad-request", "offset must be a non-negative decimal integer"); }
        const declared = declaredLength(req);
        if (declared !== undefined && declared > limits.maxChunkBytes) { await drain(req); fail("chunk-too-large", `the body is ${declared} bytes, over the limit of ${limits.maxChunkBytes}`); }
        try {
          await claimChunk(u, offset as number, declared);
        } catch (e) {
          await drain(req);
          throw e;
        }
        let data: Uint8Array;
        try {
          data = await readBody(req, limits.maxChunkBytes, "chunk-too-large");
        } catch (e) {
          u.busy = false;
          throw e;
        }
        return reply(await writeChunk(u, data));
      }
      if (segments.length === 3 && action === "cancel") { await drain(req); return reply(await cancelUpload(id)); }
    }
    if (a === "models") {
      if (segments.length === 1) return reply(await load(await json()));
      if (segments.length === 3 && action === "predict") {
        const m = models.get(id) ?? (await drain(req), fail("unknown-model", `no model ${id}`));
        // One prediction at a time, its body read only when its turn comes: the others wait
        // unread (TCP holds them), so at most one request body and its outputs are in memory.
        const out = await predictions(async () => predict(m, await readBody(req, limits.maxRequestBytes, "request-too-large")));
        res.writeHead(200, { ...corsHeaders(origin), "Content-Type": "application/octet-stream", "Content-Length": out.byteLength, "Cache-Control": "no-store" });
        res.end(out);
        return;
      }
      if (segments.length === 3 && action === "unload") { await drain(req); return reply(await unload(id)); }
    }
    await drain(req);
    fail("not-found", `no endpoint POST /v1/${segments.join("/")}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : "";
    const m = /^\/v(\d+)\/(.*)$/.exec(url.pathname);
    if (!m) {
      if (options.extraRoutes && (await options.extraRoutes(req, res))) return;
      await drain(req);
      return sendError(res, new BridgeError("not-found", `no endpoint ${url.pathname}`), origin);
    }
    try {
      if (req.method === "OPTIONS") {
        // The client sends only CORS-safelisted requests; answer a preflight anyway, for allowed origins.
        await drain(req);
        if (!allowed(origin)) fail("origin-not-allowed", `origin ${origin || "(none)"} is not allowed`);
        res.writeHead(204, { ...corsHeaders(origin), "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600" });
        res.end();
        return;
      }
      if (m[1] !== String(PROTOCOL_VERSION)) { await drain(req); fail("unsupported-version", `protocol version ${m[1]} is not supported (this host speaks ${PROTOCOL_VERSION})`); }
      if (req.method !== "POST") { await drain(req); fail("bad-request", `use POST (got ${req.method})`); }
      if (!allowed(origin)) { await drain(req); fail("origin-not-allowed", `origin ${origin || "(none)"} is not allowed to use this bridge`); }
      let segments: string[];
      try {
        segments = m[2].split("/").map(decodeURIComponent);
      } catch {
        await drain(req);
        return fail("bad-request", "malformed path");
      }
      await route(req, res, segments, url.searchParams, origin);
    } catch (e) {
      if (!res.headersSent) sendError(res, toBridgeError(e), origin);
      else res.destroy();
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => { if (!res.headersSent) sendError(res, toBridgeError(e), ""); else res.destroy(); });
  });
  await new Promise<void>((ok, ko) => {
    server.once("error", ko);
    server.listen(options.port ?? 0, "127.0.0.1", () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  ownOrigin = `http://127.0.0.1:${port}`;

  return {
    url: ownOrigin,
    origin: ownOrigin,
    port,
    limits,
    tempDir,
    async state() {
      return { uploads: uploads.size, models: models.size, tempEntries: await listTree(tempDir) };
    },
    async close() {
      for (const u of uploads.values()) if (u.timer) clearTimeout(u.timer);
      uploads.clear();
      models.clear();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ HTTP helpers

function corsHeaders(origin: string): Record<string, string> {
  // Reflected for every origin, so that a page can read the error code of a refused request;
  // the host refuses the work itself for origins that are not allowed.
  return origin ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : {};
}

function sendJson(res: ServerResponse, status: number, value: unknown, origin: string): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { ...corsHeaders(origin), "Content-Type": "application/json", "Content-Length": body.byteLength, "Cache-Control": "no-store" });
  res.end(body);
}

function sendError(res: ServerResponse, e: BridgeError, origin: string): void {
  const code = e.code in ERROR_STATUS ? (e.code as HostErrorCode) : "internal";
  sendJson(res, ERROR_STATUS[code], { error: { code, message: e.message } }, origin);
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return fail("bad-request", "the body is not JSON");
  }
}

/** The request's Content-Length, when it has a valid one. */
function declaredLength(req: IncomingMessage): number | undefined {
  const v = req.headers["content-length"];
  return typeof v === "string" ? parseOffset(v) : undefined;
}

/** Reads a body of at most `limit` bytes; over it, reads the rest away and throws `code`. */
async function readBody(req: IncomingMessage, limit: number, code: HostErrorCode): Promise<Uint8Array> {
  const declared = declaredLength(req) ?? 0;
  if (declared > limit) {
    await drain(req);
    fail(code, `the body is ${declared} bytes, over the limit of ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.byteLength;
    if (size > limit) over = true;
    if (!over) chunks.push(c);
  }
  if (over) fail(code, `the body is ${size} bytes, over the limit of ${limit}`);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _ of req as AsyncIterable<Buffer>) { /* discard */ }
}

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    let names: string[];
    try { names = await readdir(d); } catch { return; }
    for (const n of names.sort()) {
      out.push(prefix + n);
      await walk(join(d, n), `${prefix}${n}/`);
    }
  };
  await walk(dir, "");
  return out;
}
