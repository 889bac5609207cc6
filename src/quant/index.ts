/** Quantization: the scheme registry, scale rules, quantize/dequantize, mixture reports and the bits-budget solver. */
export * from './schemes.js';
export * from './scale.js';
export * from './quantize.js';
export * from './mixture.js';
export { bitsPerWeight, bitsBreakdown, type BitsBreakdown } from '../format/bits.js';
export * from './metrics.js';
export * from './evaluate.js';
export * from './budget.js';
