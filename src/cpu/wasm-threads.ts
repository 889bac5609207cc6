/**
 * Threads for the WebAssembly mpGEMM kernels: a pool of workers (Node worker_threads, or Web
 * Workers in a cross-origin isolated page) that each instantiate the `shared` build of the lowbit
 * module over the arena's shared WebAssembly.Memory and run shares of a {@link WasmCall}.
 *
 * How a call runs ({@link runCallOnThreads}):
 * - output rows [0, call.rows) are cut into chunks at multiples of call.rowAlign, about
 *   {@link CHUNKS_PER_THREAD} per thread, large first and small last ({@link chunkRows}); every
 *   thread (the workers and, by default, the calling thread) takes the next chunk from a shared
 *   counter (Atomics.add) until none is left, so a thread slowed by a busy core takes fewer
 *   chunks, and the threads finish within a small chunk of each other;
 * - the workers get the call by postMessage (function name, numeric arguments, chunking), and a
 *   worker still polling after its last call (up to {@link WORKER_SPIN_MS}) takes it at once from
 *   a record in the pool's SharedArrayBuffer instead (ignoring the message when it comes); each
 *   signals completion by adding to a done counter in that buffer and notifying it;
 *   the caller waits with Atomics.waitAsync (allowed on a browser main thread, unlike
 *   Atomics.wait), or for 'done' messages where waitAsync is missing;
 * - each output row is computed whole by one thread, with the same code as on one thread, so the
 *   output is bit-identical for every thread count.
 *
 * Workers run a small inline script ({@link WORKER_SOURCE}): Node starts it with `eval`, browsers
 * from a Blob URL; the compiled WebAssembly.Module and the shared Memory are posted to it (no
 * bundle). Idle workers do not keep a Node process alive; {@link terminateWasmThreads} ends them.
 * A kernel that traps in a worker rejects the call with the worker's message; a worker that dies
 * rejects it too. Where threads cannot run (a page without crossOriginIsolated, hence without
 * SharedArrayBuffer; a runtime without workers), calls run on one thread and a notice is printed
 * once ({@link wasmThreadsStatus} says why).
 */
import { compileWasm } from './wasm-module.js';
import { WasmArena, type WasmCall, type WasmKernelImpl } from './wasm-arena.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';

/**
 * Chunks per thread: more chunks than threads balance uneven progress (shared or busy cores). Six
 * (with the shrinking sizes of chunkRows) against four equal ones: 400 back-to-back int4 g32
 * 4096 x 4096 GEMVs on 2 threads, three rounds alternating the pools, one-thread time over
 * two-thread time 1.85-2.09 against 1.57-1.75.
 */
export const CHUNKS_PER_THREAD = 6;

/**
 * Control words (Int32Array indices) of the pool's SharedArrayBuffer, 64 bytes apart so the
 * counters every thread writes do not share a cache line: the next chunk to take, the number of
 * workers done with the current call, an error flag, then one word per worker holding the
 * sequence number of the last call it finished.
 */
const CTRL_NEXT = 0;
const CTRL_DONE = 16;
const CTRL_ERR = 32;
const CTRL_SEQ0 = 48;
/** Most workers one pool holds (the per-worker words after CTRL_SEQ0). */
export const MAX_WASM_THREADS = 256;
/**
 * A call offered to polling workers (see WORKER_SPIN_MS): the sequence number of the latest
 * offer, a count of offers the workers took, then per worker the sequence number of the call it
 * is offered (a worker runs an offer only when its word equals the latest one), then the call's
 * record as f64 at CTRL_CALL (word index; byte offset 8-aligned): export index, rows, rowAlign,
 * units, nChunks, nArgs, args. The record is the latest offer's: the caller writes the next one
 * only after every worker offered this one has counted it done.
 */
