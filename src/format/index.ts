/** Packed layouts: the QuantizedTensor interface, code bit streams and storage accounting. */
export * from './quantized-tensor.js';
export * from './pack.js';
export * from './bits.js';
