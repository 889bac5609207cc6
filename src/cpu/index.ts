/** CPU mpGEMM: the f64 oracle, the bound check, and the dequant, lut and bitserial kernels with their registry. */
export * from './matmul-ref.js';
export * from './compare.js';
export * from './bound.js';
export * from './dequant.js';
export * from './lut.js';
export * from './bitserial.js';
export * from './kernels.js';
