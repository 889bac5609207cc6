// lowbit WebAssembly kernel: lut (T-MAC table lookup over bit planes, int8 tables), the SIMD twin of
// lut-i8 (src/cpu/lut.ts; docs/KERNELS.md "lut-f32 and lut-i8", "wasm-lut-i8").
//
// Y[M, N] = X[M, K] . W[N, K]^T for weights that decode affinely from 1-5 bit planes: the codes'
// own (1-4 bit integer, asymmetric, ternary, binary) or, for small-integer grids such as BitMoD's
// FP4 mixtures, the planes of each weight's integer value (src/cpu/lut-values.ts; 5 for bitmod4).
// Integer lookup sums are bit-exact with lut-i8, and the f32 epilogue runs the reference's f32
// operations in its order, so every output equals matmulLutI8's bit for bit.
//
// Layout (all written by the glue, src/cpu/wasm-lut.ts):
//   slots     K is split into 4-groups t; a segment is the part of a quant group inside one table
//             block (64 activations = 16 4-groups). Each segment's 4-groups take consecutive slots,
//             padded to an even count with an empty slot, so a pair of slots never spans two
//             segments. P = number of slot pairs per row.
//   weights   tiles of TILE = 16 output rows; tile r, pair j, plane i is one v128 at
//             w + ((r * P + j) * bits + i) * 16: byte l = nibble of row 16 r + l for slot 2 j (low
//             4 bits) | nibble for slot 2 j + 1 (high 4 bits); a nibble is the plane's 4 bits of the
//             4-group (the table index). Rows past N and empty slots hold 0.
//   scales    f32 [tiles][ng][16] (0 past N); c0 (asymmetric only) f32 [tiles][ng][16]: the
//             per-row constant c0 = alpha (2^b - 1)/2 + beta - zero; without it c0Base for all.
//   segs      i32 x 4 per segment: first pair, pairs, table block, 2 g + (1 if last of group g).
//   tables    i8 [M][2 P][16]: the int8 table of each slot's 4-group (an empty slot: zeros).
//   ls        f32 [M][blocks]: table scale per block; xs f32 [M][ng]: sum of x per quant group.
//   out       f32 [M][N].
// Tile: 16 rows x all M rows, two rows of X at a time: a tile's weights (P * bits * 16 bytes) are
// read from memory once, loaded and split into nibbles once per pair of rows of X.
//
// Arithmetic per (row of X, output row, segment): lookups of slot pair j and plane i are two
// i8x16.swizzle's (one per slot) of the slot's table by the 16 rows' nibbles, widened to i16 and
// added with weight 2^i (one row of X: summed per plane, weighted once per segment; two rows:
// per slot pair by Horner's rule from the top plane, as 16 plane sums would not fit the
// registers). Precondition: a segment holds at most 16 4-groups, so
// |sum| <= 16 * 127 * (2^4 - 1) = 30480 fits i16. Five planes would not (x 31): they run one row of
// X at a time, with plane 4 added twice into plane 3's sums (|.| <= 3 * 2032) and planes 3-4
// weighted by 8 after widening to i32. Then, with isum widened to i32 and converted
// (exact: |isum| < 2^16), in f32, each operation rounded once (the reference's f(...) steps):
//   p   = p + ls * isum                        per segment (a group's first: ls * isum)
//   grp = p * halfAlpha + c0 * xs_g            per quant group (c0 * xs_g formed once per group
//                                              when every row has c0Base)
//   acc = acc + grp * scale_g;   y = useTs ? f32(f64(acc) * ts) : acc.
// Kernel: lut_i8_gemm(...args, n0, n1) computes rows [n0, n1), n0 a multiple of 16.

import { highNibbles, lookup16 } from './lib/simd';

const TILE: i32 = 16;
const V128_BYTES: usize = 16;
const F32_BYTES: usize = 4;
const SEG_I32S: usize = 4;
const NIBBLE_MASK: i8 = 0x0f;

