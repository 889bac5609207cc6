/**
 * The app's Web Worker: quantization, metrics, kernel checks and GPU benchmarks run here so the
 * page stays responsive; the page cancels a job by terminating the worker and starting a new one.
 * The page runs several of these as a pool, one tensor per job: a worker reads its tensor itself
 * from the picked files (only that tensor's bytes), so each worker holds one tensor at a time.
 */
import { getScheme } from '../quant/schemes.js';
import { dequantize, quantize, type QuantizeOptions } from '../quant/quantize.js';
import { bitsBreakdown } from '../format/bits.js';
import { variantHistogram } from '../quant/mixture.js';
import { metricsFromSums, referenceSums, tensorErrorSums } from '../report/error-sums.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { openPickedModel, type PickedModel } from './load-weights.js';
import { sampleActivations } from '../io/sample.js';
import { acquireGpu, type LowbitGpu } from '../gpu/device.js';
import { centralRange, histogram, histogramRange, representativeGroup } from './analysis.js';
import { checkCpuKernels, checkGpuKernels, checkWasmKernels, oracle } from './kernel-check.js';
import { wasmThreadsStatus } from '../cpu/wasm-threads.js';
import { verifyMatrix } from '../gpu/verify.js';
import { errorMessage } from './errors.js';
import type { BenchRequest, ModelFiles, ValidateRequest, VerifyRequest, WorkerEnvelope, WorkerMessage } from './protocol.js';

/** The part of DedicatedWorkerGlobalScope this file uses (tsconfig has the DOM lib, not WebWorker). */
interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerEnvelope>) => void): void;
}

const scope = self as unknown as WorkerScope;
const post = (m: WorkerMessage): void => scope.postMessage(m);

let gpuPromise: Promise<LowbitGpu | string> | undefined;

/** The worker's GPU device, or the reason there is none (acquired once). */
function workerGpu(): Promise<LowbitGpu | string> {
  gpuPromise ??= acquireGpu().catch((err: unknown) => `WebGPU is not available in this worker: ${errorMessage(err)}`);
  return gpuPromise;
}

let openModel: { readonly id: number; readonly model: Promise<PickedModel> } | undefined;

/** The request's model, opened once per model (headers only) and kept for the next jobs. */
function modelOf(m: ModelFiles): Promise<PickedModel> {
  if (openModel?.id !== m.id) {
    const prev = openModel;
    openModel = { id: m.id, model: openPickedModel(m.files) };
    void prev?.model.then((p) => p.close()).catch(() => undefined);
  }
  return openModel.model;
}

const now = (): number => performance.now();

