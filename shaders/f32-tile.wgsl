// f32 family snippet for the tiled GEMM driver (gemm-tiled.wgsl): the baseline on unquantized
// (or pre-dequantized) weights, with the same tiling as the quantized GEMMs so the two compare
// directly.
//
// Bindings, besides the driver's: 0: w array<f32> [n, K] row-major.

fn tile_step(row: u32, kk: u32, t: u32, mrows: u32, acc: ptr<function, array<f32, MAX_TILE_M>>) {
  let wv = w[row * p.k + kk];
  for (var mi = 0u; mi < mrows; mi++) {
    (*acc)[mi] += wv * xs[mi * TILE_K + t];
  }
}

fn finish_row(mrows: u32, acc: ptr<function, array<f32, MAX_TILE_M>>) {}
