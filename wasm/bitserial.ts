// lowbit WebAssembly kernel: bitserial (BitMoD signed power-of-two terms), the SIMD twin of the
// bitserial reference (src/cpu/bitserial.ts; docs/KERNELS.md "bitserial", "wasm-bitserial").
//
// Y[M, N] = X[M, K] . W[N, K]^T for weights with codes of at most 4 bits whose values are small
// integer multiples q of a power-of-two unit, q a sum of signed power-of-two terms. It keeps the
// reference's order exactly, so every output equals matmulBitSerial's bit for bit:
//   per row of X, output row, quant group g and term plane p: four f32 partial sums s_j over the
//   elements k = 4 i + j (k < G - G mod 4) of x_k * term_p(k) (a product by +-2^shift: exact in
//   f32), the G mod 4 tail elements added to s_0 in order, then
//     grp = f32(grp + f32(f32(s_0 + s_1) + f32(s_2 + s_3)))           (planes in order)
//     acc = f32(acc + f32(f64(grp) * su_g))   su_g = scale_g * unit (f64, exact)
//     y   = useTs ? f32(f64(acc) * ts) : acc.
// The four partial sums are the four lanes of one f32x4, so the SIMD loop is the reference's loop.
//
// Layout (written by the glue, src/cpu/wasm-bitserial.ts):
//   codes   per row, per quant group, ceil(G / 32) blocks of 16 bytes; block b holds chunk 2 b
//           (16 elements) in its low nibbles and chunk 2 b + 1 in its high nibbles; element
//           4 a + r of a chunk sits in byte lane 8 (a >> 1) + 2 r + (a & 1), so that after the
//           swizzles, unpacking to i16 and taking even / odd i16 lanes (shl 16 / and) gives the
//           f32x4 multipliers of elements 0..3, 4..7, 8..11, 12..15 without further shuffles.
//           groupBytes = 16 * ceil(G / 32); the row stride is ng * groupBytes.
//   groups  16 bytes per (row, group): su f64 at +0, table offset i32 at +8 (bytes into `terms`).
//   terms   i8 tables: the term-p multiplier (sign * 2^shift, or 0) of each code is at
//           terms + offset + p * planeStride + code (the offset selects the element type, and for
//           zero points the window of q - zero; at least 16 readable bytes from each start).
//           hiTerms bytes after each i8 entry: byte 3 of the f32 sign * 2^shift (0 for no term);
//           2 hiTerms bytes after it: byte 2 (bytes 0 and 1 of such an f32 are 0). Groups with at
//           most two planes build their f32 multipliers from these (two swizzles and unpacks).
//   x f32 [M][K]; out f32 [M][N].
// Tile: blocks of ROW_BLOCK = 16 output rows walk the quant groups (a group's x for all M rows stays
// in cache for the block); acc lives in the output. Per (output row, group) the rows of X go in
// pairs: each 16-weight chunk's codes are split and its multipliers built once for both.
// Preconditions: codes of at most 4 bits, terms of at most 2^6 (i8), |x| * 2^6 finite in f32.
// Kernel: bitserial_gemm(...args, n0, n1) computes output rows [n0, n1) (any split) for every row of X.

import { highNibbles, lookup16 } from './lib/simd';

const CHUNK: i32 = 16;
const BLOCK_BYTES: usize = 16; // two chunks: low and high nibbles
const LANES: i32 = 4;
const F32_BYTES: usize = 4;
const GROUP_REC_BYTES: usize = 16;
const ROW_BLOCK: i32 = 16; // output rows sharing one pass over a group's x
const NIBBLE_MASK: i8 = 0x0f;
const NIBBLE_BITS: u32 = 4;
const HI_HALF: i32 = -65536; // 0xffff0000: the high i16 of each i32 lane

/**
 * Position (byte lane) of element j of a chunk: the lanes are ordered so that unpacking bytes to
 * i16 pairs and taking the even / odd i16 lanes of each half (shl 16 / and) yields elements 0..3,
 * 4..7, 8..11, 12..15 in order: element 4 a + r sits at lane 8 (a >> 1) + 2 r + (a & 1).
 */
@inline function laneOf(j: i32): i32 {
  const a = j >> 2;
  return ((a >> 1) << 3) + ((j & 3) << 1) + (a & 1);
}

