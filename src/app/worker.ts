/**
 * The app's Web Worker: quantization, metrics, kernel checks and GPU benchmarks run here so the
 * page stays responsive; the page cancels a job by terminating the worker and starting a new one.
 */
import { getScheme } from '../quant/schemes.js';
import { evaluateScheme } from '../quant/evaluate.js';
import { sampleActivations } from '../io/sample.js';
import { acquireGpu, type LowbitGpu } from '../gpu/device.js';
import { centralRange, histogram, histogramRange, representativeGroup, sumOfSquares } from './analysis.js';
import { checkCpuKernels, checkGpuKernels, checkWasmKernels, oracle } from './kernel-check.js';
import { wasmThreadsStatus } from '../cpu/wasm-threads.js';
import { verifyMatrix } from '../gpu/verify.js';
import { errorMessage } from './errors.js';
import type { BenchRequest, ValidateRequest, VerifyRequest, WorkerEnvelope, WorkerMessage } from './protocol.js';

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
  const opts = {
    scale: req.scale,
    ...(req.group !== null ? { group: req.group } : {}),
    ...(req.scaleDType !== null ? { scaleDType: req.scaleDType } : {}),
  };
  for (const t of req.tensors) {
    const central = centralRange(t.data);
    const sumSquares = sumOfSquares(t.data);
    const x = req.kernels ? sampleActivations(req.m, t.cols).data : undefined;
    for (const scheme of req.schemes) {
      post({ id, type: 'progress', done, total, label: `${t.name}: quantizing with ${scheme}` });
      let ev;
      try {
        ev = evaluateScheme(t.data, t.rows, t.cols, getScheme(scheme).name, opts);
      } catch (err) {
        post({ id, type: 'eval', row: { ok: false, tensor: t.name, scheme, error: errorMessage(err) } });
        done += 1;
        continue;
      }
      const rep = representativeGroup(ev.qt);
      const range = histogramRange(central, rep.levels);
      post({
        id,
        type: 'eval',
        row: {
          ok: true,
          tensor: t.name,
          scheme,
          rows: ev.rows,
          cols: ev.cols,
          groupSize: ev.groupSize,
          granularity: ev.granularity,
          scaleDType: ev.scaleDType,
          bitsPerWeight: ev.bitsPerWeight,
          metrics: ev.metrics,
          sumSquares,
          variants: ev.variants,
          quantizeMs: ev.quantizeMs,
          hist: histogram(t.data, range.lo, range.hi),
          rep,
        },
      });
      if (x) {
        post({ id, type: 'progress', done: done + 0.5, total, label: `${t.name}: checking ${scheme} kernels against the f64 oracle` });
        const ctx = { tensor: t.name, scheme };
        const ref = oracle(x, ev.qt, req.m);
        for (const row of checkCpuKernels(ctx, ev.qt, x, req.m, ref)) post({ id, type: 'kernel', row });
        for (const row of await checkWasmKernels(ctx, ev.qt, x, req.m, ref)) post({ id, type: 'kernel', row });
        if (gpu) await checkGpuKernels(ctx, gpu, ev.qt, ev.dequantized, x, req.m, ref, (row) => post({ id, type: 'kernel', row }));
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