async function validate(id: number, req: ValidateRequest): Promise<void> {
  const total = req.tensors.length * req.schemes.length;
  let done = 0;
  let gpu: LowbitGpu | undefined;
  if (req.kernels && req.useGpu) {
    const g = await workerGpu();
    if (typeof g === 'string') post({ id, type: 'notice', text: `${g}. Checking the CPU kernels only.` });
    else gpu = g;
  }
  if (req.kernels) {
    const threads = wasmThreadsStatus();
    if (!threads.available) post({ id, type: 'notice', text: `The WebAssembly kernels run on one thread: ${threads.reason}.` });
  }
  const opts: QuantizeOptions = {
    scale: req.scale,
    ...(req.group !== null ? { group: req.group } : {}),
    ...(req.scaleDType !== null ? { scaleDType: req.scaleDType } : {}),
  };
  for (const t of req.tensors) {
    const where = { tensor: t.name, shard: t.shard, dtype: t.dtype, rows: t.rows, cols: t.cols };
    let data = t.data;
    if (data === undefined) {
      post({ id, type: 'progress', done, total, label: `${t.name}: reading` });
      try {
        if (!req.model) throw new Error('no model files were sent with the request');
        data = await (await modelOf(req.model)).read(t.name);
      } catch (err) {
        // The tensor cannot be read: every scheme's row says why, and the run goes on.
        for (const scheme of req.schemes) post({ id, type: 'eval', row: { ok: false, ...where, scheme, error: `cannot read the tensor: ${errorMessage(err)}` } });
        done += req.schemes.length;
        continue;
      }
    }
    const w = data;
    const central = centralRange(w);
    const ref = referenceSums(w);
    const x = req.kernels ? sampleActivations(req.m, t.cols).data : undefined;
    for (const scheme of req.schemes) {
      post({ id, type: 'progress', done, total, label: `${t.name}: quantizing with ${scheme}` });
      let qt: QuantizedTensor;
      let quantizeMs: number;
      try {
        const t0 = now();
        qt = quantize(w, t.rows, t.cols, getScheme(scheme).name, opts);
        quantizeMs = now() - t0;
      } catch (err) {
        post({ id, type: 'eval', row: { ok: false, ...where, scheme, error: errorMessage(err) } });
        done += 1;
        continue;
      }
      // The model report's error pass: the same sums and metrics as `lowbit report`, no dequantized copy.
      const sums = tensorErrorSums(w, qt, ref);
      const bits = bitsBreakdown(qt);
      const rep = representativeGroup(qt);
      const range = histogramRange(central, rep.levels);
      post({
        id,
        type: 'eval',
        row: {
          ok: true,
          ...where,
          scheme,
          groupSize: qt.groupSize,
          granularity: qt.granularity,
          scaleDType: qt.scaleDType,
          bitsPerWeight: bits.perWeight,
          totalBits: bits.total,
          metrics: metricsFromSums(sums, ref),
          sums,
          sumSquares: ref.sumRef2,
          variants: variantHistogram(qt),
          quantizeMs,
          hist: histogram(w, range.lo, range.hi),
          rep,
        },
      });
      if (x) {
        post({ id, type: 'progress', done: done + 0.5, total, label: `${t.name}: checking ${scheme} kernels against the f64 oracle` });
        const ctx = { tensor: t.name, scheme };
        const oracleY = oracle(x, qt, req.m);
        for (const row of checkCpuKernels(ctx, qt, x, req.m, oracleY)) post({ id, type: 'kernel', row });
        for (const row of await checkWasmKernels(ctx, qt, x, req.m, oracleY)) post({ id, type: 'kernel', row });
        if (gpu) await checkGpuKernels(ctx, gpu, qt, dequantize(qt), x, req.m, oracleY, (row) => post({ id, type: 'kernel', row }));
      }
      done += 1;
    }
  }
  post({ id, type: 'progress', done: total, total, label: 'done' });
  post({ id, type: 'done', adapter: gpu ? gpu.describe() : null });
}

async function bench(id: number, req: BenchRequest): Promise<void> {
  const g = await workerGpu();
  if (typeof g === 'string') throw new Error(g);
  // Loaded on first use, so the bench suite's modules never stand in the way of validation.
  const { runBench } = await import('./bench-run.js');
  await runBench(g, req, {
    progress: (done, total, label) => post({ id, type: 'progress', done, total, label }),
    row: (row) => post({ id, type: 'bench', row }),
  });
  post({ id, type: 'done', adapter: g.describe() });
}

async function verify(id: number, req: VerifyRequest): Promise<void> {
  const g = await workerGpu();
  if (typeof g === 'string') throw new Error(g);
  let done = 0;
  post({ id, type: 'progress', done, total: req.schemes.length, label: `verifying ${req.schemes[0] ?? ''}` });
  for (const scheme of req.schemes) {
    await verifyMatrix(g, { schemes: [scheme], quick: req.quick, onRow: (row) => post({ id, type: 'verify', row }) });
    done += 1;
    post({ id, type: 'progress', done, total: req.schemes.length, label: `verified ${scheme}` });
  }
  post({ id, type: 'done', adapter: g.describe() });
}

scope.addEventListener('message', (ev) => {
  const { id, request } = ev.data;
  const job = request.kind === 'validate' ? validate(id, request) : request.kind === 'bench' ? bench(id, request) : verify(id, request);
  job.catch((err: unknown) => post({ id, type: 'error', message: errorMessage(err) }));
});
