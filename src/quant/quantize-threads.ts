/**
 * The threaded quantize: `quantizeParallel` splits W into blocks of whole rows, quantizes them on
 * a pool of workers (Node worker_threads, or Web Workers in browsers) and returns exactly the
 * QuantizedTensor `quantize` returns.
 *
 * Decisions that need the whole tensor are made here first, on this thread, exactly as the
 * single-thread path makes them: the unit of a per-tensor granularity (for mixtures and the clip
 * search that is every candidate's error summed over the whole tensor in element order, a serial
 * pass) and the NVFP4 tensor scale. Groups and channels never cross rows, so the blocks'
 * outputs concatenate. A block that meets a NaN/Inf weight or a scale overflow makes the whole
 * call fall back to the single-thread path, which raises the reference's error.
 *
 * Workers run the bundled script of quantize-worker.ts (quantize-worker.gen.ts): Node starts it
 * with `eval`, browsers from a Blob URL. Blocks are shared when W already lies in a
 * SharedArrayBuffer (no copy on the calling thread then); otherwise they are copied into shared
 * staging buffers reused from call to call (a fresh copy per block costs page faults, several
 * times the copy itself), or, where nothing can be shared, copied and transferred. Idle workers
 * do not keep a Node process alive; `terminateQuantizeWorkers` ends them. Each worker
 * holds up to {@link WORKER_DEPTH} blocks (one running, the next waiting in its message queue), so
 * it does not wait for this thread between blocks. This thread only copies and places: measured
 * on 2 cores, quantizing a share here too made int4 slower than two workers alone.
 */
import { absmaxOf, allocRowsOut, assembleTensor, planChecked, quantizeFast, tensorDecisions, type RowsOut, type TensorDecisions } from './quantize-fast.js';
import { checkFinite, type QuantizeOptions } from './quantize-plan.js';
import type { QuantizeJob, QuantizeJobResult } from './quantize-worker.js';
import { QUANTIZE_WORKER_SOURCE } from './quantize-worker.gen.js';
import { nvfp4TensorScale } from './scale.js';
import { getScheme, type AnySchemeName } from './schemes.js';
import { wordsPerRowFor } from '../format/pack.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';

/** Options of {@link quantizeParallel}: the quantize options plus the number of threads. */
export interface ParallelQuantizeOptions extends QuantizeOptions {
  /** Worker threads (default: the number of logical cores); 1 quantizes on this thread. */
  readonly threads?: number;
}

/** Input bytes below which a tensor is quantized on this thread (workers cost more than they save). */
const MIN_PARALLEL_BYTES = 1 << 20;
/** Blocks per worker: more blocks than workers balance uneven progress (busy cores). */
const BLOCKS_PER_WORKER = 4;
/** Smallest block: about this many input bytes. */
const MIN_BLOCK_BYTES = 256 * 1024;
/** Blocks a worker holds at once: one running and one waiting, so it never waits for the calling thread. */
const WORKER_DEPTH = 2;
const F32_BYTES = 4;

/** A started worker, Node or browser, behind one small interface. */
interface PoolWorker {
  post(job: QuantizeJob, transfer: ArrayBuffer[]): void;
  /** Keeps (true) or stops keeping (false) a Node process alive while this worker exists. */
  hold(on: boolean): void;
  terminate(): Promise<void>;
}

interface NodeWorker {
  on(event: 'message', h: (r: QuantizeJobResult) => void): void;
  on(event: 'error', h: (e: Error) => void): void;
  on(event: 'exit', h: (code: number) => void): void;
  postMessage(msg: unknown, transfer: ArrayBuffer[]): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (code: string, opts: { eval: true; name?: string }) => NodeWorker;

function nodeWorkerCtor(): NodeWorkerCtor | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (p?.getBuiltinModule?.('node:worker_threads') as { Worker?: NodeWorkerCtor } | undefined)?.Worker;
}

type Handlers = { onResult(r: QuantizeJobResult): void; onFailure(message: string): void };

