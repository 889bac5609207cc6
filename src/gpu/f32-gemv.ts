/** The f32 GEMV baseline on unquantized weights (the roofline lowbit's kernels are compared with). */
import type { LowbitGpu } from './device.js';
import { createStorage, dispatch2d, readF32, uploadStorage, uploadUniform } from './buffers.js';
import { getPipeline } from './pipeline-cache.js';

/** Workgroup shape of the f32 GEMV (override constants of shaders/f32-gemv.wgsl). */
export const F32_GEMV_TILE = { WG_SIZE: 64, ROWS_PER_WG: 4 } as const;

/** y[n] = sum_k x[k] w[n, k] on the GPU, for W [N, K] row-major. */
export async function f32GemvGpu(gpu: LowbitGpu, x: Float32Array, w: Float32Array, n: number, k: number): Promise<Float32Array> {
  if (x.length !== k) throw new Error(`f32 GEMV: x has ${x.length} elements, expected K = ${k}`);
  if (w.length !== n * k) throw new Error(`f32 GEMV: w has ${w.length} elements, expected N*K = ${n * k}`);
  const pipeline = await getPipeline(gpu, { shader: 'f32-gemv', constants: F32_GEMV_TILE });
  const [gx, gy] = dispatch2d(gpu, Math.ceil(n / F32_GEMV_TILE.ROWS_PER_WG));
  const bx = uploadStorage(gpu, x, 'x');
  const bw = uploadStorage(gpu, w, 'w');
  const by = createStorage(gpu, n * 4, 'y');
  const bd = uploadUniform(gpu, new Uint32Array([n, k, gx, 0]), 'dims');
  try {
    const bind = gpu.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [bx, bw, by, bd].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = gpu.device.createCommandEncoder({ label: 'f32-gemv' });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    return await readF32(gpu, by, n);
  } finally {
    for (const b of [bx, bw, by, bd]) b.destroy();
  }
}