const CTRL_POSTED = CTRL_SEQ0 + MAX_WASM_THREADS;
const CTRL_TAKEN = CTRL_POSTED + 1;
const CTRL_OFFER0 = CTRL_POSTED + 16;
const CTRL_CALL = CTRL_OFFER0 + MAX_WASM_THREADS;
/** Most kernel arguments an offered call carries (more: the call goes by message only). */
const MAX_OFFER_ARGS = 48;
const CALL_HEAD = 6;
const F64_WORDS = 2;
const CTRL_WORDS = CTRL_CALL + (CALL_HEAD + MAX_OFFER_ARGS) * F64_WORDS;
const I32_BYTES = 4;
/**
 * How long a worker keeps polling for the next call after finishing one, before it goes back to
 * waiting for a message. A worker that waits for a message lets its core idle, and waking it (a
 * postMessage, then the OS, on a VM also the hypervisor) took 25-40 us a call on the 2-core VM of
 * docs/BENCHMARKS.md, and in some runs so long that the caller ran nearly every chunk itself;
 * back-to-back calls (a model's GEMVs, a benchmark) find the worker polling instead. The cost: a
 * worker keeps its core busy for up to this long after the last call of a burst.
 */
export const WORKER_SPIN_MS = 1;
/**
 * How long the calling thread polls the done counter, after its last chunk, before it waits with
 * Atomics.waitAsync: a waitAsync wake comes through the event loop, tens of microseconds later,
 * while the workers' last chunks are the short ones (chunkRows) and usually end within this
 * time. Polling first: int4 g32 4096 x 4096 GEMVs on 2 threads, two runs of 8 pairs of
 * alternating processes (400 calls each), median per-pair time ratio 0.946 and 0.942.
 */
export const CALLER_SPIN_MS = 0.5;
/** How long a failed call waits for the worker's error message (posted before it counted itself done). */
const ERROR_MESSAGE_WAIT_MS = 2000;

/**
 * The first row of chunk i of nChunks over `units` units of rowAlign rows (chunkRows). Its source
 * is also the worker script's (WORKER_SOURCE embeds it), so it uses nothing from outside itself.
 */
function chunkEdge(i: number, nChunks: number, units: number, rows: number, rowAlign: number): number {
  return Math.min(rows, Math.floor(units * (1 - ((nChunks - i) / nChunks) ** 2)) * rowAlign);
}

/**
 * The worker's script (plain JavaScript, run by Node's `eval` worker or from a Blob URL). It keeps
 * one instance of the module over the posted memory; on 'run' it takes chunks from the shared
 * counter and calls the kernel over each chunk's rows, then records the call's sequence number,
 * adds one to the done counter and notifies it. An exception is posted (before the done count,
 * so the caller finds the message once it wakes) and raises the error flag. After a call it polls
 * the control buffer for an offered call for up to WORKER_SPIN_MS and runs it the same way; the
 * 'run' message of a call it already ran is ignored.
 */
export const WORKER_SOURCE = `'use strict';
const nodePort = typeof require === 'function' ? require('node:worker_threads').parentPort : null;
const post = nodePort ? (m) => nodePort.postMessage(m) : (m) => self.postMessage(m);
let instance = null;
let initError = '';
let ctrl = null;
let call = null;
let exportNames = [];
let lastSeq = 0;
function abort() { throw new Error('a kernel aborted (internal error)'); }
function onMessage(msg) {
  if (msg.type === 'init') {
    ctrl = new Int32Array(msg.ctrl);
    call = new Float64Array(msg.ctrl, ${CTRL_CALL * I32_BYTES}, ${CALL_HEAD + MAX_OFFER_ARGS});
    exportNames = WebAssembly.Module.exports(msg.module).map((e) => e.name);
    try {
      instance = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory, abort } });
      initError = '';
    } catch (e) {
      instance = null;
      initError = 'the module did not instantiate in the worker: ' + (e && e.message ? e.message : String(e));
    }
    return;
  }
  if (msg.type !== 'run' || msg.seq <= lastSeq) return;
  run(msg);
  spin(msg.slot);
}
function spin(slot) {
  let until = performance.now() + ${WORKER_SPIN_MS};
  while (performance.now() < until) {
    const seq = Atomics.load(ctrl, ${CTRL_POSTED});
    if (seq <= lastSeq || Atomics.load(ctrl, ${CTRL_OFFER0} + slot) !== seq) continue;
    Atomics.add(ctrl, ${CTRL_TAKEN}, 1);
    run({ seq, slot, fn: exportNames[call[0]], rows: call[1], rowAlign: call[2], units: call[3], nChunks: call[4], args: Array.from(call.subarray(${CALL_HEAD}, ${CALL_HEAD} + call[5])), reply: false });
    until = performance.now() + ${WORKER_SPIN_MS};
  }
}
const chunkEdge = ${chunkEdge.toString()};
function run(msg) {
  lastSeq = msg.seq;
  let error = '';
  try {
    if (!instance) throw new Error(initError || 'the worker has no module');
    const f = instance.exports[msg.fn];
    if (typeof f !== 'function') throw new Error('the module has no kernel ' + msg.fn);
    const a = msg.args.concat([0, 0]);
    const last = a.length - 1;
    for (;;) {
      const c = Atomics.add(ctrl, ${CTRL_NEXT}, 1);
      if (c >= msg.nChunks) break;
      a[last - 1] = chunkEdge(c, msg.nChunks, msg.units, msg.rows, msg.rowAlign);
      a[last] = chunkEdge(c + 1, msg.nChunks, msg.units, msg.rows, msg.rowAlign);
      f.apply(null, a);
    }
  } catch (e) {
    error = e && e.message ? e.message : String(e);
  }
  if (error) {
    Atomics.store(ctrl, ${CTRL_ERR}, 1);
    post({ type: 'error', seq: msg.seq, message: error });
  }
  Atomics.store(ctrl, ${CTRL_SEQ0} + msg.slot, msg.seq);
  Atomics.add(ctrl, ${CTRL_DONE}, 1);
  Atomics.notify(ctrl, ${CTRL_DONE});
  if (msg.reply) post({ type: 'done', seq: msg.seq });
}
if (nodePort) nodePort.on('message', onMessage);
else self.onmessage = (e) => onMessage(e.data);
`;