function startWorker(h: Handlers): PoolWorker {
  const NodeCtor = nodeWorkerCtor();
  if (NodeCtor) {
    const w = new NodeCtor(QUANTIZE_WORKER_SOURCE, { eval: true, name: 'lowbit-quantize' });
    w.on('message', (r) => h.onResult(r));
    w.on('error', (e) => h.onFailure(e.message));
    w.on('exit', (code) => h.onFailure(`worker exited (code ${code})`));
    w.unref();
    return {
      post: (job, transfer) => w.postMessage(job, transfer),
      hold: (on) => (on ? w.ref() : w.unref()),
      terminate: async () => {
        await w.terminate();
      },
    };
  }
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL === 'undefined') throw new Error('no worker threads in this runtime');
  const url = URL.createObjectURL(new Blob([QUANTIZE_WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url, { name: 'lowbit-quantize' });
  URL.revokeObjectURL(url);
  w.addEventListener('message', (e: MessageEvent<QuantizeJobResult>) => h.onResult(e.data));
  w.addEventListener('error', (e) => {
    e.preventDefault();
    h.onFailure(e.message || 'the worker failed to start');
  });
  return {
    post: (job, transfer) => w.postMessage(job, transfer),
    hold: () => undefined,
    terminate: async () => w.terminate(),
  };
}

/** One worker of the pool and the jobs posted to it. */
interface Slot {
  worker: PoolWorker;
  /** The jobs posted to it, oldest first (it answers them in order); empty when idle. */
  readonly jobs: Pending[];
}

/** A job waiting for, or running on, a worker. */
interface Pending {
  readonly job: QuantizeJob;
  readonly settle: (r: QuantizeJobResult) => void;
}

const pool: Slot[] = [];
const queue: Pending[] = [];
let nextId = 1;

/** Counters of the threaded quantize since the process started (diagnostics, tests, benchmarks). */
export interface QuantizeThreadsInfo {
  /** Workers in the pool now. */
  readonly workers: number;
  /** Blocks quantized by workers. */
  readonly blocksDone: number;
  /** Calls that fell back to the single-thread path after starting workers, and the last reason. */
  readonly fallbacks: number;
  readonly lastFallbackReason: string;
}
const info = { blocksDone: 0, fallbacks: 0, lastFallbackReason: '' };

/** The threaded quantize's counters. */
export function quantizeThreadsInfo(): QuantizeThreadsInfo {
  return { workers: pool.length, ...info };
}

/** Hands queued jobs to workers with room, the least loaded first. */
function pump(): void {
  for (let depth = 0; depth < WORKER_DEPTH; depth++) {
    for (const slot of pool) {
      if (slot.jobs.length > depth || queue.length === 0) continue;
      const p = queue.shift() as Pending;
      slot.jobs.push(p);
      slot.worker.hold(true);
      // A block of a shared buffer is shared, not copied; a copied block is transferred.
      slot.worker.post(p.job, isShared(p.job.w) ? [] : [p.job.w.buffer as ArrayBuffer]);
    }
  }
}

function addSlot(): void {
  const slot: Slot = { worker: undefined as unknown as PoolWorker, jobs: [] };
  slot.worker = startWorker({
    onResult: (r) => {
      const p = slot.jobs.shift();
      if (slot.jobs.length === 0) slot.worker.hold(false);
      p?.settle(r);
      pump();
    },
    onFailure: (message) => {
      // A worker that failed (or was terminated) leaves the pool; its jobs report the failure.
      const i = pool.indexOf(slot);
      if (i >= 0) pool.splice(i, 1);
      slot.worker.hold(false);
      for (const p of slot.jobs.splice(0)) p.settle({ id: p.job.id, ok: false, reason: message });
      if (pool.length === 0) for (const p of queue.splice(0)) p.settle({ id: p.job.id, ok: false, reason: 'no quantize worker left' });
      pump();
    },
  });
  pool.push(slot);
}

/** Queues a job for the next idle worker. */
function submit(job: QuantizeJob): Promise<QuantizeJobResult> {
  return new Promise((settle) => {
    queue.push({ job, settle });
    pump();
  });
}

/** The default thread count: logical cores (navigator.hardwareConcurrency or os.availableParallelism). */
export function defaultQuantizeThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = p?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}

/** Ends every pooled worker (tests, and callers that want their threads back). */
export async function terminateQuantizeWorkers(): Promise<void> {
  const slots = pool.splice(0);
  stagingCache.length = 0;
  for (const p of queue.splice(0)) p.settle({ id: p.job.id, ok: false, reason: 'quantize workers terminated' });
  await Promise.all(slots.map((s) => s.worker.terminate()));
}

/**
 * Quantizes W[rows, cols] on `threads` workers; the result equals `quantize(w, rows, cols, scheme,
 * opts)` bit for bit, and so do the errors (bad input throws the same messages). Small tensors,
 * a single row, `threads: 1`, and runtimes without workers quantize on this thread.
 */
