// lowbit WebAssembly module: memory layout shared by every kernel file in wasm/.
//
// All wasm/*.ts files compile into ONE module (scripts/gen-wasm.mjs), so their exports share one
// namespace: prefix each export with its family (dequant_, lut_, bitserial_, quantize_).
// The module imports its memory ("env" "memory"): a plain WebAssembly.Memory for one thread, or
// a shared one (the `shared` build) that several workers instantiate the same module over.
// Static data of every file lies below __heap_base; the JavaScript glue (src/cpu/wasm-module.ts)
// owns everything from heap_base() up and passes byte offsets (usize) to the kernels.
// Build flags: --enable simd (baseline SIMD128; a second build adds relaxed-simd), --runtime stub
// (no allocation, no GC).

/** First byte the glue may use: the end of the module's static data, 16-byte aligned. */
export function heap_base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}


/** 1 in the relaxed-SIMD build of the module, 0 in the baseline one (the glue picks layouts by it). */
export function simd_relaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
