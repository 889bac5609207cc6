// lowbit WebAssembly dequant kernels: fused decode-and-multiply mpGEMM, SIMD128.
//
//   Y[m, n] = tensorScale * sum_g scale[n, g] * sum_{k in g} x[m, k] * (decode(code[n, k]) - zero[n, g])
//             - sum_g offset[n, g] * xsum[m, g]                         (ggml offsets only)
//
// Glue: src/cpu/wasm-dequant.ts (layout, modes, bounds). TypeScript references: src/cpu/dequant.ts
// (f32 activations) and src/cpu/dequant-i8.ts (int8 activations, bit-exact with dequant_i8).
//
// Weight layout (written once per tensor by the glue's `load`): each quant group of G codes is
// padded with a finite-decoding code to GP = ceil(G / 32) * 32 codes, so every group is a whole
// number of 32-code chunks; the activations are padded with zeros the same way (row stride
// NG * GP floats), so pad products are exactly 0. A chunk is 16 bytes in slot width S = 4
// (byte j = code j | code (16 + j) << 4: low nibbles are codes 0..15, high nibbles 16..31) or
// 32 bytes in slot width S = 8 (one byte per code). Row n's chunks start at codes + n * rowBytes.
//
// Decode modes (the glue picks one per tensor from the datatype registry, never from names):
//   MODE_SWIZZLE4  S = 4, every element type's values are small integers q * unit: one
//                  i8x16.swizzle of a 16-entry int8 table per 16 codes, widened to i16 (zero
//                  point subtracted exactly), to i32, converted; times unit when unit != 1.
//   MODE_PLANES4   S = 4, any 16-entry f32 table (NF4, tables with NaN codes in use): four byte
//                  planes of the f32 bit patterns, four swizzles and two shuffle levels give the
//                  exact f32 values.
//   MODE_SEXT8     S = 8, codes are b-bit two's complement integers: shift left, arithmetic right.
//   MODE_ZEXT8     S = 8, codes decode to themselves (uint, asymmetric schemes).
//   MODE_SWIZZLE8  S = 8, b <= 6 bit integer grids: 2^(b-4) swizzles OR-ed (out-of-range indices
//                  give 0).
//   MODE_GATHER8   S = 8, anything else (FP8 codebooks): scalar gathers from the f32 table.
// Tables are per element type (mixtures index them by the group's datatype id), so a new
// datatype needs no edit here.
//
// Tile: output rows n in [n0, n1) (the WasmCall contract: the last two arguments), all M rows
// of X, M in tiles of up to 4 so each code chunk is decoded once per tile (M = 1 is the fast case).
//
// Accumulation order (f32 kernel; the bound in docs/KERNELS.md counts these roundings): per
// output and group, two f32x4 accumulators a0, a1; per 16 codes (4 vectors w0..w3 against x at
// +0, +4, +8, +12) a0 += w0 * x0, a1 += w1 * x1, a0 += w2 * x2, a1 += w3 * x3 (products and sums
// each rounded once: no fused multiply-add in baseline SIMD); then r += (a0 + a1) * splat(scale)
// per group; at the end of the row y = (r0 + r2) + (r1 + r3); y *= tensorScale when used;
// y -= offacc with offacc the serial f32 sum of fl(offset_g * xsum_g) (the TS reference's).
//
// Preconditions: every pointer 16-byte aligned (the glue's arena), GP a multiple of 32, codes
// < 2^bits. Memory is the glue's; nothing is allocated here, and the kernels keep no module
// state (no globals), so threads sharing the memory may run disjoint row ranges at once: each
// writes only Y[., n] for its own n.

import { highNibbles, lookup16 } from './lib/simd';

/** D_USE_UNIT values: no unit, one unit for every element type (units[0]), a unit per element type. */
const UNIT_NONE: i32 = 0;
const UNIT_UNIFORM: i32 = 1;
const UNIT_PER_TYPE: i32 = 2;

/** Decode modes (see the header). */
const MODE_SWIZZLE4: i32 = 0;
const MODE_PLANES4: i32 = 1;
const MODE_SEXT8: i32 = 2;
const MODE_ZEXT8: i32 = 3;
const MODE_SWIZZLE8: i32 = 4;
const MODE_GATHER8: i32 = 5;

/** Descriptor fields (i32 words at `desc`, written by src/cpu/wasm-dequant.ts). */
const D_MODE: usize = 0;
const D_BITS: usize = 1;
const D_NG: usize = 2;
const D_GP: usize = 3;
const D_CODES: usize = 4;
const D_SCALES: usize = 5;
const D_ZEROS: usize = 6;
const D_IDS: usize = 7;
const D_TABLES: usize = 8;
const D_TABLE_STRIDE: usize = 9;
const D_UNITS: usize = 10;
const D_USE_UNIT: usize = 11;
const D_TS: usize = 12;
const D_USE_TS: usize = 13;
const D_OFFSETS: usize = 14;
const D_XSUM: usize = 15;
const D_N: usize = 16;
const D_ROW_BYTES: usize = 17;
const D_NSW: usize = 18;
const D_XSCALES: usize = 19;
const D_FOLD_ZERO: usize = 20;
const D_XSUMS: usize = 21;
const D_DOT7: usize = 22;

/** Codes per chunk, per half chunk (one i8x16 of codes), bytes per f32 and per v128. */
const CHUNK: i32 = 32;
const HALF: i32 = 16;
const F32_BYTES: usize = 4;
const V128_BYTES: usize = 16;
/** Rows of X per tile. */
const M_TILE: i32 = 4;
/** Low nibble mask, and the swizzle index step between the 16-entry parts of a larger table. */
const NIBBLE: i8 = 0x0f;
const TABLE_PART: i8 = 16;
const BYTE_BITS: i32 = 8;

@inline function field(desc: usize, f: usize): i32 {
  return load<i32>(desc + f * 4);
}

