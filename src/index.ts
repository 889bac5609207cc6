/**
 * `lowbit`: everything that runs in a browser, a Web Worker and Node alike: datatypes, schemes,
 * quantize / dequantize, packed formats, error metrics, the CPU kernels (TypeScript references
 * and the f64 oracle), llama.cpp's block formats (src/ggml) and the .npy / .safetensors / GGUF
 * readers and writers over byte sources, models across shards and the model report.
 *
 * GPU kernels live in `lowbit/gpu`; file paths and the Node WebGPU adapter search in `lowbit/node`.
 */
export * from './dtype/index.js';
export * from './quant/index.js';
export * from './format/index.js';
export * from './cpu/index.js';
export * from './io/index.js';
export * from './ggml/index.js';
export * from './report/index.js';
