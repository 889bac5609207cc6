// Dequant family snippet for the tiled GEMM driver (gemm-tiled.wgsl): tile_step decodes
// w[row, kk] exactly as the CPU dequantize (dequant_weight, then the tensor scale) and adds
// w * x[m0 + mi, kk] to each row's accumulator.
//
// Prelude: generatePrelude (decode table, code_at, group_zero, group_type, act_t).
// Bindings, besides the driver's: 0: codes  1: scales  2: zeros (packed bytes)  3: ids (packed bytes).

fn tile_step(row: u32, kk: u32, t: u32, mrows: u32, acc: ptr<function, array<f32, MAX_TILE_M>>) {
  let g = row * p.groups_per_row + kk / p.group_size;
  var w = dequant_weight(group_type(g), code_at(row * p.words_per_row, kk), group_zero(g), scales[g]);
  if (USE_TENSOR_SCALE) {
    w = w * p.tensor_scale;
  }
  for (var mi = 0u; mi < mrows; mi++) {
    (*acc)[mi] += w * xs[mi * TILE_K + t];
  }
}

fn finish_row(mrows: u32, acc: ptr<function, array<f32, MAX_TILE_M>>) {}
