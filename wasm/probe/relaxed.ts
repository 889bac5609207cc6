// lowbit WebAssembly: the relaxed-SIMD probe, a module of its own (a few hundred bytes, so even a
// browser's main thread compiles it synchronously). src/cpu/wasm-module.ts uses the relaxed-SIMD
// build of the kernels only where this module validates, instantiates and gives the answers the
// glue computes in scalars (wasmSimdStatus). Built by scripts/gen-wasm.mjs with --enable
// simd,relaxed-simd; imports its memory.

/**
 * Stores at p + 80 .. p + 128 the relaxed instructions the kernels use, applied to the inputs the
 * glue wrote at p (so no compiler folds them): table t (p), indices 0..15 (p + 16), signed bytes
 * a (p + 32), bytes b in 0..127 (p + 48), i32x4 c (p + 64). Out: relaxed_swizzle(t, i) at p + 80,
 * relaxed_dot_i8x16_i7x16_add_s(a, b, c) at p + 96, the same with a zero accumulator at p + 112.
 * The first call runs the runtime's first-tier compiler, where a faulty relaxed SIMD shows (Node
 * 20's --experimental-wasm-relaxed-simd Liftoff drops the accumulator: 2 a.b instead of a.b + c).
 */
export function simd_relaxed_probe(p: usize): void {
  // Each operand loaded for its own use, so it dies at the instruction (as in the kernels): the
  // register allocation that exposed the Liftoff fault above.
  v128.store(p, i8x16.relaxed_swizzle(v128.load(p), v128.load(p, 16)), 80);
  v128.store(p, i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(p, 32), v128.load(p, 48), v128.load(p, 64)), 96);
  v128.store(p, i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(p, 32), v128.load(p, 48), i32x4.splat(0)), 112);
}