/**
 * Rows [n0, n1) of chunk `c` of `nChunks` (the worker script runs chunkEdge too): chunk edges at
 * units * (1 - ((nChunks - c) / nChunks)^2), so sizes shrink linearly from about 2/nChunks of the
 * rows to 1/nChunks^2 and the last chunks, taken when the other threads are finishing too, are
 * short.
 */
export function chunkRows(c: number, nChunks: number, rows: number, rowAlign: number): [number, number] {
  const units = Math.ceil(rows / rowAlign);
  return [chunkEdge(c, nChunks, units, rows, rowAlign), chunkEdge(c + 1, nChunks, units, rows, rowAlign)];
}

type WorkerReply = { type: 'error'; seq: number; message: string } | { type: 'done'; seq: number };

/** A started worker, Node or browser, behind one small interface. */
interface PoolWorker {
  post(msg: unknown): void;
  /** Keeps (true) or stops keeping (false) a Node process alive while this worker exists. */
  hold(on: boolean): void;
  terminate(): Promise<void>;
}

interface NodeWorker {
  on(event: 'message', h: (r: WorkerReply) => void): void;
  on(event: 'error', h: (e: Error) => void): void;
  on(event: 'exit', h: (code: number) => void): void;
  postMessage(msg: unknown): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (code: string, opts: { eval: true; name?: string }) => NodeWorker;

function nodeBuiltin<T>(id: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return p?.getBuiltinModule?.(id) as T | undefined;
}

function nodeWorkerCtor(): NodeWorkerCtor | undefined {
  return nodeBuiltin<{ Worker?: NodeWorkerCtor }>('node:worker_threads')?.Worker;
}

interface WorkerEvents {
  onReply(r: WorkerReply): void;
  onDeath(reason: string): void;
}

function startWorker(h: WorkerEvents): PoolWorker {
  const NodeCtor = nodeWorkerCtor();
  if (NodeCtor) {
    const w = new NodeCtor(WORKER_SOURCE, { eval: true, name: 'lowbit-wasm' });
    w.on('message', (r) => h.onReply(r));
    w.on('error', (e) => h.onDeath(e.message));
    w.on('exit', (code) => h.onDeath(`the worker exited (code ${code})`));
    w.unref();
    return {
      post: (msg) => w.postMessage(msg),
      hold: (on) => (on ? w.ref() : w.unref()),
      terminate: async () => {
        await w.terminate();
      },
    };
  }
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL === 'undefined') throw new Error('this runtime has no worker threads');
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url, { name: 'lowbit-wasm' });
  URL.revokeObjectURL(url);
  w.addEventListener('message', (e: MessageEvent<WorkerReply>) => h.onReply(e.data));
  w.addEventListener('error', (e) => {
    e.preventDefault();
    h.onDeath(e.message || 'the worker failed to start');
  });
  return {
    post: (msg) => w.postMessage(msg),
    hold: () => undefined,
    terminate: async () => w.terminate(),
  };
}

