// lowbit WebAssembly: SIMD helpers the kernel files import (not an entry of the module).
//
// The module is built twice (scripts/gen-wasm.mjs): baseline SIMD128, and with relaxed SIMD,
// which src/cpu/wasm-module.ts uses only where the runtime validates it and `simd_relaxed_check`
// (wasm/memory.ts) gives the exact answers. ASC_FEATURE_RELAXED_SIMD is a compile-time constant,
// so each build compiles one branch of each helper.

/**
 * t[i] for 16 indices that are all in 0..15 (nibbles): i8x16.swizzle, or relaxed_swizzle, which
 * agrees with it on such indices and skips the range fix-up V8 emits for swizzle (two
 * instructions on x64). Indices that may be >= 16 (which swizzle maps to 0) must use swizzle.
 */
@inline export function lookup16(t: v128, i: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(t, i);
  return i8x16.swizzle(t, i);
}
