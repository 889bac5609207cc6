// f32 GEMV baseline on unquantized weights: y[n] = sum_k x[k] * w[n, k].
//
// Bindings (group 0):
//   0: x      array<f32>, length K            (activations, one row)
//   1: w      array<f32>, length N * K        (row-major, nn.Linear [N, K])
//   2: y      array<f32>, length N            (output)
//   3: dims   uniform { n: u32, k: u32 }
// Dispatch: ceil(N / ROWS_PER_WG) workgroups in x (wrapped into y when above the per-dimension limit).
// One workgroup of WG_SIZE invocations reduces ROWS_PER_WG rows; each invocation strides over K.

override WG_SIZE: u32 = 64u;
override ROWS_PER_WG: u32 = 4u;

struct Dims { n: u32, k: u32, rows_per_x: u32, _pad: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

const MAX_WG: u32 = 256u;
var<workgroup> partial: array<f32, MAX_WG>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let first_row = (wid.y * dims.rows_per_x + wid.x) * ROWS_PER_WG;
  for (var r = 0u; r < ROWS_PER_WG; r++) {
    let row = first_row + r;
    var acc = 0.0;
    if (row < dims.n) {
      let base = row * dims.k;
      for (var k = lid; k < dims.k; k += WG_SIZE) {
        acc += x[k] * w[base + k];
      }
    }
    partial[lid] = acc;
    workgroupBarrier();
    // Tree reduction over the workgroup (WG_SIZE is a power of two).
    for (var stride = WG_SIZE / 2u; stride > 0u; stride /= 2u) {
      if (lid < stride) {
        partial[lid] += partial[lid + stride];
      }
      workgroupBarrier();
    }
    if (lid == 0u && row < dims.n) {
      y[row] = partial[0];
    }
    workgroupBarrier();
  }
}