export async function quantizeParallel(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: ParallelQuantizeOptions = {}): Promise<QuantizedTensor> {
  const { threads: requested, ...qopts } = opts;
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1)) throw new RangeError(`quantizeParallel: threads must be a positive integer, got ${requested}`);
  // llama.cpp's block formats (src/ggml) quantize on this thread.
  if (getScheme(scheme).scaleRule === 'ggml') return quantizeFast(w, rows, cols, scheme, qopts);
  const plan = planChecked(w, rows, cols, scheme, qopts);
  const threads = requested ?? defaultQuantizeThreads();
  if (threads === 1 || rows < 2 || w.length * F32_BYTES < MIN_PARALLEL_BYTES) return quantizeFast(w, rows, cols, scheme, qopts);

  let decisions: TensorDecisions = {};
  if (plan.layout.granularity === 'tensor') {
    checkFinite(w, cols, scheme);
    decisions = tensorDecisions(plan, w);
  } else if (plan.spec.scaleRule === 'nvfp4') {
    // A NaN does not change the tensor scale; the block that holds it reports it.
    decisions = { nvfp4TensorScale: nvfp4TensorScale(absmaxOf(w, 0, w.length)) };
  }
  const blockRows = Math.max(1, Math.ceil(MIN_BLOCK_BYTES / (cols * F32_BYTES)), Math.ceil(rows / (threads * BLOCKS_PER_WORKER)));
  const starts: number[] = [];
  for (let r = 0; r < rows; r += blockRows) starts.push(r);

  const workerCount = Math.min(threads, starts.length);
  try {
    while (pool.length < workerCount) addSlot();
  } catch (err) {
    if (pool.length === 0) {
      info.fallbacks++;
      info.lastFallbackReason = `no worker could start: ${(err as Error).message}`;
      return quantizeFast(w, rows, cols, scheme, qopts);
    }
  }
  const out = allocRowsOut(plan, rows);
  const wpr = wordsPerRowFor(cols, plan.bits);
  let failed = false;
  let next = 0;
  const fail = (reason: string): void => {
    failed = true;
    info.lastFallbackReason = reason;
  };
  // One loop per block a worker may hold: at most `threads` workers' worth of blocks in flight for this call.
  const staging: Float32Array[] = [];
  const drive = async (): Promise<void> => {
    // Weights in a SharedArrayBuffer reach the worker without a copy on this thread; others are
    // copied block by block into this loop's shared staging buffer (reused: a fresh copy per block
    // costs page faults, several times the copy itself).
    const stage = isShared(w) ? undefined : takeStaging(blockRows * cols);
    if (stage) staging.push(stage);
    while (!failed && next < starts.length) {
      const r0 = starts[next++] as number;
      const n = Math.min(blockRows, rows - r0);
      let block = w.subarray(r0 * cols, (r0 + n) * cols);
      if (stage) {
        stage.set(block);
        block = stage.subarray(0, n * cols);
      } else if (!isShared(w)) {
        block = block.slice();
      }
      const r = await submit({ id: nextId++, scheme, cols, opts: qopts, w: block, decisions });
      if (!r.ok) return fail(r.reason);
      info.blocksDone++;
      place(out, r, r0 * wpr, r0 * plan.groupsPerRow);
    }
  };
  const loops = Array.from({ length: Math.min(pool.length, workerCount) * WORKER_DEPTH }, drive);
  try {
    await Promise.all(loops);
  } finally {
    returnStaging(staging);
  }
  // Anything a block could not finish (bad input, a dead worker): the single-thread path either
  // raises the reference's error or produces the tensor.
  if (failed) {
    info.fallbacks++;
    return quantizeFast(w, rows, cols, scheme, qopts);
  }
  return assembleTensor(plan, out, decisions.nvfp4TensorScale ?? 1);
}

/** Staging buffers kept for the next call (shared, so workers read them in place). */
const stagingCache: Float32Array[] = [];
/** Staging bytes kept between calls; a call may use more, returned to the garbage collector after it. */
const STAGING_KEEP_BYTES = 64 << 20;

/**
 * A shared staging buffer of at least `floats` elements, cached or new; undefined where buffers
 * cannot be shared with workers (no SharedArrayBuffer, or a page that is not cross-origin isolated).
 */
function takeStaging(floats: number): Float32Array | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (typeof SharedArrayBuffer === 'undefined' || g.crossOriginIsolated === false) return undefined;
  const i = stagingCache.findIndex((b) => b.length >= floats);
  if (i >= 0) return stagingCache.splice(i, 1)[0] as Float32Array;
  return new Float32Array(new SharedArrayBuffer(floats * F32_BYTES));
}

/** Keeps a call's staging buffers for the next call, the largest first, within {@link STAGING_KEEP_BYTES}. */
function returnStaging(buffers: readonly Float32Array[]): void {
  const all = [...stagingCache, ...buffers].sort((x, y) => y.length - x.length);
  stagingCache.length = 0;
  let bytes = 0;
  for (const b of all) {
    if (bytes + b.byteLength > STAGING_KEEP_BYTES) continue;
    bytes += b.byteLength;
    stagingCache.push(b);
  }
}

/** True when a typed array views a SharedArrayBuffer (it can be posted to workers without a copy). */
function isShared(a: Float32Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/** Copies a block's outputs into the tensor's arrays. */
function place(out: RowsOut, r: Extract<QuantizeJobResult, { ok: true }>, word0: number, group0: number): void {
  out.codes.set(r.codes, word0);
  out.scales.set(r.scales, group0);
  if (out.zeros && r.zeros) out.zeros.set(r.zeros, group0);
  if (out.ids && r.ids) out.ids.set(r.ids, group0);
}
