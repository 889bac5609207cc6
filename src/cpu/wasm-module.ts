/**
 * The lowbit WebAssembly module (wasm/*.ts compiled by scripts/gen-wasm.mjs): its bytes, a
 * cached compile, and instantiation over a caller's memory. Runs in Node, in browsers and in
 * Web Workers (no Node APIs, no fetch: the bytes are embedded as base64).
 *
 * Two builds of the same code: `plain` imports an ordinary WebAssembly.Memory (one thread) and
 * `shared` a shared one, which worker threads instantiate the same module over.
 */
import { WASM_BINARIES } from './wasm-binaries.gen.js';

/** Which build: an ordinary memory, or a shared memory for worker threads. */
export type WasmBuild = keyof typeof WASM_BINARIES;

const bytesCache = new Map<WasmBuild, Uint8Array>();
const moduleCache = new Map<WasmBuild, Promise<WebAssembly.Module>>();

/** The module's bytes for `build` (decoded once). */
export function wasmModuleBytes(build: WasmBuild): Uint8Array {
  let b = bytesCache.get(build);
  if (!b) {
    const text = atob(WASM_BINARIES[build]);
    b = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
    bytesCache.set(build, b);
  }
  return b;
}

/**
 * Compiles the module once per build (asynchronously: browsers refuse synchronous compiles of
 * large modules on the main thread). Rejects with a clear error where WebAssembly SIMD128 is
 * unavailable.
 */
export function compileWasm(build: WasmBuild): Promise<WebAssembly.Module> {
  let p = moduleCache.get(build);
  if (!p) {
    if (typeof WebAssembly === 'undefined') return Promise.reject(new Error('lowbit wasm: this runtime has no WebAssembly'));
    p = WebAssembly.compile(wasmModuleBytes(build) as Uint8Array<ArrayBuffer>).catch((e: unknown) => {
      moduleCache.delete(build);
      throw new Error(`lowbit wasm: the ${build} module does not compile here (WebAssembly SIMD128${build === 'shared' ? ' and threads' : ''} required): ${(e as Error).message}`);
    });
    moduleCache.set(build, p);
  }
  return p;
}

/** Instantiates the compiled module over `memory` (shared for the `shared` build). */
export async function instantiateWasm(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WebAssembly.Exports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: wasmAbort } });
  return instance.exports;
}

/** AssemblyScript's abort import; kernels are built with --noAssert, so reaching it is a bug. */
function wasmAbort(): never {
  throw new Error('lowbit wasm: a kernel aborted (internal error)');
}

/** First byte of memory the glue may use: the end of the module's static data (16-byte aligned). */
export function wasmHeapBase(exports: WebAssembly.Exports): number {
  const f = exports.heap_base;
  if (typeof f !== 'function') throw new Error('lowbit wasm: the module lacks heap_base (wasm/memory.ts)');
  return Number((f as () => number)());
}