/** One worker of the pool. */
interface Slot {
  /** Its word in the control buffer (CTRL_SEQ0 + index). */
  index: number;
  worker: PoolWorker;
  /** The memory and module the worker's instance was made over (re-posted when they change). */
  memory: WebAssembly.Memory | undefined;
  module: WebAssembly.Module | undefined;
  dead: boolean;
}

/** The call in flight: what the pool's event handlers report into. */
interface InFlight {
  readonly seq: number;
  readonly slots: readonly Slot[];
  readonly errors: string[];
  /** Wakes the caller (a message or a death arrived). */
  wake: () => void;
}

const ctrlBuffer: SharedArrayBuffer | undefined = typeof SharedArrayBuffer === 'undefined' ? undefined : new SharedArrayBuffer(CTRL_WORDS * I32_BYTES);
const ctrl = ctrlBuffer ? new Int32Array(ctrlBuffer) : new Int32Array(0);
/** The offered call's record (CTRL_CALL). */
const callRecord = ctrlBuffer ? new Float64Array(ctrlBuffer, CTRL_CALL * I32_BYTES, CALL_HEAD + MAX_OFFER_ARGS) : new Float64Array(0);
const exportIndexes = new WeakMap<WebAssembly.Module, readonly string[]>();

/** The index of export `fn` in the module's export list (the worker reads the same list), or -1. */
function exportIndex(module: WebAssembly.Module, fn: string): number {
  let names = exportIndexes.get(module);
  if (!names) {
    names = WebAssembly.Module.exports(module).map((e) => e.name);
    exportIndexes.set(module, names);
  }
  return names.indexOf(fn);
}
const slots: Slot[] = [];
let inFlight: InFlight | undefined;
let seqCounter = 0;
/** Calls run one after another (they share the control words). */
let queue: Promise<void> = Promise.resolve();
const info = { calls: 0, threadedCalls: 0, chunksOnWorkers: 0, chunksOnCaller: 0 };

/** Counters of the pool since the process started (diagnostics, tests, the benchmark's notes). */
export interface WasmThreadsInfo {
  /** Live workers in the pool. */
  readonly workers: number;
  /** Calls run through {@link runCallOnThreads}, and those that used at least one worker. */
  readonly calls: number;
  readonly threadedCalls: number;
  /** Chunks the workers ran, and chunks the calling thread ran. */
  readonly chunksOnWorkers: number;
  readonly chunksOnCaller: number;
  /** Calls a worker took from the shared offer while polling (the rest came by message). */
  readonly offersTaken: number;
}

/** The pool's counters. */
export function wasmThreadsInfo(): WasmThreadsInfo {
  return { workers: slots.filter((s) => !s.dead).length, ...info, offersTaken: ctrl.length > 0 ? Atomics.load(ctrl, CTRL_TAKEN) : 0 };
}

/** The default thread count: the logical cores (navigator.hardwareConcurrency, os.availableParallelism). */
export function defaultWasmThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  return nodeBuiltin<{ availableParallelism?: () => number }>('node:os')?.availableParallelism?.() ?? 1;
}

let statusCache: { readonly available: boolean; readonly reason: string } | undefined;

/**
 * Whether WebAssembly kernels can run on several threads here, and if not, why: they need
 * SharedArrayBuffer and a shared WebAssembly.Memory (in a browser: a cross-origin isolated page,
 * served with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
 * require-corp`), Atomics.notify, and worker threads.
 */
export function wasmThreadsStatus(): { readonly available: boolean; readonly reason: string } {
  if (statusCache) return statusCache;
  const g = globalThis as { crossOriginIsolated?: boolean };
  let reason = '';
  if (g.crossOriginIsolated === false) reason = 'the page is not cross-origin isolated (no SharedArrayBuffer); serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
  else if (!ctrlBuffer || typeof Atomics === 'undefined') reason = 'this runtime has no SharedArrayBuffer or Atomics';
  else if (typeof WebAssembly === 'undefined') reason = 'this runtime has no WebAssembly';
  else if (!nodeWorkerCtor() && (typeof Worker === 'undefined' || typeof Blob === 'undefined')) reason = 'this runtime has no worker threads';
  else {
    try {
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    } catch (err) {
      reason = `this runtime cannot create a shared WebAssembly.Memory (${(err as Error).message})`;
    }
  }
  statusCache = { available: reason === '', reason };
  return statusCache;
}