/** int8 values of 16 codes (one per byte of c) for the integer modes; tv = the first table part. */
@inline function lookupI8(mode: i32, c: v128, tv: v128, tp: usize, nsw: i32, sh: i32): v128 {
  if (mode == MODE_SWIZZLE4) return lookup16(tv, c);
  if (mode == MODE_SEXT8) return i8x16.shr_s(i8x16.shl(c, sh), sh);
  if (mode == MODE_ZEXT8) return c;
  // MODE_SWIZZLE8: part j covers codes 16j .. 16j + 15; other indices wrap past 15 and give 0.
  let q = i8x16.swizzle(tv, c);
  for (let j = 1; j < nsw; j++) {
    q = v128.or(q, i8x16.swizzle(v128.load(tp + <usize>j * V128_BYTES), i8x16.sub(c, i8x16.splat(<i8>(TABLE_PART * <i8>j)))));
  }
  return q;
}

/** Four f32 lanes from the table entries of the 4 codes in the bytes of `word` (MODE_GATHER8). */
@inline function gatherWord(word: u32, tp: usize): v128 {
  let v = f32x4.splat(load<f32>(tp + <usize>(word & 0xff) * F32_BYTES));
  v = f32x4.replace_lane(v, 1, load<f32>(tp + <usize>((word >> 8) & 0xff) * F32_BYTES));
  v = f32x4.replace_lane(v, 2, load<f32>(tp + <usize>((word >> 16) & 0xff) * F32_BYTES));
  return f32x4.replace_lane(v, 3, load<f32>(tp + <usize>(word >> 24) * F32_BYTES));
}

/** a += w * x (one rounding for the product, one for the sum: baseline SIMD has no fused multiply-add). */
@inline function mac(a: v128, w: v128, xp: usize): v128 {
  return f32x4.add(a, f32x4.mul(w, v128.load(xp)));
}

/** (r0 + r2) + (r1 + r3). */
@inline function lanes(r: v128): f32 {
  const t = f32x4.add(r, i32x4.shuffle(r, r, 2, 3, 0, 1));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1);
}

/**
 * Output `y` of activation row m for weight row n: tensor scale, then the offsets' second sum
 * (both as the TypeScript reference orders them).
 */
@inline function finish(desc: usize, y: f32, n: i32, m: i32, ng: i32): f32 {
  if (field(desc, D_USE_TS) != 0) y *= reinterpret<f32>(field(desc, D_TS));
  const offs = <usize>field(desc, D_OFFSETS);
  if (offs != 0) {
    const op = offs + <usize>(n * ng) * F32_BYTES;
    const xs = <usize>field(desc, D_XSUM) + <usize>(m * ng) * F32_BYTES;
    let acc: f32 = 0;
    for (let g = 0; g < ng; g++) acc += load<f32>(op + <usize>g * F32_BYTES) * load<f32>(xs + <usize>g * F32_BYTES);
    y -= acc;
  }
  return y;
}

/**
 * The f32 kernel for one decode mode (a constant after inlining) and X tiles of up to `tile`
 * rows (1: the GEMV loop; 4: up to four rows per decoded chunk).
 */
