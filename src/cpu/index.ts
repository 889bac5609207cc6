/**
 * CPU mpGEMM: the f64 oracle, the bound check, the dequant, lut and bitserial kernels with their
 * registry (TypeScript references), and the WebAssembly SIMD kernels with theirs.
 */
export * from './matmul-ref.js';
export * from './compare.js';
export * from './bound.js';
export * from './dequant.js';
export * from './lut.js';
export * from './bitserial.js';
export * from './kernels.js';
export { WasmArena, runWasmKernelSync, DEFAULT_WEIGHT_BUDGET, type WasmCall, type WasmWeights, type WasmKernelImpl } from './wasm-arena.js';
export type { WasmBuild } from './wasm-module.js';
export * from './dequant-i8.js';
export { wasmDequant, wasmDequantI8, dequantPlan, wasmDequantRoundings, WASM_DEQUANT_C, type DequantPlan, type DequantMode } from './wasm-dequant.js';
export * from './wasm-kernels.js';
export { wasmLutI8, WASM_LUT_TILE } from './wasm-lut.js';
export { wasmBitSerial, wasmBitSerialSupport, WASM_BITSERIAL_MAX_BITS } from './wasm-bitserial.js';
export {
  runCallOnThreads,
  runWasmKernelThreaded,
  terminateWasmThreads,
  wasmThreadsStatus,
  wasmThreadsInfo,
  defaultWasmThreads,
  sharedWasmArena,
  CHUNKS_PER_THREAD,
  MAX_WASM_THREADS,
  MIN_THREADED_MACS,
  type WasmThreadsInfo,
  type ThreadCallOptions,
} from './wasm-threads.js';
