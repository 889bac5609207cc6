// LUT GEMM (M > 1), tiled: the lookup pass of lut-f32-dot.wgsl / lut-i8-dot.wgsl for TILE_M
// activation rows at once. Y[m, n] = sum over the 4-groups t of
//   scale_g * ( plane_sum(m, t, nibbles of row n at t) + (LUT_C0_BASE - zero_g) * x4sum[m, t] ),
// the same expression per 4-group as the GEMV snippets, accumulated serially over t.
//
// Tile: a workgroup of TILE_N invocations computes a TILE_M x TILE_N block of Y; invocation i
// owns weight row n0 + i and keeps TILE_M accumulators. The t loop walks tiles of TILE_T
// 4-groups: the workgroup first stages the tables (TABLE_WORDS words per 4-group, from the
// table snippet) and the 4-group sums of activation rows m0 .. m0+TILE_M in workgroup memory
// (zero past M and nt); then every invocation reads the BITS nibbles of its row at t once and
// looks them up in the TILE_M staged tables. That reuse of one weight nibble for TILE_M rows is
// what the GEMV variants (one activation row per dispatch z) lack.
//
// Parts before this driver: lut-f32-lookup.wgsl or lut-i8-lookup.wgsl (TABLE_WORDS, plane_sum).
// Prelude: generatePrelude with `lut` (LUT_ALPHA, LUT_C0_BASE), group_zero.
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts):
//   0: planes array<u32> [n, BITS, words_per_row]   1: scales   2: zeros (packed bytes)   3: ids (unused)
//   4: tables array<u32> [M, nt, TABLE_WORDS] (f32 bit patterns or 4 int8 entries per word)
//   5: y array<f32> [M, total_n]   6: p (aux0 = nt, aux1 = 4-groups per int8 table block)
//   7: x4sum array<f32> [M, nt]    8: lut_scales array<f32> [M, nblocks] (int8 tables only)
// Dispatch: (x, y, ceil(M / TILE_M)) with x * y >= ceil(n / TILE_N) (linear = wid.y * x_groups + wid.x).
// Preconditions: TILE_M <= MAX_TILE_M; BITS <= 4.

override TILE_N: u32 = 64u;
override TILE_M: u32 = 4u;
override TILE_T: u32 = 32u;
const MAX_TILE_M: u32 = 8u;

var<workgroup> tab: array<u32, TILE_M * TILE_T * TABLE_WORDS>;
var<workgroup> x4s: array<f32, TILE_M * TILE_T>;

@compute @workgroup_size(TILE_N)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * p.x_groups + wid.x) * TILE_N + lid;
  let m0 = wid.z * TILE_M;
  let mrows = min(TILE_M, p.m - m0);
  let valid = row < p.n;
  let nt = p.aux0;
  let wpp = p.words_per_row;
  let plane_base = row * BITS * wpp;
  let g_base = row * p.groups_per_row;
  var acc: array<f32, MAX_TILE_M>;
  for (var t0 = 0u; t0 < nt; t0 += TILE_T) {
    let tcount = min(TILE_T, nt - t0);
    // Slot s = mi * TILE_T + j holds the table and 4-group sum of row m0 + mi at t0 + j.
    for (var i = lid; i < TILE_M * TILE_T * TABLE_WORDS; i += TILE_N) {
      let s = i / TABLE_WORDS;
      let mi = s / TILE_T;
      let j = s - mi * TILE_T;
      var v = 0u;
      if (mi < mrows && j < tcount) {
        v = tables[((m0 + mi) * nt + t0 + j) * TABLE_WORDS + (i - s * TABLE_WORDS)];
      }
      tab[i] = v;
    }
    for (var s = lid; s < TILE_M * TILE_T; s += TILE_N) {
      let mi = s / TILE_T;
      let j = s - mi * TILE_T;
      var v = 0.0;
      if (mi < mrows && j < tcount) {
        v = x4sum[(m0 + mi) * nt + t0 + j];
      }
      x4s[s] = v;
    }
    workgroupBarrier();
    if (valid) {
      for (var j = 0u; j < tcount; j++) {
        let t = t0 + j;
        let g = g_base + (4u * t) / p.group_size;
        let sh = (t & 7u) * 4u;
        var nibs = vec4<u32>(0u);
        for (var i = 0u; i < BITS; i++) {
          nibs[i] = (planes[plane_base + i * wpp + (t >> 3u)] >> sh) & 15u;
        }
        let c0 = LUT_C0_BASE - group_zero(g);
        let sc = scales[g];
        for (var mi = 0u; mi < mrows; mi++) {
          let slot = mi * TILE_T + j;
          acc[mi] += (plane_sum(slot, nibs, m0 + mi, t) + c0 * x4s[slot]) * sc;
        }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var mi = 0u; mi < mrows; mi++) {
      var v = acc[mi];
      if (USE_TENSOR_SCALE) {
        v = v * p.tensor_scale;
      }
      y[(m0 + mi) * p.total_n + p.row_offset + row] = v;
    }
  }
}