@inline function rowsF32(mode: i32, tile: i32, desc: usize, x: usize, out: usize, m: i32, n0: i32, n1: i32): void {
  const bits = field(desc, D_BITS);
  const ng = field(desc, D_NG);
  const gp = field(desc, D_GP);
  const codes = <usize>field(desc, D_CODES);
  const scales = <usize>field(desc, D_SCALES);
  const zeros = <usize>field(desc, D_ZEROS);
  const ids = <usize>field(desc, D_IDS);
  const tables = <usize>field(desc, D_TABLES);
  const tstride = <usize>field(desc, D_TABLE_STRIDE);
  const units = <usize>field(desc, D_UNITS);
  const useUnit = field(desc, D_USE_UNIT) != UNIT_NONE;
  const foldZero = field(desc, D_FOLD_ZERO) != 0;
  const nOut = field(desc, D_N);
  const rowBytes = <usize>field(desc, D_ROW_BYTES);
  const nsw = field(desc, D_NSW);
  const sh = BYTE_BITS - bits;
  const slot4 = mode == MODE_SWIZZLE4 || mode == MODE_PLANES4;
  const integer = mode != MODE_PLANES4 && mode != MODE_GATHER8;
  const chunkBytes: usize = slot4 ? 16 : 32;
  const xStride = <usize>(ng * gp) * F32_BYTES;
  const chunks = gp / CHUNK;
  const nib = i8x16.splat(NIBBLE);
  const yStride = <usize>nOut * F32_BYTES;

  for (let n = n0; n < n1; n++) {
    const rowCodes = codes + <usize>n * rowBytes;
    for (let m0 = 0; m0 < m; m0 += tile) {
      const mt = tile == 1 ? 1 : min(tile, m - m0);
      const x0 = x + <usize>m0 * xStride;
      const x1 = x0 + xStride;
      const x2 = x1 + xStride;
      const x3 = x2 + xStride;
      let r0 = f32x4.splat(0);
      let r1 = f32x4.splat(0);
      let r2 = f32x4.splat(0);
      let r3 = f32x4.splat(0);
      let cp = rowCodes;
      let xo: usize = 0;
      for (let g = 0; g < ng; g++) {
        const gi = n * ng + g;
        const id = groupId(ids, gi);
        const tp = tables + id * tstride;
        const z = zeros != 0 ? <i32>load<u8>(zeros + <usize>gi) : 0;
        // Zero point: folded into the int8 table (tv - z, when the glue found it fits int8),
        // or subtracted in i16 (z16) or f32 (zf).
        let tv = v128.load(tp);
        let z16 = i16x8.splat(0);
        if (integer) {
          if (foldZero) tv = i8x16.sub(tv, i8x16.splat(<i8>z));
          else z16 = i16x8.splat(<i16>z);
        }
        const zf = f32x4.splat(<f32>z);
        const unit = f32x4.splat(useUnit ? load<f32>(units + id * F32_BYTES) : 1);
        let a00 = f32x4.splat(0);
        let a01 = f32x4.splat(0);
        let a10 = f32x4.splat(0);
        let a11 = f32x4.splat(0);
        let a20 = f32x4.splat(0);
        let a21 = f32x4.splat(0);
        let a30 = f32x4.splat(0);
        let a31 = f32x4.splat(0);
        for (let ch = 0; ch < chunks; ch++) {
          const v = v128.load(cp);
          for (let half = 0; half < 2; half++) {
            let c: v128;
            if (slot4) c = half == 0 ? v128.and(v, nib) : highNibbles(v, nib);
            else c = half == 0 ? v : v128.load(cp, 16);
            let w0: v128;
            let w1: v128;
            let w2: v128;
            let w3: v128;
            if (mode == MODE_PLANES4) {
              const b0 = lookup16(tv, c);
              const b1 = lookup16(v128.load(tp, 16), c);
              const b2 = lookup16(v128.load(tp, 32), c);
              const b3 = lookup16(v128.load(tp, 48), c);
              // i16 lane j of lo01 = bytes 0, 1 of value j; of lo23 = bytes 2, 3 (little endian).
              const lo01 = i8x16.shuffle(b0, b1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
              const lo23 = i8x16.shuffle(b2, b3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
              const hi01 = i8x16.shuffle(b0, b1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
              const hi23 = i8x16.shuffle(b2, b3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
              w0 = f32x4.sub(i16x8.shuffle(lo01, lo23, 0, 8, 1, 9, 2, 10, 3, 11), zf);
              w1 = f32x4.sub(i16x8.shuffle(lo01, lo23, 4, 12, 5, 13, 6, 14, 7, 15), zf);
              w2 = f32x4.sub(i16x8.shuffle(hi01, hi23, 0, 8, 1, 9, 2, 10, 3, 11), zf);
              w3 = f32x4.sub(i16x8.shuffle(hi01, hi23, 4, 12, 5, 13, 6, 14, 7, 15), zf);
            } else if (mode == MODE_GATHER8) {
              w0 = f32x4.sub(gatherWord(<u32>i32x4.extract_lane(c, 0), tp), zf);
              w1 = f32x4.sub(gatherWord(<u32>i32x4.extract_lane(c, 1), tp), zf);
              w2 = f32x4.sub(gatherWord(<u32>i32x4.extract_lane(c, 2), tp), zf);
              w3 = f32x4.sub(gatherWord(<u32>i32x4.extract_lane(c, 3), tp), zf);
            } else {
              const q = lookupI8(mode, c, tv, tp, nsw, sh);
              let h0: v128;
              let h1: v128;
              if (mode == MODE_ZEXT8) {
                h0 = i16x8.extend_low_i8x16_u(q);
                h1 = i16x8.extend_high_i8x16_u(q);
              } else {
                h0 = i16x8.extend_low_i8x16_s(q);
                h1 = i16x8.extend_high_i8x16_s(q);
              }
              if (!foldZero) {
                h0 = i16x8.sub(h0, z16);
                h1 = i16x8.sub(h1, z16);
              }
              w0 = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h0));
              w1 = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h0));
              w2 = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h1));
              w3 = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h1));
              if (useUnit) {
                // value = q * unit: exact (the glue checked it equals the decode table's value).
                w0 = f32x4.mul(w0, unit);
                w1 = f32x4.mul(w1, unit);
                w2 = f32x4.mul(w2, unit);
                w3 = f32x4.mul(w3, unit);
              }
            }
            // a0 += w0 x0; a1 += w1 x1; a0 += w2 x2; a1 += w3 x3 (the header's order).
            const p0 = x0 + xo;
            a00 = mac(mac(a00, w0, p0), w2, p0 + 32);
            a01 = mac(mac(a01, w1, p0 + 16), w3, p0 + 48);
            if (tile > 1) {
              if (mt > 1) {
                const p1 = x1 + xo;
                a10 = mac(mac(a10, w0, p1), w2, p1 + 32);
                a11 = mac(mac(a11, w1, p1 + 16), w3, p1 + 48);
              }
              if (mt > 2) {
                const p2 = x2 + xo;
                a20 = mac(mac(a20, w0, p2), w2, p2 + 32);
                a21 = mac(mac(a21, w1, p2 + 16), w3, p2 + 48);
              }
              if (mt > 3) {
                const p3 = x3 + xo;
                a30 = mac(mac(a30, w0, p3), w2, p3 + 32);
                a31 = mac(mac(a31, w1, p3 + 16), w3, p3 + 48);
              }
            }
            xo += <usize>HALF * F32_BYTES;
          }
          cp += chunkBytes;
        }
        const sv = f32x4.splat(load<f32>(scales + <usize>gi * F32_BYTES));
        r0 = f32x4.add(r0, f32x4.mul(f32x4.add(a00, a01), sv));
        if (tile > 1) {
          r1 = f32x4.add(r1, f32x4.mul(f32x4.add(a10, a11), sv));
          r2 = f32x4.add(r2, f32x4.mul(f32x4.add(a20, a21), sv));
          r3 = f32x4.add(r3, f32x4.mul(f32x4.add(a30, a31), sv));
        }
      }
      const yp = out + <usize>(m0 * nOut + n) * F32_BYTES;
      store<f32>(yp, finish(desc, lanes(r0), n, m0, ng));
      if (tile > 1) {
        if (mt > 1) store<f32>(yp + yStride, finish(desc, lanes(r1), n, m0 + 1, ng));
        if (mt > 2) store<f32>(yp + 2 * yStride, finish(desc, lanes(r2), n, m0 + 2, ng));
        if (mt > 3) store<f32>(yp + 3 * yStride, finish(desc, lanes(r3), n, m0 + 3, ng));
      }
    }
  }
}

