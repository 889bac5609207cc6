// int8-table lookups for the LUT GEMM driver (lut-gemm.wgsl): a staged table is the 16 int8
// entries of one 4-group, 4 per u32 word; plane_sum adds the plane lookups exactly as integers
// (plane i weighted 2^i) and rescales once, in the order of lut-i8-dot.wgsl:
//   lut_scale(m, block of t) * sum_i 2^i Q[nibs[i]] * (LUT_ALPHA / 2).

const TABLE_WORDS: u32 = 4u;

fn plane_sum(slot: u32, nibs: vec4<u32>, m: u32, t: u32) -> f32 {
  let base = slot * TABLE_WORDS;
  var isum = 0i;
  for (var i = 0u; i < BITS; i++) {
    let word = bitcast<i32>(tab[base + (nibs[i] >> 2u)]);
    isum += extractBits(word, (nibs[i] & 3u) * 8u, 8u) << i;
  }
  let nblocks = (p.aux0 + p.aux1 - 1u) / p.aux1;
  return lut_scales[m * nblocks + t / p.aux1] * f32(isum) * (LUT_ALPHA * 0.5);
}
