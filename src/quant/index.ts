/** Quantization: the scheme registry, scale rules, quantize (reference, fast path, threads)/dequantize, mixture reports and the bits-budget solver. */
export * from './schemes.js';
export * from './scale.js';
export * from './quantize.js';
export { planQuantize, type QuantizePlan } from './quantize-plan.js';
export { quantizeParallel, defaultQuantizeThreads, terminateQuantizeWorkers, quantizeThreadsInfo, type ParallelQuantizeOptions, type QuantizeThreadsInfo } from './quantize-threads.js';
export { prepareWasmQuantize, wasmQuantizeStatus, setWasmQuantize } from './quantize-wasm.js';
export * from './mixture.js';
export { bitsPerWeight, bitsBreakdown, type BitsBreakdown } from '../format/bits.js';
export * from './metrics.js';
export * from './evaluate.js';
export * from './budget.js';