/**
 * A segment's update of four rows' p: p + ls * isum, or ls * isum when it starts a group (p = 0;
 * the reference's fl(0 + x) is x, -0 included since ls * isum is never -0 unless ls is).
 */
@inline function segStep(fresh: bool, p: v128, isum: v128, ls: f32): v128 {
  const t = f32x4.mul(f32x4.splat(ls), f32x4.convert_i32x4_s(isum));
  return fresh ? t : f32x4.add(p, t);
}

/**
 * acc + (p * halfAlpha + c0 * xs_g) * scale for four rows: c0 per row at cp with zero points
 * (hasC0), else c0Base for all (one product).
 */
@inline function groupUpdate(acc: v128, p: v128, hasC0: bool, cp: usize, c0Base: f32, xs: f32, scale: v128, hav: v128): v128 {
  const cx = hasC0 ? f32x4.mul(v128.load(cp), f32x4.splat(xs)) : f32x4.splat(c0Base * xs);
  return f32x4.add(acc, f32x4.mul(f32x4.add(f32x4.mul(p, hav), cx), scale));
}

/** f32(f64(acc) * ts) for four rows (ts need not be an f32). */
@inline function scaleBy(acc: v128, tsv: v128): v128 {
  const lo = f64x2.mul(f64x2.promote_low_f32x4(acc), tsv);
  const hi = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(acc, acc, 2, 3, 0, 1)), tsv);
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Stores four outputs at `o` (rows row .. row + 3), only those below n1. */
@inline function storeRows(o: usize, v: v128, row: i32, n1: i32): void {
  if (row + 4 <= n1) {
    v128.store(o, v);
    return;
  }
  if (row < n1) store<f32>(o, f32x4.extract_lane(v, 0));
  if (row + 1 < n1) store<f32>(o, f32x4.extract_lane(v, 1), 4);
  if (row + 2 < n1) store<f32>(o, f32x4.extract_lane(v, 2), 8);
}