let noticed = false;
/** Prints, once per process or page, why threaded calls run on one thread. */
function noticeOnce(reason: string): void {
  if (noticed) return;
  noticed = true;
  console.warn(`lowbit wasm: running WebAssembly kernels on one thread: ${reason}`);
}

/**
 * The thread count a call will use: `requested` (validated) or the default, reduced to 1 where
 * threads cannot run (with a notice, once).
 */
export function resolveWasmThreads(requested: number | undefined): number {
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1)) throw new RangeError(`lowbit wasm: threads must be a positive integer, got ${requested}`);
  if (requested !== undefined && requested > MAX_WASM_THREADS) throw new RangeError(`lowbit wasm: threads must be at most ${MAX_WASM_THREADS}, got ${requested}`);
  const want = requested ?? Math.min(MAX_WASM_THREADS, defaultWasmThreads());
  if (want === 1) return 1;
  const st = wasmThreadsStatus();
  if (!st.available) {
    noticeOnce(st.reason);
    return 1;
  }
  return want;
}

/**
 * Multiply-adds (M N K) below which a call with the default thread count runs on one thread:
 * handing a call to the workers costs tens of microseconds (about 20-40 us measured on the
 * 2-core development VM in Node and Chromium), about what a SIMD kernel needs for this much work.
 */
export const MIN_THREADED_MACS = 1 << 20;

/**
 * The thread count of a kernel call of `macs` multiply-adds: `requested` when given (validated),
 * else the logical cores, or 1 below {@link MIN_THREADED_MACS}; 1 where threads cannot run.
 */
export function wasmThreadsFor(requested: number | undefined, macs: number): number {
  if (requested === undefined && macs < MIN_THREADED_MACS) return 1;
  return resolveWasmThreads(requested);
}

let sharedArena: Promise<WasmArena> | undefined;

/** The shared-memory arena threaded calls share, created on first use. */
export function sharedWasmArena(): Promise<WasmArena> {
  if (!sharedArena) {
    sharedArena = WasmArena.create('shared');
    sharedArena.catch(() => (sharedArena = undefined));
  }
  return sharedArena;
}

function addSlot(index: number): Slot {
  const slot: Slot = { index, worker: undefined as unknown as PoolWorker, memory: undefined, module: undefined, dead: false };
  slot.worker = startWorker({
    onReply: (r) => {
      const f = inFlight;
      if (!f || r.seq !== f.seq) return;
      if (r.type === 'error') f.errors.push(`worker ${slot.index + 1}: ${r.message}`);
      f.wake();
    },
    onDeath: (reason) => markDead(slot, reason),
  });
  return slot;
}

/**
 * Takes a dead (or terminated) worker out of the pool; when it had not finished the call in
 * flight, counts it done on its behalf (so the caller stops waiting) and records why.
 */
function markDead(slot: Slot, reason: string): void {
  if (slot.dead) return;
  slot.dead = true;
  slot.worker.hold(false);
  const f = inFlight;
  if (f && f.slots.includes(slot) && Atomics.load(ctrl, CTRL_SEQ0 + slot.index) !== f.seq) {
    f.errors.push(`worker ${slot.index + 1} stopped: ${reason}`);
    Atomics.store(ctrl, CTRL_SEQ0 + slot.index, f.seq);
    Atomics.store(ctrl, CTRL_ERR, 1);
    Atomics.add(ctrl, CTRL_DONE, 1);
    Atomics.notify(ctrl, CTRL_DONE);
    f.wake();
  }
}

/** `count` live workers (started as needed; dead ones are replaced). */
function liveSlots(count: number): Slot[] {
  for (let i = 0; i < Math.min(count, slots.length); i++) if ((slots[i] as Slot).dead) slots[i] = addSlot(i);
  while (slots.length < count) slots.push(addSlot(slots.length));
  return slots.slice(0, count);
}

/** Ends every pooled worker (tests, and callers that want their threads back). */
export async function terminateWasmThreads(): Promise<void> {
  const all = slots.splice(0);
  for (const s of all) markDead(s, 'the pool was terminated');
  await Promise.all(all.map((s) => s.worker.terminate()));
}

