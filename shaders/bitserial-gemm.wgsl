// Bit-serial GEMM (M > 1), tiled: the arithmetic of bitserial-dot.wgsl for TILE_M activation
// rows at once. Every weight is decoded once into its term-table entry (BS_INDEX, minus the zero
// point) and its <= BS_TERMS signed power-of-two terms are applied to the TILE_M staged
// activations; per quant group a partial sum per activation row, rescaled once by scale * unit
// when the invocation leaves the group (and by the tensor scale at the end).
//
// Tile: as dequant-gemm.wgsl: a workgroup of TILE_N invocations computes a TILE_M x TILE_N
// block of Y; invocation i owns weight row n0 + i; X[m0 .. m0+TILE_M, k0 .. k0+TILE_K] is
// staged in workgroup memory (zero past M and K) before each K tile.
//
// Prelude: generatePrelude with `bitSerial`, code_at, group_zero, group_type, act_t.
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts):
//   0: codes  1: scales  2: zeros (packed bytes)  3: ids (packed bytes)  4: x array<act_t> [M, K]
//   5: y array<f32> [M, total_n]  6: p
// Dispatch: (x, y, ceil(M / TILE_M)) with x * y >= ceil(n / TILE_N) (linear = wid.y * x_groups + wid.x).
// Preconditions: TILE_M <= MAX_TILE_M.

override TILE_N: u32 = 64u;
override TILE_M: u32 = 4u;
override TILE_K: u32 = 32u;
const MAX_TILE_M: u32 = 8u;

var<workgroup> xs: array<f32, TILE_M * TILE_K>;

@compute @workgroup_size(TILE_N)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * p.x_groups + wid.x) * TILE_N + lid;
  let m0 = wid.z * TILE_M;
  let mrows = min(TILE_M, p.m - m0);
  let valid = row < p.n;
  let word_base = row * p.words_per_row;
  let g_base = row * p.groups_per_row;
  var acc: array<f32, MAX_TILE_M>;
  var grp: array<f32, MAX_TILE_M>;
  var cur = 0xffffffffu;
  var cur_su = 0.0;
  for (var k0 = 0u; k0 < p.k; k0 += TILE_K) {
    for (var i = lid; i < TILE_M * TILE_K; i += TILE_N) {
      let mi = i / TILE_K;
      let kk = k0 + (i - mi * TILE_K);
      var v = 0.0;
      if (mi < mrows && kk < p.k) {
        v = f32(x[(m0 + mi) * p.k + kk]);
      }
      xs[i] = v;
    }
    workgroupBarrier();
    if (valid) {
      let kend = min(TILE_K, p.k - k0);
      for (var t = 0u; t < kend; t++) {
        let kk = k0 + t;
        let g = g_base + kk / p.group_size;
        let id = group_type(g);
        if (g != cur) {
          // Leaving a group: rescale each row's partial sum once by scale * unit (a power of two).
          for (var mi = 0u; mi < mrows; mi++) {
            acc[mi] += grp[mi] * cur_su;
            grp[mi] = 0.0;
          }
          cur = g;
          cur_su = scales[g] * BS_UNIT[id];
        }
        var entry = i32(BS_INDEX[(id << BITS) | code_at(word_base, kk)]);
        if (HAS_ZEROS) {
          entry -= i32(group_zero(g));
        }
        let base = (id * BS_ENTRIES + u32(entry)) * BS_TERMS;
        for (var mi = 0u; mi < mrows; mi++) {
          let xv = xs[mi * TILE_K + t];
          for (var tt = 0u; tt < BS_TERMS; tt++) {
            grp[mi] += xv * BS_MUL[base + tt];
          }
        }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var mi = 0u; mi < mrows; mi++) {
      var v = acc[mi] + grp[mi] * cur_su;
      if (USE_TENSOR_SCALE) {
        v = v * p.tensor_scale;
      }
      y[(m0 + mi) * p.total_n + p.row_offset + row] = v;
    }
  }
}
