/**
 * The memory the WebAssembly mpGEMM kernels (wasm/dequant.ts, wasm/lut.ts, wasm/bitserial.ts)
 * run in, and the contract each kernel family's glue follows.
 *
 * A {@link WasmArena} is one instance of the lowbit module over one memory (plain, or shared
 * with worker threads that instantiate the same module over it), with a bump allocator above the
 * module's static data. Two kinds of allocation:
 * - weights, re-laid out once per tensor by the family's `load` and cached per tensor
 *   (`arena.weights`); they stay until the cache is dropped (when a new tensor would pass the
 *   arena's weight budget, or on `clearWeights`);
 * - per-call scratch (activations, tables, the output), taken after a `mark()` and given back by
 *   `release(mark)` when the call returns.
 *
 * A family's `prepare` writes the call's inputs into scratch and returns a {@link WasmCall}: the
 * name of an exported kernel function and its leading arguments; the kernel computes output rows
 * [n0, n1) of Y [M, N] when called as `fn(...args, n0, n1)`. That is all a worker thread needs
 * to run its share: the call is plain numbers, and every thread sees the same memory.
 */
import { compileWasm, instantiateWasm, wasmHeapBase, wasmModuleBytes, type WasmBuild } from './wasm-module.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';

const PAGE_BYTES = 65536;
/** wasm32 addresses at most 4 GiB: 65536 pages. */
const MAX_PAGES = 65536;
/** Default budget for cached weights: beyond it the cache is dropped before a new tensor loads. */
export const DEFAULT_WEIGHT_BUDGET = 1 << 30;
const ALIGN = 16;
const align = (x: number): number => Math.ceil(x / ALIGN) * ALIGN;

/**
 * One kernel invocation: `exports[fn](...args, n0, n1)` computes output rows [n0, n1).
 * Split points between threads are multiples of `rowAlign` (the last range ends at N).
 */
export interface WasmCall {
  readonly fn: string;
  readonly args: readonly number[];
  readonly rows: number;
  readonly rowAlign: number;
}

/** A family's handle on a tensor's weights in an arena: byte offsets and sizes, all numbers. */
export type WasmWeights = Readonly<Record<string, number>>;

/** A lowbit module instance over its memory, with the allocator and the per-tensor weight cache. */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly exports: WebAssembly.Exports;
  readonly build: WasmBuild;
  readonly heapBase: number;
  /** Bytes of cached weights after which a new tensor drops the cache first. */
  weightBudget: number;
  private top: number;
  /** End of the cached weights (scratch starts here). */
  private weightTop: number;
  private cache = new WeakMap<QuantizedTensor, Map<string, WasmWeights>>();
  private cachedBytes = 0;

  constructor(memory: WebAssembly.Memory, exports: WebAssembly.Exports, build: WasmBuild, weightBudget = DEFAULT_WEIGHT_BUDGET) {
    this.memory = memory;
    this.exports = exports;
    this.build = build;
    this.heapBase = wasmHeapBase(exports);
    this.top = this.heapBase;
    this.weightTop = this.heapBase;
    this.weightBudget = weightBudget;
  }

  /** Instantiates the module over a new memory (a shared one for the `shared` build). */
  static async create(build: WasmBuild = 'plain', weightBudget?: number): Promise<WasmArena> {
    const module = await compileWasm(build);
    return WasmArena.over(module, build, weightBudget);
  }

  /** Synchronous create (Node, workers; a browser main thread may refuse large synchronous compiles). */
  static createSync(build: WasmBuild = 'plain', weightBudget?: number): WasmArena {
    const module = new WebAssembly.Module(wasmModuleBytes(build) as Uint8Array<ArrayBuffer>);
    return WasmArena.overSync(module, build, weightBudget);
  }

  private static memoryFor(module: WebAssembly.Module, build: WasmBuild): WebAssembly.Memory {
    const imp = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory');
    if (!imp) throw new Error('lowbit wasm: the module imports no memory');
    // The module declares its minimum in the import; start at 16 pages and double until it links.
    return build === 'shared' ? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 16 });
  }

  private static async over(module: WebAssembly.Module, build: WasmBuild, weightBudget?: number): Promise<WasmArena> {
    const memory = WasmArena.memoryFor(module, build);
    for (;;) {
      try {
        return new WasmArena(memory, await instantiateWasm(module, memory), build, weightBudget);
      } catch (err) {
        if (!(err instanceof WebAssembly.LinkError) || memory.buffer.byteLength >= 1024 * PAGE_BYTES) throw err;
        memory.grow(memory.buffer.byteLength / PAGE_BYTES);
      }
    }
  }

  private static overSync(module: WebAssembly.Module, build: WasmBuild, weightBudget?: number): WasmArena {
    const memory = WasmArena.memoryFor(module, build);
    const abort = (): never => {
      throw new Error('lowbit wasm: a kernel aborted (internal error)');
    };
    for (;;) {
      try {
        const instance = new WebAssembly.Instance(module, { env: { memory, abort } });
        return new WasmArena(memory, instance.exports, build, weightBudget);
      } catch (err) {
        if (!(err instanceof WebAssembly.LinkError) || memory.buffer.byteLength >= 1024 * PAGE_BYTES) throw err;
        memory.grow(memory.buffer.byteLength / PAGE_BYTES);
      }
    }
  }

  /** Allocates `bytes` (16-byte aligned), growing the memory; throws a clear error past 4 GiB. */
  alloc(bytes: number): number {
    const at = this.top;
    const end = align(at + bytes);
    if (end > MAX_PAGES * PAGE_BYTES) {
      throw new RangeError(`lowbit wasm: ${bytes} bytes do not fit the 4 GiB a WebAssembly memory can address (${at - this.heapBase} bytes in use)`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    this.top = end;
    return at;
  }

  /** The current top of the allocator, for {@link release}. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated since `mark` (never below the cached weights). */
  release(mark: number): void {
    this.top = Math.max(mark, this.weightTop);
  }

  /**
   * The weights of `qt` laid out by `load` under `key` (a family name), loaded on first use and
   * cached. Call it before taking scratch (no mark outstanding): weights go below the scratch.
   */
  weights(qt: QuantizedTensor, key: string, bytesNeeded: number, load: (arena: WasmArena) => WasmWeights): WasmWeights {
    let byKey = this.cache.get(qt);
    const hit = byKey?.get(key);
    if (hit) return hit;
    if (this.top !== this.weightTop) throw new Error('lowbit wasm: weights must load before per-call scratch is taken');
    if (this.cachedBytes > 0 && this.cachedBytes + bytesNeeded > this.weightBudget) this.clearWeights();
    const before = this.top;
    const w = load(this);
    this.weightTop = this.top;
    this.cachedBytes += this.top - before;
    if (!byKey) {
      byKey = new Map();
      this.cache.set(qt, byKey);
    }
    byKey.set(key, w);
    return w;
  }

  /** Drops every cached tensor and frees its memory. */
  clearWeights(): void {
    this.cache = new WeakMap();
    this.cachedBytes = 0;
    this.top = this.heapBase;
    this.weightTop = this.heapBase;
  }

  /** Bytes of weights now cached. */
  get weightBytes(): number {
    return this.cachedBytes;
  }

  /** A view of `len` bytes at `ptr` (fresh each call: growth replaces the buffer). */
  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }
  i8(ptr: number, len: number): Int8Array {
    return new Int8Array(this.memory.buffer, ptr, len);
  }
  u32(ptr: number, len: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, len);
  }
  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len);
  }

  /** Copies `src` into newly allocated memory; returns its offset. */
  put(src: Uint8Array | Int8Array | Uint32Array | Float32Array): number {
    const ptr = this.alloc(src.byteLength);
    this.u8(ptr, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return ptr;
  }

  /** The exported kernel function `name`; throws naming it when the module lacks it. */
  fn(name: string): (...args: number[]) => unknown {
    const f = this.exports[name];
    if (typeof f !== 'function') throw new Error(`lowbit wasm: the module has no kernel ${name}`);
    return f as (...args: number[]) => unknown;
  }

  /** Runs `call` over output rows [n0, n1) on this thread. */
  run(call: WasmCall, n0 = 0, n1 = call.rows): void {
    this.fn(call.fn)(...call.args, n0, n1);
  }
}