/** Code of element e of a group whose blocks start at `p`. */
@inline function codeAt(p: usize, e: i32): i32 {
  const c = e >> NIBBLE_BITS;
  const b = <i32>load<u8>(p + <usize>(c >> 1) * BLOCK_BYTES + <usize>laneOf(e & (CHUNK - 1)));
  return (b >> ((c & 1) * NIBBLE_BITS)) & NIBBLE_MASK;
}

/** i16 lanes b2 | b3 << 8 (the high half of each f32 multiplier) of byte lanes 0..7 and 8..15. */
@inline function halvesLo(b2: v128, b3: v128): v128 {
  return i8x16.shuffle(b2, b3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
@inline function halvesHi(b2: v128, b3: v128): v128 {
  return i8x16.shuffle(b2, b3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/** Table indices (codes) of the 16 weights of chunk c in lane order: low nibbles of its block for even c, high for odd. */
@inline function chunkIdx(cg: usize, c: i32, mask: v128): v128 {
  const v = v128.load(cg + <usize>(c >> 1) * BLOCK_BYTES);
  return c & 1 ? highNibbles(v, mask) : v128.and(v, mask);
}

/** The part of a plane's sum past the full chunks, in scalars, and the plane's f32(f32(s0 + s1) + f32(s2 + s3)). */
@inline function finishPlane(s: v128, cg: usize, xg: usize, tp: usize, gs: i32, g4: i32, full: i32): f32 {
  let s0 = f32x4.extract_lane(s, 0);
  let s1 = f32x4.extract_lane(s, 1);
  let s2 = f32x4.extract_lane(s, 2);
  let s3 = f32x4.extract_lane(s, 3);
  // The rest of the SIMD part (fewer than 16 elements), four lanes at a time, then the tail into s0.
  for (let e = full * CHUNK; e < g4; e += LANES) {
    const xp = xg + <usize>e * F32_BYTES;
    s0 += load<f32>(xp) * <f32>load<i8>(tp + <usize>codeAt(cg, e));
    s1 += load<f32>(xp, 4) * <f32>load<i8>(tp + <usize>codeAt(cg, e + 1));
    s2 += load<f32>(xp, 8) * <f32>load<i8>(tp + <usize>codeAt(cg, e + 2));
    s3 += load<f32>(xp, 12) * <f32>load<i8>(tp + <usize>codeAt(cg, e + 3));
  }
  for (let e = g4; e < gs; e++) s0 += load<f32>(xg + <usize>e * F32_BYTES) * <f32>load<i8>(tp + <usize>codeAt(cg, e));
  return (s0 + s1) + (s2 + s3);
}

/** s + x[0..16) * (m0 | m1 | m2 | m3), the four f32x4 lane groups in order (one rounding each). */
@inline function mac16(s: v128, xp: usize, m0: v128, m1: v128, m2: v128, m3: v128): v128 {
  s = f32x4.add(s, f32x4.mul(v128.load(xp), m0));
  s = f32x4.add(s, f32x4.mul(v128.load(xp, 16), m1));
  s = f32x4.add(s, f32x4.mul(v128.load(xp, 32), m2));
  return f32x4.add(s, f32x4.mul(v128.load(xp, 48), m3));
}

/** One term plane of one group (any number of planes): i8 multipliers widened and converted. */
function plane(cg: usize, xg: usize, tp: usize, gs: i32, g4: i32, full: i32, mask: v128): f32 {
  const tbl = v128.load(tp);
  let s = f32x4.splat(0);
  for (let c = 0; c < full; c++) {
    const mul = lookup16(tbl, chunkIdx(cg, c, mask));
    const lo = i16x8.extend_low_i8x16_s(mul);
    const hi = i16x8.extend_high_i8x16_s(mul);
    const xp = xg + <usize>(c * CHUNK) * F32_BYTES;
    // Even i16 lanes (sign-extended low halves) then odd ones: elements in order (laneOf).
    s = mac16(
      s, xp,
      f32x4.convert_i32x4_s(i32x4.shr_s(i32x4.shl(lo, 16), 16)),
      f32x4.convert_i32x4_s(i32x4.shr_s(lo, 16)),
      f32x4.convert_i32x4_s(i32x4.shr_s(i32x4.shl(hi, 16), 16)),
      f32x4.convert_i32x4_s(i32x4.shr_s(hi, 16)),
    );
  }
  return finishPlane(s, cg, xg, tp, gs, g4, full);
}

/**
 * One group with one or two term planes: each chunk's codes and x are loaded once for both
 * planes, and the multipliers are built from their f32 bit bytes (byte 3 of sign * 2^shift at
 * hiTerms past each i8 table entry, byte 2 at 2 hiTerms).
 */
@inline function twoPlanes(cg: usize, xg: usize, tOff: usize, planeStride: i32, hiTerms: i32, planes: i32, gs: i32, g4: i32, full: i32, mask: v128): f32 {
  const himask = i32x4.splat(HI_HALF);
  const tp1 = tOff + <usize>planeStride;
  const a3 = v128.load(tOff + <usize>hiTerms);
  const a2 = v128.load(tOff + 2 * <usize>hiTerms);
  const b3 = v128.load(tp1 + <usize>hiTerms);
  const b2 = v128.load(tp1 + 2 * <usize>hiTerms);
  let s = f32x4.splat(0);
  let t = s;
  const two = planes == 2;
  for (let c = 0; c < full; c++) {
    const idx = chunkIdx(cg, c, mask);
    const xp = xg + <usize>(c * CHUNK) * F32_BYTES;
    const x0 = v128.load(xp);
    const x1 = v128.load(xp, 16);
    const x2 = v128.load(xp, 32);
    const x3 = v128.load(xp, 48);
    const a2x = lookup16(a2, idx);
    const a3x = lookup16(a3, idx);
    const ul = halvesLo(a2x, a3x);
    const uh = halvesHi(a2x, a3x);
    s = f32x4.add(s, f32x4.mul(x0, i32x4.shl(ul, 16)));
    s = f32x4.add(s, f32x4.mul(x1, v128.and(ul, himask)));
    s = f32x4.add(s, f32x4.mul(x2, i32x4.shl(uh, 16)));
    s = f32x4.add(s, f32x4.mul(x3, v128.and(uh, himask)));
    if (two) {
      const b2x = lookup16(b2, idx);
      const b3x = lookup16(b3, idx);
      const vl = halvesLo(b2x, b3x);
      const vh = halvesHi(b2x, b3x);
      t = f32x4.add(t, f32x4.mul(x0, i32x4.shl(vl, 16)));
      t = f32x4.add(t, f32x4.mul(x1, v128.and(vl, himask)));
      t = f32x4.add(t, f32x4.mul(x2, i32x4.shl(vh, 16)));
      t = f32x4.add(t, f32x4.mul(x3, v128.and(vh, himask)));
    }
  }
  let grp: f32 = 0;
  grp += finishPlane(s, cg, xg, tOff, gs, g4, full);
  if (two) grp += finishPlane(t, cg, xg, tp1, gs, g4, full);
  return grp;
}

/** The second row's result of twoPlanesPair (a global: each instance, so each thread, has its own). */
let pairSecond: f32 = 0;

/**
 * twoPlanes for two rows of X at once (xg0, xg1): the codes and the multipliers of each chunk are
 * built once for both. Returns row 0's group sum; row 1's is left in pairSecond.
 */
@inline function twoPlanesPair(cg: usize, xg0: usize, xg1: usize, tOff: usize, planeStride: i32, hiTerms: i32, planes: i32, gs: i32, g4: i32, full: i32, mask: v128): f32 {
  const himask = i32x4.splat(HI_HALF);
  const tp1 = tOff + <usize>planeStride;
  const a3 = v128.load(tOff + <usize>hiTerms);
  const a2 = v128.load(tOff + 2 * <usize>hiTerms);
  const b3 = v128.load(tp1 + <usize>hiTerms);
  const b2 = v128.load(tp1 + 2 * <usize>hiTerms);
  let s0 = f32x4.splat(0);
  let t0 = s0;
  let s1 = s0;
  let t1 = s0;
  const two = planes == 2;
  for (let c = 0; c < full; c++) {
    const idx = chunkIdx(cg, c, mask);
    const off = <usize>(c * CHUNK) * F32_BYTES;
    const a2x = lookup16(a2, idx);
    const a3x = lookup16(a3, idx);
    const ul = halvesLo(a2x, a3x);
    const uh = halvesHi(a2x, a3x);
    const m0 = i32x4.shl(ul, 16);
    const m1 = v128.and(ul, himask);
    const m2 = i32x4.shl(uh, 16);
    const m3 = v128.and(uh, himask);
    s0 = mac16(s0, xg0 + off, m0, m1, m2, m3);
    s1 = mac16(s1, xg1 + off, m0, m1, m2, m3);
    if (two) {
      const b2x = lookup16(b2, idx);
      const b3x = lookup16(b3, idx);
      const vl = halvesLo(b2x, b3x);
      const vh = halvesHi(b2x, b3x);
      const n0 = i32x4.shl(vl, 16);
      const n1 = v128.and(vl, himask);
      const n2 = i32x4.shl(vh, 16);
      const n3 = v128.and(vh, himask);
      t0 = mac16(t0, xg0 + off, n0, n1, n2, n3);
      t1 = mac16(t1, xg1 + off, n0, n1, n2, n3);
    }
  }
  let g0: f32 = 0;
  let g1: f32 = 0;
  g0 += finishPlane(s0, cg, xg0, tOff, gs, g4, full);
  g1 += finishPlane(s1, cg, xg1, tOff, gs, g4, full);
  if (two) {
    g0 += finishPlane(t0, cg, xg0, tp1, gs, g4, full);
    g1 += finishPlane(t1, cg, xg1, tp1, gs, g4, full);
  }
  pairSecond = g1;
  return g0;
}

/**
 * Output rows [n0, n1) of Y (file comment). gs = G; planes = T (terms per weight).
 */
export function bitserial_gemm(
  codes: usize, groups: usize, terms: usize, planeStride: i32, planes: i32, ng: i32, gs: i32, groupBytes: i32,
  x: usize, m: i32, k: i32, out: usize, n: i32, ts: f64, useTs: i32, hiTerms: i32, n0: i32, n1: i32,
): void {
  const mask = i8x16.splat(NIBBLE_MASK);
  const g4 = gs - (gs & (LANES - 1));
  const full = g4 / CHUNK; // chunks whose 16 elements all lie in the SIMD part
  const rowBytes = <usize>ng * <usize>groupBytes;
  const oStride = <usize>n * F32_BYTES;
  for (let rb = n0; rb < n1; rb += ROW_BLOCK) {
    const re = min<i32>(rb + ROW_BLOCK, n1);
    // acc of each (row of X, output row) lives in its output (f32, as the reference's acc).
    for (let i = 0; i < m; i++) for (let r = rb; r < re; r++) store<f32>(out + <usize>i * oStride + <usize>r * F32_BYTES, 0);
    // Groups outside the block's rows and the rows of X: a group's x (M rows) stays in cache
    // for the ROW_BLOCK output rows.
    for (let g = 0; g < ng; g++) {
      for (let r = rb; r < re; r++) {
        const rec = groups + (<usize>r * <usize>ng + <usize>g) * GROUP_REC_BYTES;
        const su = load<f64>(rec);
        const tOff = terms + <usize>load<i32>(rec, 8);
        const cg = codes + <usize>r * rowBytes + <usize>g * <usize>groupBytes;
        const oCol = out + <usize>r * F32_BYTES;
        let i = 0;
        if (planes <= 2) {
          // Rows of X in pairs: one decode of the chunk's multipliers for both.
          for (; i + 2 <= m; i += 2) {
            const xg = x + <usize>(i * k + g * gs) * F32_BYTES;
            const g0 = twoPlanesPair(cg, xg, xg + <usize>k * F32_BYTES, tOff, planeStride, hiTerms, planes, gs, g4, full, mask);
            const g1 = pairSecond;
            const o = oCol + <usize>i * oStride;
            store<f32>(o, load<f32>(o) + <f32>(<f64>g0 * su));
            store<f32>(o + oStride, load<f32>(o + oStride) + <f32>(<f64>g1 * su));
          }
        }
        for (; i < m; i++) {
          const xg = x + <usize>(i * k + g * gs) * F32_BYTES;
          let grp: f32 = 0;
          if (planes <= 2) {
            grp = twoPlanes(cg, xg, tOff, planeStride, hiTerms, planes, gs, g4, full, mask);
          } else {
            for (let p = 0; p < planes; p++) grp += plane(cg, xg, tOff + <usize>(p * planeStride), gs, g4, full, mask);
          }
          const o = oCol + <usize>i * oStride;
          store<f32>(o, load<f32>(o) + <f32>(<f64>grp * su));
        }
      }
    }
    if (useTs) {
      for (let i = 0; i < m; i++) {
        for (let r = rb; r < re; r++) {
          const o = out + <usize>i * oStride + <usize>r * F32_BYTES;
          store<f32>(o, <f32>(<f64>load<f32>(o) * ts));
        }
      }
    }
  }
}
