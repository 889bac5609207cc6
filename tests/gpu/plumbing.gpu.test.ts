// GPU plumbing: a device is acquired, its adapter named, and an f32 GEMV kernel agrees with the f64 oracle.
import { describe, expect, it } from 'vitest';
import { useGpu } from './harness.js';
import { f32GemvGpu } from '../../src/gpu/f32-gemv.js';
import { matmulRefDense } from '../../src/cpu/matmul-ref.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('gpu plumbing', () => {
  const fixture = useGpu();

  it('names the adapter and its capabilities', (ctx) => {
    const gpu = fixture.get(ctx);
    expect(gpu.describe()).toMatch(/features:/);
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  // Shapes: N and K not multiples of the workgroup tile, one row, and a larger K.
  const shapes: [number, number][] = [
    [1, 1],
    [7, 33],
    [129, 384],
    [64, 4096],
  ];
  for (const [n, k] of shapes) {
    it(`f32 GEMV ${n}x${k} matches the f64 oracle`, async (ctx) => {
      await fixture.scoped(ctx, async ({ gpu }) => {
        const rand = seeded(n * 7919 + k);
        const x = Float32Array.from({ length: k }, () => rand() * 2 - 1);
        const w = Float32Array.from({ length: n * k }, () => (rand() * 2 - 1) * (rand() < 0.01 ? 50 : 1));
        const got = await f32GemvGpu(gpu, x, w, n, k);
        const ref = matmulRefDense(x, w, 1, n, k);
        // Each invocation sums ceil(K/64) products serially, then a 64-way tree: error well under c = 1.
        const check = checkMatmulBound(got, ref, 1, n, k, { c: 1 });
        expect(check.ok, check.message).toBe(true);
      });
    });
  }

  it('reports a validation error instead of passing silently', async (ctx) => {
    const gpu = fixture.get(ctx);
    gpu.device.pushErrorScope('validation');
    // A storage buffer without STORAGE usage bound as storage is a validation error.
    const bad = gpu.device.createBuffer({ size: 4, usage: GPUBufferUsage.COPY_DST | 0x1000000 });
    const err = await gpu.device.popErrorScope();
    bad.destroy();
    expect(err).not.toBeNull();
  });
});