/**
 * One WebAssembly kernel family's glue (src/cpu/wasm-*.ts): what it takes, how it lays out a
 * tensor's weights, and how it prepares one call. The registry entries (and the thread pool) are
 * built from these.
 */
export interface WasmKernelImpl {
  /** Registry name, e.g. 'wasm-dequant', 'wasm-lut-i8'. */
  readonly name: string;
  readonly family: 'dequant' | 'lut' | 'bitserial';
  readonly description: string;
  /** true when the kernel takes `target` (a scheme name or a quantized tensor), else the reason. */
  supports(target: QuantizedTensor | string): true | string;
  /** Bytes `load` will allocate for `qt` (for the weight budget). */
  weightBytes(qt: QuantizedTensor): number;
  /** Writes the tensor's weights (re-laid out for the kernel) into the arena. */
  load(arena: WasmArena, qt: QuantizedTensor): WasmWeights;
  /**
   * Writes X [M, K] (and what the kernel derives from it: tables, int8 activations, sums) into
   * scratch and returns the call that writes rows [n0, n1) of Y [M, N] (f32, row-major) at `outPtr`.
   */
  prepare(arena: WasmArena, qt: QuantizedTensor, w: WasmWeights, x: Float32Array, m: number, outPtr: number): WasmCall;
  /** Error bound, as CpuKernel: the documented constant, the per-tensor constant and the optional extra term. */
  readonly c: number;
  boundC(qt: QuantizedTensor): number;
  readonly extraBound?: (x: Float32Array, qt: QuantizedTensor, m: number) => Float64Array | undefined;
}

/**
 * Runs `impl` on one thread: loads (or reuses) the weights, prepares the call, runs every row and
 * copies Y out. `out`, when given, must hold M * N values.
 */
export function runWasmKernelSync(impl: WasmKernelImpl, arena: WasmArena, x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const w = arena.weights(qt, impl.name, impl.weightBytes(qt), (a) => impl.load(a, qt));
  const mark = arena.mark();
  try {
    const n = m * qt.rows;
    const outPtr = arena.alloc(n * 4);
    const call = impl.prepare(arena, qt, w, x, m, outPtr);
    arena.run(call);
    const y = out ?? new Float32Array(n);
    y.set(arena.f32(outPtr, n));
    return y;
  } finally {
    arena.release(mark);
  }
}
