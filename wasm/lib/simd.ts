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

/**
 * The high nibble of each byte: an i16 shift and `mask` (i8x16.splat(0x0f), held by the caller).
 * V8 lowers i8x16.shr_u to a shift and a mask it builds anew at every use (three more x64
 * instructions), while one splat constant stays in a register.
 */
@inline export function highNibbles(v: v128, mask: v128): v128 {
  return v128.and(i16x8.shr_u(v, 4), mask);
}
