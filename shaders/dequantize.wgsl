// Dequantize a QuantizedTensor to row-major f32 W[N, K], bit-exact with the CPU `dequantize`
// (src/quant/quantize.ts): w = (decode(code) - zero) * scale [* tensor_scale] [- offset], each
// operation rounded to f32 in that order (dequant_weight in the prelude, then the tensor scale and
// the offset).
//
// Shader compilers may contract a product and a following subtraction into one fused multiply-add
// (one rounding instead of two; SPIR-V without NoContraction and Metal by default allow it), which
// would break bit-exactness with the CPU's rounded product. Before the offset is subtracted, the product's bits are therefore OR-ed with
// p.fuse_guard, a uniform the host always sets to 0: the compiler cannot see through it, so the
// product is materialised as a rounded f32 and the subtraction rounds on its own.
//
// Prelude: generatePrelude (src/wgsl/prelude.ts): BITS, decode table, code_at, group_zero,
// group_type, group_offset, dequant_weight, USE_TENSOR_SCALE, HAS_OFFSETS.
// Bindings (group 0):
//   0: codes   array<u32>   row-aligned LSB-first code stream, words_per_row words per row
//   1: scales  array<f32>   one per group, rows * groups_per_row
//   2: zeros   array<u32>   zero points, bytes packed 4 per word (bound but unread without zeros)
//   3: ids     array<u32>   datatype ids, bytes packed 4 per word (bound but unread without ids)
//   4: w       array<f32>   output, total rows * K (this dispatch writes rows row_offset..row_offset+n-1)
//   5: p       uniform DequantParams
//   6: offsets array<f32>   one per group (bound but unread without offsets)
// Dispatch: ceil(n * K / WG_SIZE) workgroups, wrapped into y above the per-dimension limit
// (linear workgroup = wid.y * x_groups + wid.x). One invocation per element.

override WG_SIZE: u32 = 256u;

struct DequantParams {
  n: u32,              // rows in this chunk
  k: u32,
  group_size: u32,
  groups_per_row: u32,
  words_per_row: u32,
  row_offset: u32,     // first output row of this chunk
  x_groups: u32,       // workgroups per dispatch row (dispatch wrapping)
  tensor_scale: f32,
  fuse_guard: u32,     // always 0 (see the header)
}

@group(0) @binding(0) var<storage, read> codes: array<u32>;
@group(0) @binding(1) var<storage, read> scales: array<f32>;
@group(0) @binding(2) var<storage, read> zeros: array<u32>;
@group(0) @binding(3) var<storage, read> ids: array<u32>;
@group(0) @binding(4) var<storage, read_write> w: array<f32>;
@group(0) @binding(5) var<uniform> p: DequantParams;
@group(0) @binding(6) var<storage, read> offsets: array<f32>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * p.x_groups + wid.x) * WG_SIZE + lid;
  if (idx >= p.n * p.k) {
    return;
  }
  let r = idx / p.k;
  let kk = idx - r * p.k;
  let g = r * p.groups_per_row + kk / p.group_size;
  var v = dequant_weight(group_type(g), code_at(r * p.words_per_row, kk), group_zero(g), scales[g]);
  if (USE_TENSOR_SCALE) {
    v = v * p.tensor_scale;
  }
  if (HAS_OFFSETS) {
    v = bitcast<f32>(bitcast<u32>(v) | p.fuse_guard) - group_offset(g);
  }
  w[(p.row_offset + r) * p.k + kk] = v;
}
