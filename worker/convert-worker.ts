// The converter's Web Worker entry: exposes the conversion service (src/browser/converter-service.ts)
// with comlink. Started by createConverter() in src/browser/index.ts as a module worker.
//
// Sources arrive by transfer; the zip goes back by transfer (ArrayBuffer) or as a Blob. Progress
// calls go to the page's comlink proxy, throttled by the service; the proxy is released when the
// job ends. Errors cross as typed errors (installErrorTransferHandler).
import { expose, releaseProxy, transfer, type Remote } from "comlink";
import { installErrorTransferHandler } from "../src/browser/comlink-setup.js";
import { createConverterService } from "../src/browser/converter-service.js";
import type { ConvertResult, ConvertSource, ConverterWorkerApi, ProgressCallback, WorkerConvertOptions } from "../src/browser/protocol.js";

installErrorTransferHandler();

// A Content-Security-Policy violation inside the worker is reported on the worker's global scope
// only: log it, so that the page's console (and its tests) see it.
self.addEventListener("securitypolicyviolation", (e) => {
  const v = e as SecurityPolicyViolationEvent;
  console.error(`CSP violation in the converter worker: ${v.violatedDirective} blocked ${v.blockedURI || "(inline)"} at ${v.sourceFile}:${v.lineNumber}:${v.columnNumber}`);
});

const service = createConverterService();

const api: ConverterWorkerApi = {
  async convert(source: ConvertSource, options?: WorkerConvertOptions, onProgress?: ProgressCallback, jobId?: string): Promise<ConvertResult> {
    try {
      const result = await service.convert(source, options, onProgress, jobId);
      return result.zip instanceof ArrayBuffer ? transfer(result, [result.zip]) : result;
    } finally {
      const remote = onProgress as Remote<ProgressCallback> | undefined;
      if (remote && typeof remote[releaseProxy] === "function") remote[releaseProxy]();
    }
  },
  cancel: (jobId: string) => service.cancel(jobId),
  activeJobs: () => service.activeJobs(),
  stats: () => service.stats(),
  describeOnnx: (model: ArrayBuffer) => service.describeOnnx(model),
};

expose(api);
