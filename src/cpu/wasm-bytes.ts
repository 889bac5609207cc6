/**
 * The baseline-SIMD128 lowbit WebAssembly module's bytes (decoded once per build), with no
 * relaxed-SIMD selection: the quantize path (src/quant/quantize-wasm.ts, also bundled into the
 * quantize worker) uses these, and src/cpu/wasm-module.ts picks between them and the relaxed
 * build for the kernels.
 */
import { WASM_BINARIES } from './wasm-binaries.gen.js';

/** Which build: an ordinary memory, or a shared memory for worker threads. */
export type WasmBuild = keyof typeof WASM_BINARIES;

/** Bytes of a base64 string. */
export function base64Bytes(text: string): Uint8Array {
  const raw = atob(text);
  const b = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) b[i] = raw.charCodeAt(i);
  return b;
}

/** A per-build reader of base64 module bytes, each build decoded once. */
export function moduleBytesReader(binaries: Readonly<Record<WasmBuild, string>>): (build: WasmBuild) => Uint8Array {
  const cache = new Map<WasmBuild, Uint8Array>();
  return (build) => {
    let b = cache.get(build);
    if (!b) {
      b = base64Bytes(binaries[build]);
      cache.set(build, b);
    }
    return b;
  };
}

/** The baseline module's bytes for `build`. */
export const baselineModuleBytes: (build: WasmBuild) => Uint8Array = moduleBytesReader(WASM_BINARIES);

/** First byte of memory the glue may use: the end of the module's static data (16-byte aligned). */
export function wasmHeapBase(exports: WebAssembly.Exports): number {
  const f = exports.heap_base;
  if (typeof f !== 'function') throw new Error('lowbit wasm: the module lacks heap_base (wasm/memory.ts)');
  return Number((f as () => number)());
}