/** Options of {@link runCallOnThreads}. */
export interface ThreadCallOptions {
  /** The compiled module the arena runs (default: the lowbit module of the arena's build). */
  readonly module?: WebAssembly.Module;
  /** Whether the calling thread runs chunks too (default true); false leaves every chunk to the workers. */
  readonly callerShare?: boolean;
}

type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<string> | string };

/** Atomics.waitAsync where the runtime has it (looked up per call). */
function waitAsyncFn(): WaitAsync | undefined {
  return (Atomics as { waitAsync?: WaitAsync }).waitAsync;
}

/** Waits until `target` workers have counted themselves done (or died): polls for CALLER_SPIN_MS, then waits. */
async function waitDone(f: InFlight, target: number, waitAsync: WaitAsync | undefined): Promise<void> {
  const spinUntil = performance.now() + CALLER_SPIN_MS;
  while (Atomics.load(ctrl, CTRL_DONE) < target && performance.now() < spinUntil);
  for (;;) {
    const done = Atomics.load(ctrl, CTRL_DONE);
    if (done >= target) return;
    const woken = new Promise<void>((resolve) => {
      f.wake = resolve;
    });
    if (waitAsync) {
      const r = waitAsync(ctrl, CTRL_DONE, done);
      await (r.async ? Promise.race([r.value as Promise<string>, woken]) : undefined);
    } else {
      // No waitAsync: the workers also reply with 'done' messages, which wake us.
      await woken;
    }
  }
}

/**
 * Runs `call` over its rows [0, call.rows) on `threads` threads (default: the logical cores):
 * the calling thread and threads - 1 workers (all `threads` as workers with callerShare false),
 * each instantiating the arena's module over its shared memory. Resolves with the number of
 * threads that took part once every row is written. The arena must be a `shared` one when more
 * than one thread runs; where threads cannot run, the call runs here (a notice is printed once).
 */