/** One decode mode: the GEMV loop for M = 1, tiles of four rows otherwise. */
@inline function byTile(mode: i32, desc: usize, x: usize, out: usize, m: i32, n0: i32, n1: i32): void {
  if (m == 1) rowsF32(mode, 1, desc, x, out, m, n0, n1);
  else rowsF32(mode, M_TILE, desc, x, out, m, n0, n1);
}

/**
 * f32 activations: Y[m, n] for m in [0, M) and n in [n0, n1). x: [M, NG * GP] padded f32
 * activations; out: Y [M, N] f32 row-major.
 */
export function dequant_f32(desc: usize, x: usize, out: usize, m: i32, n0: i32, n1: i32): void {
  const mode = field(desc, D_MODE);
  if (mode == MODE_SWIZZLE4) byTile(MODE_SWIZZLE4, desc, x, out, m, n0, n1);
  else if (mode == MODE_PLANES4) byTile(MODE_PLANES4, desc, x, out, m, n0, n1);
  else if (mode == MODE_SEXT8) byTile(MODE_SEXT8, desc, x, out, m, n0, n1);
  else if (mode == MODE_ZEXT8) byTile(MODE_ZEXT8, desc, x, out, m, n0, n1);
  else if (mode == MODE_SWIZZLE8) byTile(MODE_SWIZZLE8, desc, x, out, m, n0, n1);
  else byTile(MODE_GATHER8, desc, x, out, m, n0, n1);
}

// ---- int8 activations (W4A8 / W8A8): dequant_i8 ----
//
// X is quantized per block of 32 activations within a quant group (the glue; the TypeScript
// reference src/cpu/dequant-i8.ts holds the rule): xq [M, NG * GP] i16 (values -127..127, zero in
// the padding), each block of 32 stored in the order of XPERM below; xscale [NG * GP / 32][MP] f32
// and xsum [NG * GP / 32][MP] i32 (the block's sum of xq) with MP = 1 for M = 1, else M rounded up
// to a multiple of 4 (zeros past M). Weights are integers v = q - zero (the integer modes only).
//
// Decode to i16 without widening: every mode yields u = v + BIAS as an unsigned byte (swizzle
// modes: tables + 128, written so by the glue's load for this kernel, with the zero folded when it
// fits; SEXT8: code ^ 2^(b-1), which is
// v + 2^(b-1); ZEXT8: the code itself), so the even bytes of a vector are `and 0x00ff` and the
// odd bytes `shr_u 8` of its i16 lanes: two operations for 16 codes instead of three widening
// ones. XPERM, the activation order the glue writes per block, matches: positions 0..7 hold
// x of codes 0, 2, .., 14, 8..15 codes 1, 3, .., 15, 16..23 codes 16, 18, .., 30, 24..31 codes
// 17, .., 31. Per output, group and block:
//   isum = sum_k u_k xq_k - (xsum << log2 BIAS) - z * xsum   = sum_k v_k xq_k exactly in i32
// (z only when not folded; |sum u xq| <= 32 * 255 * 127 < 2^20, and |isum| < 2^24, so its f32
// conversion is exact); then in f32, in this order:
//   gsum = gsum + f32(isum) * xscale[block]        (per block of the group, in order)
//   racc = racc + gsum * (scale * unit)            (per group, in order)
//   y = racc [* tensorScale] [- offacc]            (as dequant_f32)
// which is the reference's operation order, so the two agree bit for bit.
//
// Tiles: M = 1 takes output rows in pairs or fours (rowSetsI8; their block sums side by side in
// the lanes of one vector, the same f32 operations per lane as one row alone), then the rest one
// by one; M > 1 takes tiles of four rows of X per decoded chunk (lane j = row m0 + j).
//
// dot7 form (chosen by the glue per tensor): 4-bit codes whose values v - z lie in -64..63 decode
// through tables + 64 to u in 0..127 (isum as above with BIAS = 64). The relaxed-SIMD build takes
// the activations as i8 in code order (no XPERM), so i32x4.relaxed_dot_i8x16_i7x16_add_s forms
// sum u * xq of 16 codes at once (with u < 128 the instruction has one defined result). The
// baseline build keeps XPERM but skips the `and`: as i16 lanes the swizzled bytes read
// u_even + 256 u_odd (< 2^15, so non-negative), and the glue stores x_odd - 256 x_even at the odd
// positions (|.| <= 127 + 256 * 127 < 2^15), so
//   (u_e + 256 u_o) x_e + u_o (x_o - 256 x_e) = u_e x_e + u_o x_o
// with one i32x4.dot_i16x8_s on the raw bytes and one on `shr_u 8`: the same integers, exactly
// (each i16 x i16 product < 2^22, the lanes' sums < 2^27).

/** log2 of the bias of the unsigned decoded byte in the swizzle modes (tables + 128). */
const SWIZZLE_BIAS_SHIFT: i32 = 7;
/** log2 of the bias of the dot7 form (tables + 64, so every u is in 0..127). */
const DOT7_BIAS_SHIFT: i32 = 6;

/** Sum of the four i32 lanes (exact: integer). */
@inline function isumLanes(v: v128): i32 {
  const t = i32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return i32x4.extract_lane(t, 0) + i32x4.extract_lane(t, 1);
}

/** Lane j = the sum of the lanes of a_j (a transposed reduction; integer, exact). */
@inline function sums4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/** log2 of the bias BIAS of a mode (see above; DOT7_BIAS_SHIFT in the dot7 form); -1 for no bias (ZEXT8). */
@inline function biasShift(mode: i32, bits: i32, dot7: bool): i32 {
  if (dot7) return DOT7_BIAS_SHIFT;
  if (mode == MODE_ZEXT8) return -1;
  if (mode == MODE_SEXT8) return bits - 1;
  return SWIZZLE_BIAS_SHIFT;
}