/** l + h as i16 for lanes 0..7 (rows 0..7): bytes interleaved (l0 h0 l1 h1 ...), then pairwise sums. */
@inline function pairSumLo(l: v128, h: v128): v128 {
  return i16x8.extadd_pairwise_i8x16_s(i8x16.shuffle(l, h, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
}

/** l + h as i16 for lanes 8..15 (rows 8..15). */
@inline function pairSumHi(l: v128, h: v128): v128 {
  return i16x8.extadd_pairwise_i8x16_s(i8x16.shuffle(l, h, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
}

/**
 * One 16-row tile for one row of X (i) or two (i, i + 1; `two`, a constant after inlining): a
 * pair's weights are loaded and split into nibbles once for both rows.
 */
@inline function tileRows(
  two: bool, wTile: usize, sTile: usize, cTile: usize, row: i32, i: i32, pairs: i32, bits: i32, c0: usize, c0Base: f32,
  ng: i32, segs: usize, nseg: i32, tables: usize, ls: usize, nblk: i32, xs: usize, out: usize, n: i32,
  hav: v128, tsv: v128, useTs: i32, n1: i32, mask: v128,
): void {
  const tableRowBytes = <usize>pairs * 2 * V128_BYTES;
  const groupBytes = <usize>TILE * F32_BYTES;
  const tRow = tables + <usize>i * tableRowBytes;
  const lsRow = ls + <usize>(i * nblk) * F32_BYTES;
  const xsRow = xs + <usize>(i * ng) * F32_BYTES;
  let p0 = f32x4.splat(0);
  let p1 = p0;
  let p2 = p0;
  let p3 = p0;
  let a0 = p0;
  let a1 = p0;
  let a2 = p0;
  let a3 = p0;
  let q0 = p0;
  let q1 = p0;
  let q2 = p0;
  let q3 = p0;
  let b0 = p0;
  let b1 = p0;
  let b2 = p0;
  let b3 = p0;
  let fresh = true;
  for (let s = 0; s < nseg; s++) {
    const sp = segs + <usize>s * SEG_I32S * 4;
    const first = load<i32>(sp);
    const cnt = load<i32>(sp, 4);
    const blk = load<i32>(sp, 8);
    const gl = load<i32>(sp, 12);
    let lo = i16x8.splat(0);
    let hi = lo;
    let lo1 = lo;
    let hi1 = lo;
    let tp = tRow + <usize>first * 2 * V128_BYTES;
    let wp = wTile + <usize>first * <usize>bits * V128_BYTES;
    // Plane 3's sums (one row of X); with five planes plus twice plane 4's, weighted 2^3 in i32.
    let lo3 = lo;
    let hi3 = lo;
    if (!two) {
      // One row of X: each plane keeps its own i16 sums (no shift per lookup), weighted by 2^pl
      // once per segment. The integers are the same, so the output is too.
      let lo0 = lo;
      let hi0 = lo;
      let lo1p = lo;
      let hi1p = lo;
      let lo2 = lo;
      let hi2 = lo;
      for (let j = 0; j < cnt; j++) {
        const tl = v128.load(tp);
        const th = v128.load(tp, V128_BYTES);
        tp += 2 * V128_BYTES;
        let wv = v128.load(wp);
        let l = lookup16(tl, v128.and(wv, mask));
        let h = lookup16(th, highNibbles(wv, mask));
        lo0 = i16x8.add(lo0, pairSumLo(l, h));
        hi0 = i16x8.add(hi0, pairSumHi(l, h));
        if (bits > 1) {
          wv = v128.load(wp, V128_BYTES);
          l = lookup16(tl, v128.and(wv, mask));
          h = lookup16(th, highNibbles(wv, mask));
          lo1p = i16x8.add(lo1p, pairSumLo(l, h));
          hi1p = i16x8.add(hi1p, pairSumHi(l, h));
        }
        if (bits > 2) {
          wv = v128.load(wp, 2 * V128_BYTES);
          l = lookup16(tl, v128.and(wv, mask));
          h = lookup16(th, highNibbles(wv, mask));
          lo2 = i16x8.add(lo2, pairSumLo(l, h));
          hi2 = i16x8.add(hi2, pairSumHi(l, h));
        }
        if (bits > 3) {
          wv = v128.load(wp, 3 * V128_BYTES);
          l = lookup16(tl, v128.and(wv, mask));
          h = lookup16(th, highNibbles(wv, mask));
          lo3 = i16x8.add(lo3, pairSumLo(l, h));
          hi3 = i16x8.add(hi3, pairSumHi(l, h));
        }
        if (bits > 4) {
          // Plane 4 weighs 2 x plane 3: added twice to plane 3's sums (|.| <= 3 x 2032 a segment).
          wv = v128.load(wp, 4 * V128_BYTES);
          l = lookup16(tl, v128.and(wv, mask));
          h = lookup16(th, highNibbles(wv, mask));
          const sl = pairSumLo(l, h);
          const sh = pairSumHi(l, h);
          lo3 = i16x8.add(lo3, i16x8.add(sl, sl));
          hi3 = i16x8.add(hi3, i16x8.add(sh, sh));
        }
        wp += <usize>bits * V128_BYTES;
      }
      lo = lo0;
      hi = hi0;
      if (bits > 1) {
        lo = i16x8.add(lo, i16x8.shl(lo1p, 1));
        hi = i16x8.add(hi, i16x8.shl(hi1p, 1));
      }
      if (bits > 2) {
        lo = i16x8.add(lo, i16x8.shl(lo2, 2));
        hi = i16x8.add(hi, i16x8.shl(hi2, 2));
      }
      // With five planes 8 x (6096) would overflow i16: lo3, hi3 are widened and weighted below.
      if (bits == 4) {
        lo = i16x8.add(lo, i16x8.shl(lo3, 3));
        hi = i16x8.add(hi, i16x8.shl(hi3, 3));
      }
    }
    for (let j = 0; two && j < cnt; j++) {
      const tl = v128.load(tp);
      const th = v128.load(tp, V128_BYTES);
      const tl1 = two ? v128.load(tp + tableRowBytes) : tl;
      const th1 = two ? v128.load(tp + tableRowBytes, V128_BYTES) : th;
      tp += 2 * V128_BYTES;
      // Plane pl weighs 2^pl: Horner from the top plane down, s = 2 s + (the pair's two lookups,
      // <= 254 in magnitude), so no shift by a variable count; |s| <= 254 (2^bits - 1).
      let sLo = i16x8.splat(0);
      let sHi = sLo;
      let sLo1 = sLo;
      let sHi1 = sLo;
      for (let pl = bits - 1; pl >= 0; pl--) {
        const wv = v128.load(wp + <usize>pl * V128_BYTES);
        const il = v128.and(wv, mask);
        const ih = highNibbles(wv, mask);
        const l = lookup16(tl, il);
        const h = lookup16(th, ih);
        sLo = i16x8.add(i16x8.add(sLo, sLo), pairSumLo(l, h));
        sHi = i16x8.add(i16x8.add(sHi, sHi), pairSumHi(l, h));
        if (two) {
          const l1 = lookup16(tl1, il);
          const h1 = lookup16(th1, ih);
          sLo1 = i16x8.add(i16x8.add(sLo1, sLo1), pairSumLo(l1, h1));
          sHi1 = i16x8.add(i16x8.add(sHi1, sHi1), pairSumHi(l1, h1));
        }
      }
      wp += <usize>bits * V128_BYTES;
      lo = i16x8.add(lo, sLo);
      hi = i16x8.add(hi, sHi);
      if (two) {
        lo1 = i16x8.add(lo1, sLo1);
        hi1 = i16x8.add(hi1, sHi1);
      }
    }
    const lsS = load<f32>(lsRow + <usize>blk * F32_BYTES);
    let e0 = i32x4.extend_low_i16x8_s(lo);
    let e1 = i32x4.extend_high_i16x8_s(lo);
    let e2 = i32x4.extend_low_i16x8_s(hi);
    let e3 = i32x4.extend_high_i16x8_s(hi);
    if (!two && bits > 4) {
      e0 = i32x4.add(e0, i32x4.shl(i32x4.extend_low_i16x8_s(lo3), 3));
      e1 = i32x4.add(e1, i32x4.shl(i32x4.extend_high_i16x8_s(lo3), 3));
      e2 = i32x4.add(e2, i32x4.shl(i32x4.extend_low_i16x8_s(hi3), 3));
      e3 = i32x4.add(e3, i32x4.shl(i32x4.extend_high_i16x8_s(hi3), 3));
    }
    p0 = segStep(fresh, p0, e0, lsS);
    p1 = segStep(fresh, p1, e1, lsS);
    p2 = segStep(fresh, p2, e2, lsS);
    p3 = segStep(fresh, p3, e3, lsS);
    if (two) {
      const lsS1 = load<f32>(lsRow + <usize>(nblk + blk) * F32_BYTES);
      q0 = segStep(fresh, q0, i32x4.extend_low_i16x8_s(lo1), lsS1);
      q1 = segStep(fresh, q1, i32x4.extend_high_i16x8_s(lo1), lsS1);
      q2 = segStep(fresh, q2, i32x4.extend_low_i16x8_s(hi1), lsS1);
      q3 = segStep(fresh, q3, i32x4.extend_high_i16x8_s(hi1), lsS1);
    }
    // The next segment starts a group (p = 0) when this one ends one.
    fresh = (gl & 1) != 0;
    if (gl & 1) {
      const g = gl >> 1;
      const sg = sTile + <usize>g * groupBytes;
      const cg = cTile + <usize>g * groupBytes;
      const xs0 = load<f32>(xsRow + <usize>g * F32_BYTES);
      const hasC0 = c0 != 0;
      a0 = groupUpdate(a0, p0, hasC0, cg, c0Base, xs0, v128.load(sg), hav);
      a1 = groupUpdate(a1, p1, hasC0, cg + 16, c0Base, xs0, v128.load(sg, 16), hav);
      a2 = groupUpdate(a2, p2, hasC0, cg + 32, c0Base, xs0, v128.load(sg, 32), hav);
      a3 = groupUpdate(a3, p3, hasC0, cg + 48, c0Base, xs0, v128.load(sg, 48), hav);
      if (two) {
        const xs1 = load<f32>(xsRow + <usize>(ng + g) * F32_BYTES);
        b0 = groupUpdate(b0, q0, hasC0, cg, c0Base, xs1, v128.load(sg), hav);
        b1 = groupUpdate(b1, q1, hasC0, cg + 16, c0Base, xs1, v128.load(sg, 16), hav);
        b2 = groupUpdate(b2, q2, hasC0, cg + 32, c0Base, xs1, v128.load(sg, 32), hav);
        b3 = groupUpdate(b3, q3, hasC0, cg + 48, c0Base, xs1, v128.load(sg, 48), hav);
      }
      p0 = f32x4.splat(0);
      p1 = p0;
      p2 = p0;
      p3 = p0;
      q0 = p0;
      q1 = p0;
      q2 = p0;
      q3 = p0;
    }
  }
  storeTile(out + <usize>(i * n + row) * F32_BYTES, a0, a1, a2, a3, row, n1, useTs, tsv);
  if (two) storeTile(out + <usize>((i + 1) * n + row) * F32_BYTES, b0, b1, b2, b3, row, n1, useTs, tsv);
}

/** Writes a tile's 16 outputs (times the tensor scale when useTs), only rows below n1. */
@inline function storeTile(o: usize, a0: v128, a1: v128, a2: v128, a3: v128, row: i32, n1: i32, useTs: i32, tsv: v128): void {
  if (useTs) {
    a0 = scaleBy(a0, tsv);
    a1 = scaleBy(a1, tsv);
    a2 = scaleBy(a2, tsv);
    a3 = scaleBy(a3, tsv);
  }
  storeRows(o, a0, row, n1);
  storeRows(o + 16, a1, row + 4, n1);
  storeRows(o + 32, a2, row + 8, n1);
  storeRows(o + 48, a3, row + 12, n1);
}

/**
 * Rows [n0, n1) of Y for every row of X (file comment). `c0` = 0 means no per-row constants:
 * c0Base for every row. useTs != 0 multiplies each output by ts once.
 */
export function lut_i8_gemm(
  w: usize, pairs: i32, bits: i32, scales: usize, c0: usize, c0Base: f32, ng: i32,
  segs: usize, nseg: i32, tables: usize, ls: usize, nblk: i32, xs: usize, m: i32,
  out: usize, n: i32, halfAlpha: f64, ts: f64, useTs: i32, n0: i32, n1: i32,
): void {
  // Two planes (int2, ternary, int2_asym) run a copy of the loops with bits a constant
  // (lutTwoPlanes), where the plane branches and unused accumulators fold away.
  if (bits == 2) lutTwoPlanes(w, pairs, scales, c0, c0Base, ng, segs, nseg, tables, ls, nblk, xs, m, out, n, halfAlpha, ts, useTs, n0, n1);
  else lutTiles(w, pairs, bits, scales, c0, c0Base, ng, segs, nseg, tables, ls, nblk, xs, m, out, n, halfAlpha, ts, useTs, n0, n1);
}

/**
 * lut_i8_gemm for two planes, with bits a compile-time constant (AssemblyScript folds the plane
 * branches of the inlined tileRows then; 12-14% faster for int2 and ternary in an A/B over dist/,
 * while a 4-plane copy measured no faster than the shared one).
 */
function lutTwoPlanes(
  w: usize, pairs: i32, scales: usize, c0: usize, c0Base: f32, ng: i32,
  segs: usize, nseg: i32, tables: usize, ls: usize, nblk: i32, xs: usize, m: i32,
  out: usize, n: i32, halfAlpha: f64, ts: f64, useTs: i32, n0: i32, n1: i32,
): void {
  const bits: i32 = 2;
  lutTiles(w, pairs, bits, scales, c0, c0Base, ng, segs, nseg, tables, ls, nblk, xs, m, out, n, halfAlpha, ts, useTs, n0, n1);
}

/** The 16-row tiles of rows [n0, n1), two rows of X at a time. */
@inline function lutTiles(
  w: usize, pairs: i32, bits: i32, scales: usize, c0: usize, c0Base: f32, ng: i32,
  segs: usize, nseg: i32, tables: usize, ls: usize, nblk: i32, xs: usize, m: i32,
  out: usize, n: i32, halfAlpha: f64, ts: f64, useTs: i32, n0: i32, n1: i32,
): void {
  const mask = i8x16.splat(NIBBLE_MASK);
  const hav = f32x4.splat(<f32>halfAlpha); // a power of two
  const tsv = f64x2.splat(ts);
  const tileBytes = <usize>pairs * <usize>bits * V128_BYTES;
  const groupBytes = <usize>TILE * F32_BYTES;
  for (let r = n0 / TILE; r * TILE < n1; r++) {
    const wTile = w + <usize>r * tileBytes;
    const sTile = scales + <usize>r * <usize>ng * groupBytes;
    const cTile = c0 + <usize>r * <usize>ng * groupBytes;
    const row = r * TILE;
    let i = 0;
    // Five planes take the rows of X one at a time: the two-row loop's Horner sums
    // (|.| <= 254 x 31 a slot pair) would overflow i16 over a segment.
    for (; bits <= 4 && i + 2 <= m; i += 2) {
      tileRows(true, wTile, sTile, cTile, row, i, pairs, bits, c0, c0Base, ng, segs, nseg, tables, ls, nblk, xs, out, n, hav, tsv, useTs, n1, mask);
    }
    for (; i < m; i++) tileRows(false, wTile, sTile, cTile, row, i, pairs, bits, c0, c0Base, ng, segs, nseg, tables, ls, nblk, xs, out, n, hav, tsv, useTs, n1, mask);
  }
}

// ---- tables: the reference's buildLutF32, lutI8Scales and quantizeLutI8, bit for bit ----

const LUT_GROUP: i32 = 4;
const BLOCK_GROUPS: i32 = 16; // 4-groups per table block (64 activations)
const LUT_I8_MAX: f32 = 127;
const HALF_ENTRY: f64 = 0.5;
const F32_SIGN: i32 = -2147483648; // 0x80000000
const F64_SIGN: i64 = -9223372036854775808; // 0x8000000000000000

/** x[k0 + j] of one activation row, 0 past K. */
@inline function xAt(row: usize, k0: i32, j: i32, k: i32): f32 {
  return k0 + j < k ? load<f32>(row + <usize>(k0 + j) * F32_BYTES) : 0;
}

/**
 * The lanes-0,1 part of Q: round half away from zero(f64(T) / ls) of two f32 entries (lanes 0, 1
 * of e) as i32 lanes 0, 1, before saturation: floor(|v| + 0.5) is trunc(|v| + 0.5), and the sign
 * of v is put on |v| + 0.5 before truncating (the reference's -floor(0.5 - v) for v < 0; 0.5 - v
 * and |v| + 0.5 are the same f64 sum). NaN gives 0, as the reference's Int8Array store does.
 */
@inline function roundPair(e: v128, lsv: v128, half: v128, signBits: v128): v128 {
  const v = f64x2.div(f64x2.promote_low_f32x4(e), lsv);
  return i32x4.trunc_sat_f64x2_s_zero(v128.or(f64x2.add(f64x2.abs(v), half), v128.and(v, signBits)));
}

/** Q of four f32 entries (e's lanes) as i32 lanes: rounded (roundPair), then saturated to +-127. */
@inline function quantFour(e: v128, lsv: v128, half: v128, signBits: v128, maxv: v128, minv: v128): v128 {
  const lo = roundPair(e, lsv, half, signBits);
  const hi = roundPair(i32x4.shuffle(e, e, 2, 3, 0, 1), lsv, half, signBits);
  return i32x4.max_s(i32x4.min_s(i32x4.shuffle(lo, hi, 0, 1, 4, 5), maxv), minv);
}

/**
 * Int8 tables of every slot (file comment) for M rows of X: table scales ls [M][nblk], tables
 * [M][nslot][16] (slots with 4-group -1 get zeros) and the serial f32 sums xs [M][ng] of x per
 * quant group of gs activations.
 */
export function lut_i8_tables(x: usize, m: i32, k: i32, gs: i32, ng: i32, slots: usize, nslot: i32, nblk: i32, tables: usize, ls: usize, xs: usize): void {
  const nt = (k + LUT_GROUP - 1) / LUT_GROUP;
  const maxv = i32x4.splat(<i32>LUT_I8_MAX);
  const minv = i32x4.splat(-<i32>LUT_I8_MAX);
  const half = f64x2.splat(HALF_ENTRY);
  const signBits = i64x2.splat(F64_SIGN);
  const negLanes = i32x4(F32_SIGN, 0, F32_SIGN, 0); // [-a, b, -b, a] from [a, b, b, a]
  const negOdd = i32x4(0, F32_SIGN, 0, F32_SIGN); // [x1, -x1, x3, -x3] from [x1, x1, x3, x3]
  for (let i = 0; i < m; i++) {
    const row = x + <usize>(i * k) * F32_BYTES;
    const lsRow = ls + <usize>(i * nblk) * F32_BYTES;
    // lutI8Scales: per block, max over its 4-groups of the serial f32 sum of |x|, over 127.
    for (let b = 0; b < nblk; b++) {
      const t1 = min<i32>(nt, (b + 1) * BLOCK_GROUPS);
      let t = b * BLOCK_GROUPS;
      // Four 4-groups at once while all 16 activations lie inside K: transposed so that lane g
      // holds 4-group t + g, then the same serial sum ((|x0| + |x1|) + |x2|) + |x3| per lane.
      let mv = f32x4.splat(0);
      for (; t + 4 <= t1 && (t + 4) * LUT_GROUP <= k; t += 4) {
        const p = row + <usize>(t * LUT_GROUP) * F32_BYTES;
        const v0 = f32x4.abs(v128.load(p));
        const v1 = f32x4.abs(v128.load(p, 16));
        const v2 = f32x4.abs(v128.load(p, 32));
        const v3 = f32x4.abs(v128.load(p, 48));
        const a = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
        const c = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
        const e = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
        const g = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
        const x0 = i32x4.shuffle(a, c, 0, 1, 4, 5);
        const x1 = i32x4.shuffle(a, c, 2, 3, 6, 7);
        const x2 = i32x4.shuffle(e, g, 0, 1, 4, 5);
        const x3 = i32x4.shuffle(e, g, 2, 3, 6, 7);
        // f32x4.max propagates NaN, as Math.max does; the sums are never -0.
        mv = f32x4.max(mv, f32x4.add(f32x4.add(f32x4.add(x0, x1), x2), x3));
      }
      let mx: f32 = max<f32>(max<f32>(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max<f32>(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      for (; t < t1; t++) {
        const k0 = t * LUT_GROUP;
        let s: f32 = 0;
        for (let j = 0; j < LUT_GROUP && k0 + j < k; j++) s += abs<f32>(load<f32>(row + <usize>(k0 + j) * F32_BYTES));
        mx = max<f32>(mx, s); // NaN propagates, as Math.max in lutI8Scales
      }
      store<f32>(lsRow + <usize>b * F32_BYTES, mx / LUT_I8_MAX);
    }
    const tRow = tables + <usize>(i * nslot) * V128_BYTES;
    for (let sl = 0; sl < nslot; sl++) {
      const t = load<i32>(slots + <usize>sl * 4);
      const lsT: f32 = t < 0 ? 0 : load<f32>(lsRow + <usize>(t / BLOCK_GROUPS) * F32_BYTES);
      if (!(lsT > 0)) {
        v128.store(tRow + <usize>sl * V128_BYTES, i32x4.splat(0));
        continue;
      }
      const k0 = t * LUT_GROUP;
      const xp = row + <usize>k0 * F32_BYTES;
      const xv = k0 + LUT_GROUP <= k ? v128.load(xp) : f32x4(xAt(row, k0, 0, k), xAt(row, k0, 1, k), xAt(row, k0, 2, k), xAt(row, k0, 3, k));
      // buildLutF32: a = x0 + x1, b = x0 - x1, c = x2 + x3, d = x2 - x3 (f32; x0 + (-x1) is
      // x0 - x1 exactly), then e0..3 = [-a, b, -b, a] - c and e4..7 = d + [-a, b, -b, a], one
      // rounding each.
      const abcd = f32x4.add(i32x4.shuffle(xv, xv, 0, 0, 2, 2), v128.xor(i32x4.shuffle(xv, xv, 1, 1, 3, 3), negOdd));
      const v = v128.xor(i32x4.shuffle(abcd, abcd, 0, 1, 1, 0), negLanes);
      const eLo = f32x4.sub(v, i32x4.shuffle(abcd, abcd, 2, 2, 2, 2));
      const eHi = f32x4.add(i32x4.shuffle(abcd, abcd, 3, 3, 3, 3), v);
      const lsv = f64x2.splat(<f64>lsT);
      const h = i16x8.narrow_i32x4_s(quantFour(eLo, lsv, half, signBits, maxv, minv), quantFour(eHi, lsv, half, signBits, maxv, minv)); // |q| <= 127: exact
      const q8 = i8x16.narrow_i16x8_s(h, i16x8.neg(h)); // bytes 0..7 = q, 8..15 = -q
      // T[15 - idx] = -T[idx]: bytes 8..15 are -q7 .. -q0.
      v128.store(tRow + <usize>sl * V128_BYTES, i8x16.shuffle(q8, q8, 0, 1, 2, 3, 4, 5, 6, 7, 15, 14, 13, 12, 11, 10, 9, 8));
    }
    // The reference's serial f32 sum of x per quant group: four groups at once (lane = group,
    // each lane the same serial sum), then the rest one by one.
    const xsRow = xs + <usize>(i * ng) * F32_BYTES;
    let g0 = 0;
    const gstride = <usize>gs * F32_BYTES;
    for (; g0 + 4 <= ng; g0 += 4) {
      let sv = f32x4.splat(0);
      let q = row + <usize>(g0 * gs) * F32_BYTES;
      for (let j = 0; j < gs; j++) {
        let v = f32x4.splat(load<f32>(q));
        v = f32x4.replace_lane(v, 1, load<f32>(q + gstride));
        v = f32x4.replace_lane(v, 2, load<f32>(q + 2 * gstride));
        v = f32x4.replace_lane(v, 3, load<f32>(q + 3 * gstride));
        sv = f32x4.add(sv, v);
        q += F32_BYTES;
      }
      v128.store(xsRow + <usize>g0 * F32_BYTES, sv);
    }
    for (let g = g0; g < ng; g++) {
      let s: f32 = 0;
      const base = row + <usize>(g * gs) * F32_BYTES;
      for (let j = 0; j < gs; j++) s += load<f32>(base + <usize>j * F32_BYTES);
      store<f32>(xsRow + <usize>g * F32_BYTES, s);
    }
  }
}