export async function runCallOnThreads(arena: WasmArena, call: WasmCall, threads?: number, opts: ThreadCallOptions = {}): Promise<number> {
  if (!(Number.isInteger(call.rows) && call.rows >= 0)) throw new RangeError(`lowbit wasm: call.rows must be a non-negative integer, got ${call.rows}`);
  if (!(Number.isInteger(call.rowAlign) && call.rowAlign >= 1)) throw new RangeError(`lowbit wasm: call.rowAlign must be a positive integer, got ${call.rowAlign}`);
  const n = resolveWasmThreads(threads);
  const callerShare = opts.callerShare ?? true;
  const units = Math.ceil(call.rows / call.rowAlign);
  info.calls++;
  if (callerShare && (n === 1 || units <= 1)) {
    if (call.rows > 0) arena.run(call, 0, call.rows);
    info.chunksOnCaller += call.rows > 0 ? 1 : 0;
    return 1;
  }
  if (!(typeof SharedArrayBuffer !== 'undefined' && arena.memory.buffer instanceof SharedArrayBuffer)) {
    throw new Error("lowbit wasm: threaded calls need an arena over a shared memory (WasmArena.create('shared'))");
  }
  const module = opts.module ?? (await compileWasm(arena.build));
  const nChunks = Math.min(units, n * CHUNKS_PER_THREAD);
  const workerCount = Math.min(callerShare ? n - 1 : n, nChunks);

  // One call at a time: the control words are the pool's.
  const prev = queue;
  let unlock = (): void => undefined;
  queue = new Promise<void>((r) => {
    unlock = r;
  });
  await prev;
  try {
    const mine = liveSlots(workerCount);
    const seq = ++seqCounter;
    const f: InFlight = { seq, slots: mine, errors: [], wake: () => undefined };
    Atomics.store(ctrl, CTRL_NEXT, 0);
    Atomics.store(ctrl, CTRL_DONE, 0);
    Atomics.store(ctrl, CTRL_ERR, 0);
    inFlight = f;
    const waitAsync = waitAsyncFn();
    const reply = !waitAsync;
    // Offer the call to workers still polling after their last call (they skip its message); a
    // worker being sent a new module or memory takes it by message, after the init.
    const fnIndex = reply || call.args.length > MAX_OFFER_ARGS ? -1 : exportIndex(module, call.fn);
    if (fnIndex >= 0) {
      callRecord.set([fnIndex, call.rows, call.rowAlign, units, nChunks, call.args.length]);
      callRecord.set(call.args, CALL_HEAD);
    }
    for (const s of mine) {
      if (s.memory !== arena.memory || s.module !== module) {
        s.worker.post({ type: 'init', module, memory: arena.memory, ctrl: ctrlBuffer });
        s.memory = arena.memory;
        s.module = module;
      } else if (fnIndex >= 0) {
        Atomics.store(ctrl, CTRL_OFFER0 + s.index, seq);
      }
    }
    if (fnIndex >= 0) Atomics.store(ctrl, CTRL_POSTED, seq);
    for (const s of mine) {
      s.worker.hold(true);
      s.worker.post({ type: 'run', seq, slot: s.index, fn: call.fn, args: [...call.args], rows: call.rows, rowAlign: call.rowAlign, units, nChunks, reply });
    }
    // The calling thread's share: chunks from the same counter.
    let callerError: unknown;
    let callerChunks = 0;
    if (callerShare) {
      try {
        const fn = arena.fn(call.fn);
        for (;;) {
          const c = Atomics.add(ctrl, CTRL_NEXT, 1);
          if (c >= nChunks) break;
          const [n0, n1] = chunkRows(c, nChunks, call.rows, call.rowAlign);
          fn(...call.args, n0, n1);
          callerChunks++;
        }
      } catch (err) {
        callerError = err;
        // Stop the workers taking more chunks.
        Atomics.store(ctrl, CTRL_NEXT, nChunks);
      }
    }
    await waitDone(f, mine.length, waitAsync);
    for (const s of mine) s.worker.hold(false);
    info.threadedCalls++;
    info.chunksOnCaller += callerChunks;
    info.chunksOnWorkers += Math.min(nChunks, Atomics.load(ctrl, CTRL_NEXT)) - callerChunks;
    if (callerError !== undefined) throw callerError;
    if (Atomics.load(ctrl, CTRL_ERR) !== 0) {
      // A worker posts its error before counting itself done: the message is on its way.
      const deadline = Date.now() + ERROR_MESSAGE_WAIT_MS;
      while (f.errors.length === 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          f.wake = resolve;
          setTimeout(resolve, ERROR_MESSAGE_WAIT_MS);
        });
      }
      throw new Error(`lowbit wasm: ${call.fn} failed on a worker thread: ${f.errors.join('; ') || 'no message arrived'}`);
    }
    return workerCount + (callerShare ? 1 : 0);
  } finally {
    inFlight = undefined;
    unlock();
  }
}

/** Calls on one arena run one after another (its scratch allocator is a stack). */
const arenaQueues = new WeakMap<WasmArena, Promise<void>>();

/**
 * Runs `impl` on `threads` threads over a shared `arena` (as runWasmKernelSync does on one):
 * loads (or reuses) the weights, prepares the call, runs its rows on the pool and copies Y out.
 * Calls on the same arena are serialized. `out`, when given, must hold M * N values.
 */
export async function runWasmKernelThreaded(impl: WasmKernelImpl, arena: WasmArena, x: Float32Array, m: number, qt: QuantizedTensor, threads?: number, out?: Float32Array): Promise<Float32Array> {
  const n = m * qt.rows;
  if (out && out.length !== n) throw new RangeError(`${impl.name}: out has ${out.length} elements, expected M*N = ${m}*${qt.rows}`);
  const prev = arenaQueues.get(arena) ?? Promise.resolve();
  let unlock = (): void => undefined;
  const mine = new Promise<void>((r) => {
    unlock = r;
  });
  arenaQueues.set(arena, mine);
  await prev;
  try {
    const w = arena.weights(qt, impl.name, impl.weightBytes(qt), (a) => impl.load(a, qt));
    const mark = arena.mark();
    try {
      const outPtr = arena.alloc(n * 4);
      const call = impl.prepare(arena, qt, w, x, m, outPtr);
      await runCallOnThreads(arena, call, threads);
      const y = out ?? new Float32Array(n);
      y.set(arena.f32(outPtr, n));
      return y;
    } finally {
      arena.release(mark);
    }
  } finally {
    if (arenaQueues.get(arena) === mine) arenaQueues.delete(arena);
    unlock();
  }
}