/** Whether activations are i8 in code order (the relaxed build's dot7 form), else i16 in XPERM order. */
@inline function codeOrder(dot7: bool): bool {
  return ASC_FEATURE_RELAXED_SIMD && dot7;
}

/** The bit a SEXT8 code is XOR-ed with (2^shift, so u = v + 2^(b-1)); 0 for the other modes. */
@inline function signBitOf(mode: i32, dot7: bool, shift: i32): v128 {
  return i8x16.splat(<i8>(mode == MODE_SEXT8 && !dot7 ? <i32>1 << shift : <i32>0));
}

/** Bytes of one 32-code chunk in the int8 kernel's modes: 16 (nibbles) or 32 (a byte a code). */
@inline function i8ChunkBytes(mode: i32): usize {
  return mode == MODE_SWIZZLE4 ? 16 : 32;
}

/** Unsigned biased bytes u = v + BIAS of 16 codes (one per byte of c); tv = the group's first (biased) table part. */
@inline function lookupU8(mode: i32, c: v128, tv: v128, tp: usize, nsw: i32, signBit: v128): v128 {
  if (mode == MODE_SEXT8) return v128.xor(c, signBit);
  // The table modes read this kernel's biased tables the same way; ZEXT8 codes are u already.
  return lookupI8(mode, c, tv, tp, nsw, 0);
}

/** The group's first (biased) table part for the int8 kernel, the zero point folded in when the glue found it fits. */
@inline function tableI8(tp: usize, foldZero: bool, z: i32): v128 {
  const tv = v128.load(tp);
  return foldZero ? i8x16.sub(tv, i8x16.splat(<i8>z)) : tv;
}

/** Codes 0..15 (half 0) or 16..31 (half 1) of the chunk at cp, one a byte: nibbles (slot 4) or bytes (slot 8). */
@inline function chunkCodes(mode: i32, cp: usize, half: i32): v128 {
  if (mode == MODE_SWIZZLE4) {
    const v = v128.load(cp);
    return half == 0 ? v128.and(v, i8x16.splat(NIBBLE)) : highNibbles(v, i8x16.splat(NIBBLE));
  }
  return v128.load(cp + <usize>half * V128_BYTES);
}

/** sum u * xq over one chunk of 32 codes at cp against the four activation vectors x0..x3 (i32 lanes). */
@inline function chunkDot(mode: i32, dot7: bool, cp: usize, tv: v128, tp: usize, nsw: i32, signBit: v128, x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD && dot7) {
    // x0, x1: the chunk's 32 activations as i8 in code order; u in 0..127 (the glue checked).
    const u0 = lookup16(tv, chunkCodes(MODE_SWIZZLE4, cp, 0));
    const u1 = lookup16(tv, chunkCodes(MODE_SWIZZLE4, cp, 1));
    return i32x4.relaxed_dot_i8x16_i7x16_add_s(x1, u1, i32x4.relaxed_dot_i8x16_i7x16_add_s(x0, u0, i32x4.splat(0)));
  }
  if (dot7) {
    // Baseline dot7: the raw bytes as i16 against x_even, their odd bytes against x_odd - 256 x_even.
    const p0 = lookup16(tv, chunkCodes(MODE_SWIZZLE4, cp, 0));
    const p1 = lookup16(tv, chunkCodes(MODE_SWIZZLE4, cp, 1));
    const e0 = i32x4.add(i32x4.dot_i16x8_s(p0, x0), i32x4.dot_i16x8_s(i16x8.shr_u(p0, 8), x1));
    const e1 = i32x4.add(i32x4.dot_i16x8_s(p1, x2), i32x4.dot_i16x8_s(i16x8.shr_u(p1, 8), x3));
    return i32x4.add(e0, e1);
  }
  const lowBytes = i16x8.splat(0x00ff);
  const q0 = lookupU8(mode, chunkCodes(mode, cp, 0), tv, tp, nsw, signBit);
  const q1 = lookupU8(mode, chunkCodes(mode, cp, 1), tv, tp, nsw, signBit);
  const d0 = i32x4.add(i32x4.dot_i16x8_s(v128.and(q0, lowBytes), x0), i32x4.dot_i16x8_s(i16x8.shr_u(q0, 8), x1));
  const d1 = i32x4.add(i32x4.dot_i16x8_s(v128.and(q1, lowBytes), x2), i32x4.dot_i16x8_s(i16x8.shr_u(q1, 8), x3));
  return i32x4.add(d0, d1);
}

/** The element type id of group gi (0 without ids: one element type). */
@inline function groupId(ids: usize, gi: i32): usize {
  return ids != 0 ? <usize>load<u8>(ids + <usize>gi) : 0;
}

/** The table of group gi (its element type's). */
@inline function groupTable(ids: usize, tables: usize, tstride: usize, gi: i32): usize {
  const id = groupId(ids, gi);
  return tables + id * tstride;
}

/** The unit of group gi's element type. */
@inline function unitOf(units: usize, ids: usize, gi: i32): f32 {
  return load<f32>(units + groupId(ids, gi) * F32_BYTES);
}

/** scale * unit of group gi (one f32 rounding, as the reference); a uniform unit is applied by the caller. */
@inline function groupScale(scales: usize, units: usize, ids: usize, perIdUnit: bool, gi: i32): f32 {
  let su = load<f32>(scales + <usize>gi * F32_BYTES);
  if (perIdUnit) su *= unitOf(units, ids, gi);
  return su;
}

/** The block sums' correction: (xsum << log2 BIAS) [+ z * xsum with the zero not folded], lanes as xsum's. */
@inline function correction(xsum: v128, shift: i32, zv: v128, subZero: bool): v128 {
  let c = shift >= 0 ? i32x4.shl(xsum, shift) : i32x4.splat(0);
  if (subZero) c = i32x4.add(c, i32x4.mul(zv, xsum));
  return c;
}

