// Plain copy dst[i] = src[i]: the device's achievable bandwidth for a kernel that moves the same
// bytes as a benchmarked kernel (read once, write once, no arithmetic). src/gpu/copy-bandwidth.ts.
//
// Bindings (group 0):
//   0: src    array<vec4<u32>>, length >= p.count   (read)
//   1: dst    array<vec4<u32>>, length >= p.count   (written)
//   2: p      uniform { count: u32, x_groups: u32 }  (16-byte elements; workgroups per dispatch row)
// Dispatch: ceil(count / (WG_SIZE * PER_THREAD)) workgroups, as (x_groups, y) when above the
// per-dimension limit; the linear workgroup index is wid.y * x_groups + wid.x.
// Each invocation copies PER_THREAD elements spaced WG_SIZE apart, so consecutive invocations of
// a workgroup touch consecutive 16-byte elements (coalesced) in every step.

override WG_SIZE: u32 = 256u;
override PER_THREAD: u32 = 4u;

struct CopyParams { count: u32, x_groups: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> p: CopyParams;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let group = wid.y * p.x_groups + wid.x;
  let base = group * WG_SIZE * PER_THREAD + lid;
  for (var j = 0u; j < PER_THREAD; j++) {
    let i = base + j * WG_SIZE;
    if (i < p.count) {
      dst[i] = src[i];
    }
  }
}
