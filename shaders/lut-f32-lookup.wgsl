// f32-table lookups for the LUT GEMM driver (lut-gemm.wgsl): a staged table is the 16 f32 entries
// of one 4-group (as bit patterns in the driver's `tab`), and plane_sum adds the plane lookups
// in the order of lut-f32-dot.wgsl: sum_i LUT_ALPHA 2^(i-1) T[nibs[i]].

const TABLE_WORDS: u32 = 16u;

fn plane_sum(slot: u32, nibs: vec4<u32>, m: u32, t: u32) -> f32 {
  let base = slot * TABLE_WORDS;
  var sum = 0.0;
  var a = LUT_ALPHA * 0.5;
  for (var i = 0u; i < BITS; i++) {
    sum += a * bitcast<f32>(tab[base + nibs[i]]);
    a = a * 2.0;
  }
  return sum;
}