@inline function zeroOf(zeros: usize, gi: i32): i32 {
  return zeros != 0 ? <i32>load<u8>(zeros + <usize>gi) : 0;
}

/** Lanes 0, 1 = the sums of the lanes of a0 and of a1 (integer, exact; lanes 2, 3 repeat them). */
@inline function sums2(a0: v128, a1: v128): v128 {
  const t = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  return i32x4.add(t, i32x4.shuffle(t, t, 2, 3, 0, 1));
}

/**
 * M = 1: output rows n .. n + R - 1 (R = 2 or 4, a constant after inlining) in the lanes of one
 * vector, sharing the activation loads; lanes past R repeat rows and are not stored.
 */
@inline function rowSetI8(R: i32, mode: i32, dot7: bool, desc: usize, x: usize, out: usize, n: i32): void {
  const bits = field(desc, D_BITS);
  const ng = field(desc, D_NG);
  const chunks = field(desc, D_GP) / CHUNK;
  const rowBytes = <usize>field(desc, D_ROW_BYTES);
  const scales = <usize>field(desc, D_SCALES);
  const zeros = <usize>field(desc, D_ZEROS);
  const ids = <usize>field(desc, D_IDS);
  const tables = <usize>field(desc, D_TABLES);
  const tstride = <usize>field(desc, D_TABLE_STRIDE);
  const units = <usize>field(desc, D_UNITS);
  const unitMode = field(desc, D_USE_UNIT);
  const perIdUnit = unitMode == UNIT_PER_TYPE;
  const foldZero = field(desc, D_FOLD_ZERO) != 0;
  const subZero = zeros != 0 && !foldZero;
  const nsw = field(desc, D_NSW);
  const shift = biasShift(mode, bits, dot7);
  const signBit = signBitOf(mode, dot7, shift);
  const chunkBytes = i8ChunkBytes(mode);
  const unitAll = f32x4.splat(unitMode == UNIT_UNIFORM ? load<f32>(units) : 1);
  const byCode = codeOrder(dot7);
  let cp0 = <usize>field(desc, D_CODES) + <usize>n * rowBytes;
  let cp1 = cp0 + rowBytes;
  let cp2 = cp1 + rowBytes;
  let cp3 = cp2 + rowBytes;
  let sp = <usize>field(desc, D_XSCALES);
  let bp = <usize>field(desc, D_XSUMS);
  let xp = x;
  let g0 = n * ng;
  let rv = f32x4.splat(0);
  for (let g = 0; g < ng; g++) {
    const g1 = g0 + ng;
    const g2 = g1 + ng;
    const g3 = g2 + ng;
    const tp0 = groupTable(ids, tables, tstride, g0);
    const tp1 = groupTable(ids, tables, tstride, g1);
    const tp2 = R > 2 ? groupTable(ids, tables, tstride, g2) : tp0;
    const tp3 = R > 2 ? groupTable(ids, tables, tstride, g3) : tp1;
    const tv0 = tableI8(tp0, foldZero, zeroOf(zeros, g0));
    const tv1 = tableI8(tp1, foldZero, zeroOf(zeros, g1));
    const tv2 = R > 2 ? tableI8(tp2, foldZero, zeroOf(zeros, g2)) : tv0;
    const tv3 = R > 2 ? tableI8(tp3, foldZero, zeroOf(zeros, g3)) : tv1;
    let zv = i32x4.splat(0);
    if (subZero) {
      zv = i32x4.replace_lane(zv, 0, zeroOf(zeros, g0));
      zv = i32x4.replace_lane(zv, 1, zeroOf(zeros, g1));
      zv = i32x4.replace_lane(zv, 2, zeroOf(zeros, R > 2 ? g2 : g0));
      zv = i32x4.replace_lane(zv, 3, zeroOf(zeros, R > 2 ? g3 : g1));
    }
    let gv = f32x4.splat(0);
    for (let ch = 0; ch < chunks; ch++) {
      const x0 = v128.load(xp);
      const x1 = v128.load(xp, 16);
      // The relaxed dot7 form reads 32 i8 activations a chunk (x2, x3 unused), the others 32 i16 in XPERM order.
      const x2 = byCode ? x0 : v128.load(xp, 32);
      const x3 = byCode ? x1 : v128.load(xp, 48);
      const s0 = chunkDot(mode, dot7, cp0, tv0, tp0, nsw, signBit, x0, x1, x2, x3);
      const s1 = chunkDot(mode, dot7, cp1, tv1, tp1, nsw, signBit, x0, x1, x2, x3);
      let sums: v128;
      if (R > 2) {
        const s2 = chunkDot(mode, dot7, cp2, tv2, tp2, nsw, signBit, x0, x1, x2, x3);
        const s3 = chunkDot(mode, dot7, cp3, tv3, tp3, nsw, signBit, x0, x1, x2, x3);
        sums = sums4(s0, s1, s2, s3);
      } else {
        sums = sums2(s0, s1);
      }
      const isum = i32x4.sub(sums, correction(v128.load32_splat(bp), shift, zv, subZero));
      gv = f32x4.add(gv, f32x4.mul(f32x4.convert_i32x4_s(isum), v128.load32_splat(sp)));
      xp += byCode ? 32 : 64;
      sp += F32_BYTES;
      bp += F32_BYTES;
      cp0 += chunkBytes;
      cp1 += chunkBytes;
      cp2 += chunkBytes;
      cp3 += chunkBytes;
    }
    let su = v128.load32_splat(scales + <usize>g0 * F32_BYTES);
    su = v128.load32_lane(scales + <usize>g1 * F32_BYTES, su, 1);
    if (R > 2) {
      su = v128.load32_lane(scales + <usize>g2 * F32_BYTES, su, 2);
      su = v128.load32_lane(scales + <usize>g3 * F32_BYTES, su, 3);
    }
    if (perIdUnit) {
      let uv = f32x4.splat(unitOf(units, ids, g0));
      uv = f32x4.replace_lane(uv, 1, unitOf(units, ids, g1));
      if (R > 2) {
        uv = f32x4.replace_lane(uv, 2, unitOf(units, ids, g2));
        uv = f32x4.replace_lane(uv, 3, unitOf(units, ids, g3));
      }
      su = f32x4.mul(su, uv);
    } else if (unitMode == UNIT_UNIFORM) {
      su = f32x4.mul(su, unitAll);
    }
    rv = f32x4.add(rv, f32x4.mul(gv, su));
    g0++;
  }
  const yp = out + <usize>n * F32_BYTES;
  store<f32>(yp, finish(desc, f32x4.extract_lane(rv, 0), n, 0, ng));
  store<f32>(yp + F32_BYTES, finish(desc, f32x4.extract_lane(rv, 1), n + 1, 0, ng));
  if (R > 2) {
    store<f32>(yp + 2 * F32_BYTES, finish(desc, f32x4.extract_lane(rv, 2), n + 2, 0, ng));
    store<f32>(yp + 3 * F32_BYTES, finish(desc, f32x4.extract_lane(rv, 3), n + 3, 0, ng));
  }
}

