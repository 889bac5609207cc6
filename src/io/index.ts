/** Readers and writers that run anywhere (browser, worker, Node): .npy, .safetensors, GGUF, header listers, models across shards, byte sources, seeded sample data. */
export * from './byte-source.js';
export * from './npy.js';
export * from './safetensors.js';
export * from './gguf.js';
export * from './gguf-writer.js';
export * from './inspect.js';
export * from './model.js';
export * from './tensor-data.js';
export { bf16BitsToF32, decodeHalfLE, decodeF32LE, decodeF32LEInto, decodeF64LEInto, decodeF64LEToF32, encodeF32LE, F32_MAX } from './float-bits.js';
export * from './random.js';
export * from './sample.js';
