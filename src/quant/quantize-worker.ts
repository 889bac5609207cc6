/**
 * The worker side of the threaded quantize (quantize-threads.ts): quantizes one block of whole
 * rows per message with the fast path and sends the outputs back (transferred, not copied).
 *
 * scripts/gen-quantize-worker.mjs bundles this file and what it imports into one classic script
 * (src/quant/quantize-worker.gen.ts), which Node runs as an eval'd worker_threads Worker and
 * browsers as a Web Worker from a Blob URL; the same text serves dist/, Vite builds and tests.
 * It must not import quantize-threads.ts (the bundle would contain itself).
 */
import { allocRowsOut, quantizeRowsJs, type TensorDecisions } from './quantize-fast.js';
import { checkFinite, planQuantizeShape, type QuantizeOptions } from './quantize-plan.js';
import { wasmCovers, wasmQuantizeRows } from './quantize-wasm.js';
import { getScheme } from './schemes.js';

/** One block of rows to quantize. */
export interface QuantizeJob {
  readonly id: number;
  readonly scheme: string;
  readonly cols: number;
  readonly opts: QuantizeOptions;
  /** The block's rows (w.length / cols of them). */
  readonly w: Float32Array;
  readonly decisions: TensorDecisions;
}

/** The outcome of a job: the block's outputs, or `ok: false` when it met anything it could not finish. */
export type QuantizeJobResult =
  | { readonly id: number; readonly ok: true; readonly codes: Uint32Array; readonly scales: Float32Array; readonly zeros?: Uint8Array; readonly ids?: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly reason: string };

/**
 * Runs one job. A non-finite weight, a scale overflow or any other error yields `ok: false`;
 * the caller then quantizes on its own thread, which raises the reference's error.
 */
export function runQuantizeJob(job: QuantizeJob): QuantizeJobResult {
  try {
    const rows = job.w.length / job.cols;
    const plan = planQuantizeShape(getScheme(job.scheme), rows, job.cols, job.opts);
    const out = allocRowsOut(plan, rows);
    if (wasmCovers(plan)) {
      if (!wasmQuantizeRows(plan, job.w, rows, job.decisions, out)) return { id: job.id, ok: false, reason: 'non-finite weight or scale overflow' };
    } else {
      checkFinite(job.w, job.cols, job.scheme);
      quantizeRowsJs(plan, job.w, rows, job.decisions, out);
    }
    return { id: job.id, ok: true, codes: out.codes, scales: out.scales, ...(out.zeros ? { zeros: out.zeros } : {}), ...(out.ids ? { ids: out.ids } : {}) };
  } catch (err) {
    return { id: job.id, ok: false, reason: (err as Error).message };
  }
}

/** The buffers of a result, for the transfer list. */
export function resultBuffers(r: QuantizeJobResult): ArrayBuffer[] {
  if (!r.ok) return [];
  return [r.codes, r.scales, r.zeros, r.ids].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
}

/** The message port of the worker this script runs in (Node worker_threads or a Web Worker). */
interface Port {
  on(handler: (job: QuantizeJob) => void): void;
  post(msg: QuantizeJobResult, transfer: ArrayBuffer[]): void;
}

interface NodeParentPort {
  on(event: 'message', handler: (msg: QuantizeJob) => void): void;
  postMessage(msg: unknown, transfer: ArrayBuffer[]): void;
}

function workerPort(): Port | undefined {
  const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown }; postMessage?: unknown; addEventListener?: unknown };
  const wt = g.process?.getBuiltinModule?.('node:worker_threads') as { parentPort: NodeParentPort | null } | undefined;
  if (wt) {
    const port = wt.parentPort;
    if (!port) return undefined;
    return { on: (h) => port.on('message', h), post: (m, t) => port.postMessage(m, t) };
  }
  if (typeof g.postMessage === 'function' && typeof g.addEventListener === 'function') {
    const scope = globalThis as unknown as { addEventListener(t: 'message', h: (e: MessageEvent<QuantizeJob>) => void): void; postMessage(m: unknown, t: Transferable[]): void };
    return { on: (h) => scope.addEventListener('message', (e) => h(e.data)), post: (m, t) => scope.postMessage(m, t) };
  }
  return undefined;
}

/** Starts answering jobs when this script runs as a worker (the bundle's entry calls it). */
export function startQuantizeWorker(): void {
  const port = workerPort();
  if (!port) return;
  port.on((job) => {
    const r = runQuantizeJob(job);
    port.post(r, resultBuffers(r));
  });
}