/**
 * M = 1: sets of output rows from n0 while a whole set remains; returns the first row left. Sets
 * of 2 rows for 4-bit codes in the baseline build, else 4: with the nibble split and the swizzle
 * fix-ups, four rows' tables and sums spill registers (V8 uses 16 on x64), which costs more than
 * sharing the activation loads saves (4-bit codes 10% faster in pairs); 8-bit codes and the
 * relaxed build decode in fewer operations and run 5-16% faster in fours.
 */
@inline function rowSetsI8(mode: i32, dot7: bool, desc: usize, x: usize, out: usize, n0: i32, n1: i32): i32 {
  let n = n0;
  if (!ASC_FEATURE_RELAXED_SIMD && mode == MODE_SWIZZLE4) {
    const r: i32 = 2;
    for (; n + r <= n1; n += r) rowSetI8(r, mode, dot7, desc, x, out, n);
  } else {
    const r: i32 = 4;
    for (; n + r <= n1; n += r) rowSetI8(r, mode, dot7, desc, x, out, n);
  }
  return n;
}

/** Output rows [n0, n1) for X tiles of up to `tile` rows (1: one output row at a time). */
@inline function rowsI8(mode: i32, dot7: bool, tile: i32, desc: usize, x: usize, out: usize, m: i32, n0: i32, n1: i32): void {
  const bits = field(desc, D_BITS);
  const ng = field(desc, D_NG);
  const gp = field(desc, D_GP);
  const codes = <usize>field(desc, D_CODES);
  const scales = <usize>field(desc, D_SCALES);
  const zeros = <usize>field(desc, D_ZEROS);
  const ids = <usize>field(desc, D_IDS);
  const tables = <usize>field(desc, D_TABLES);
  const tstride = <usize>field(desc, D_TABLE_STRIDE);
  const units = <usize>field(desc, D_UNITS);
  const unitMode = field(desc, D_USE_UNIT);
  const foldZero = field(desc, D_FOLD_ZERO) != 0;
  const subZero = zeros != 0 && !foldZero;
  const nOut = field(desc, D_N);
  const rowBytes = <usize>field(desc, D_ROW_BYTES);
  const nsw = field(desc, D_NSW);
  const xscales = <usize>field(desc, D_XSCALES);
  const xsums = <usize>field(desc, D_XSUMS);
  const shift = biasShift(mode, bits, dot7);
  const signBit = signBitOf(mode, dot7, shift);
  const chunkBytes = i8ChunkBytes(mode);
  // Activations: i16 in XPERM order, or i8 in code order for the relaxed dot7 form.
  const byCode = codeOrder(dot7);
  const xBytes: usize = byCode ? 1 : 2;
  const xStride = <usize>(ng * gp) * xBytes;
  const chunks = gp / CHUNK;
  // Block scales and sums: [block][MP] with MP = 1 for M = 1, else M rounded up to 4 (zeros past
  // M), so a tile's four rows have theirs side by side.
  const mp = m == 1 ? 1 : (m + M_TILE - 1) & ~(M_TILE - 1);
  const sStride = <usize>mp * F32_BYTES;
  const yStride = <usize>nOut * F32_BYTES;
  const lowBytes = i16x8.splat(0x00ff);

  for (let n = n0; n < n1; n++) {
    const rowCodes = codes + <usize>n * rowBytes;
    for (let m0 = 0; m0 < m; m0 += tile) {
      const mt = tile == 1 ? 1 : min(tile, m - m0);
      const x0 = x + <usize>m0 * xStride;
      let sp = xscales + <usize>m0 * F32_BYTES;
      let bp = xsums + <usize>m0 * F32_BYTES;
      // tile 1: scalar sums; tile 4: lane j holds row m0 + j (the same f32 operations per row).
      let r0: f32 = 0;
      let rv = f32x4.splat(0);
      let cp = rowCodes;
      let xo: usize = 0;
      for (let g = 0; g < ng; g++) {
        const gi = n * ng + g;
        const tp = groupTable(ids, tables, tstride, gi);
        const z = zeroOf(zeros, gi);
        const tv = tableI8(tp, foldZero, z);
        const zv = i32x4.splat(subZero ? z : 0);
        let su = groupScale(scales, units, ids, unitMode == UNIT_PER_TYPE, gi);
        if (unitMode == UNIT_UNIFORM) su *= load<f32>(units);
        let g0: f32 = 0;
        let gv = f32x4.splat(0);
        for (let ch = 0; ch < chunks; ch++) {
          const p0 = x0 + xo;
          if (tile == 1) {
            const x0v = v128.load(p0);
            const x1v = v128.load(p0, 16);
            const s = chunkDot(mode, dot7, cp, tv, tp, nsw, signBit, x0v, x1v, byCode ? x0v : v128.load(p0, 32), byCode ? x1v : v128.load(p0, 48));
            const xsum = load<i32>(bp);
            g0 += <f32>(isumLanes(s) - (shift >= 0 ? xsum << shift : 0) - (subZero ? z * xsum : 0)) * load<f32>(sp);
          } else {
            const q0 = lookupU8(mode, chunkCodes(mode, cp, 0), tv, tp, nsw, signBit);
            const q1 = lookupU8(mode, chunkCodes(mode, cp, 1), tv, tp, nsw, signBit);
            let i0: v128;
            let i1 = i32x4.splat(0);
            let i2 = i1;
            let i3 = i1;
            // (The feature constant itself, so the baseline build drops the relaxed instructions.)
            if (ASC_FEATURE_RELAXED_SIMD && dot7) {
              i0 = rowDot7(q0, q1, p0);
              if (mt > 1) i1 = rowDot7(q0, q1, p0 + xStride);
              if (mt > 2) i2 = rowDot7(q0, q1, p0 + 2 * xStride);
              if (mt > 3) i3 = rowDot7(q0, q1, p0 + 3 * xStride);
            } else {
              // Baseline dot7: the raw bytes against x_even (see above), else the even bytes.
              const h0 = dot7 ? q0 : v128.and(q0, lowBytes);
              const h1 = i16x8.shr_u(q0, 8);
              const h2 = dot7 ? q1 : v128.and(q1, lowBytes);
              const h3 = i16x8.shr_u(q1, 8);
              i0 = rowDot(h0, h1, h2, h3, p0);
              if (mt > 1) i1 = rowDot(h0, h1, h2, h3, p0 + xStride);
              if (mt > 2) i2 = rowDot(h0, h1, h2, h3, p0 + 2 * xStride);
              if (mt > 3) i3 = rowDot(h0, h1, h2, h3, p0 + 3 * xStride);
            }
            const sums = i32x4.sub(sums4(i0, i1, i2, i3), correction(v128.load(bp), shift, zv, subZero));
            gv = f32x4.add(gv, f32x4.mul(f32x4.convert_i32x4_s(sums), v128.load(sp)));
          }
          xo += <usize>CHUNK * xBytes;
          sp += sStride;
          bp += sStride;
          cp += chunkBytes;
        }
        if (tile == 1) r0 += g0 * su;
        else rv = f32x4.add(rv, f32x4.mul(gv, f32x4.splat(su)));
      }
      const yp = out + <usize>(m0 * nOut + n) * F32_BYTES;
      if (tile == 1) {
        store<f32>(yp, finish(desc, r0, n, m0, ng));
      } else {
        store<f32>(yp, finish(desc, f32x4.extract_lane(rv, 0), n, m0, ng));
        if (mt > 1) store<f32>(yp + yStride, finish(desc, f32x4.extract_lane(rv, 1), n, m0 + 1, ng));
        if (mt > 2) store<f32>(yp + 2 * yStride, finish(desc, f32x4.extract_lane(rv, 2), n, m0 + 2, ng));
        if (mt > 3) store<f32>(yp + 3 * yStride, finish(desc, f32x4.extract_lane(rv, 3), n, m0 + 3, ng));
      }
    }
  }
}

/** One row of X (32 i8 at p, code order) against a chunk's u (0..127): i32 lanes whose sum is sum u * xq (relaxed build only). */
@inline function rowDot7(u0: v128, u1: v128, p: usize): v128 {
  return i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(p, 16), u1, i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(p), u0, i32x4.splat(0)));
}

/** One row of X against a decoded chunk (h0..h3 in XPERM order): i32 lanes whose sum is sum u * xq. */
@inline function rowDot(h0: v128, h1: v128, h2: v128, h3: v128, p: usize): v128 {
  const a = i32x4.add(i32x4.dot_i16x8_s(h0, v128.load(p)), i32x4.dot_i16x8_s(h1, v128.load(p, 16)));
  const b = i32x4.add(i32x4.dot_i16x8_s(h2, v128.load(p, 32)), i32x4.dot_i16x8_s(h3, v128.load(p, 48)));
  return i32x4.add(a, b);
}

@inline function byTileI8(mode: i32, dot7: bool, desc: usize, x: usize, out: usize, m: i32, n0: i32, n1: i32): void {
  if (m == 1) {
    rowsI8(mode, dot7, 1, desc, x, out, m, rowSetsI8(mode, dot7, desc, x, out, n0, n1), n1);
  } else {
    rowsI8(mode, dot7, M_TILE, desc, x, out, m, n0, n1);
  }
}

/**
 * int8 activations: Y[m, n] for m in [0, M) and n in [n0, n1). x: xq [M, NG * GP] i16 in XPERM
 * order; the block scales and sums at the descriptor's xscales and xsums; integer decode modes only.
 */
export function dequant_i8(desc: usize, x: usize, out: usize, m: i32, n0: i32, n1: i32): void {
  const mode = field(desc, D_MODE);
  // The dot7 form (4-bit codes whose u fit 7 bits; the glue decides): in the relaxed build one
  // relaxed_dot_i8x16_i7x16_add_s per 16 codes against i8 activations, in the baseline build
  // two i16 dots on the raw swizzled bytes (no `and`).
  if (field(desc, D_DOT7) != 0) byTileI8(MODE_SWIZZLE4, true, desc, x, out, m, n0, n1);
  else if (mode == MODE_SWIZZLE4) byTileI8(MODE_SWIZZLE4, false, desc, x, out, m, n0, n1);
  else if (mode == MODE_SEXT8) byTileI8(MODE_SEXT8, false, desc, x, out, m, n0, n1);
  else if (mode == MODE_ZEXT8) byTileI8(MODE_ZEXT8, false, desc, x, out, m, n0, n1);
  else if (mode == MODE_SWIZZLE8) byTileI8(MODE_SWIZZLE8, false, desc, x, out, m, n0, n1);
}
