// Workgroup constants per device: defaults by adapter kind, recorded tunings applied per device, and invalid entries refused with the reason.
import { describe, expect, it } from 'vitest';
import { clearTuning, kernelTuning, setTuning, tuningProblem, tuningTable } from '../../src/gpu/tuning.js';
import type { LowbitGpu } from '../../src/gpu/device.js';
import { lutUsesPairs } from '../../src/gpu/lut-kernels.js';

function fakeGpu(software: boolean, maxInvocations = 256): LowbitGpu {
  return {
    device: {} as GPUDevice,
    adapter: { vendor: 'v', architecture: 'a', device: '', description: 'd', software, runtime: 'node-dawn', via: 'test' },
    limits: { maxComputeInvocationsPerWorkgroup: maxInvocations, maxComputeWorkgroupSizeX: maxInvocations, maxComputeWorkgroupStorageSize: 16384 },
  } as unknown as LowbitGpu;
}

describe('kernel tuning', () => {
  it('defaults to one lane per row on software adapters and split rows on hardware', () => {
    expect(kernelTuning(fakeGpu(true), 'dequant', 'gemv')).toEqual({ WG_SIZE: 64, TPR: 1, RPT: 4 });
    expect(kernelTuning(fakeGpu(false), 'dequant', 'gemv')).toEqual({ WG_SIZE: 128, TPR: 32, RPT: 2 });
    expect(kernelTuning(fakeGpu(false), 'lut', 'gemm')).toEqual({ WG_SIZE: 128, TPR: 32, TILE_M: 8, PAIRS: 1 });
    // Shrinks to the device's workgroup limit.
    expect(kernelTuning(fakeGpu(false, 64), 'dequant', 'gemv')).toEqual({ WG_SIZE: 64, TPR: 32, RPT: 2 });
  });

  it('applies a recorded table per device and per family-shape', () => {
    const gpu = fakeGpu(true);
    setTuning(gpu, { 'lut-gemv': { WG_SIZE: 128, TPR: 8, RPT: 2 } });
    // The LUT GEMV's table form defaults to plane pairs; the other families have none.
    expect(kernelTuning(gpu, 'lut', 'gemv')).toEqual({ WG_SIZE: 128, TPR: 8, RPT: 2, PAIRS: 1 });
    expect(kernelTuning(gpu, 'dequant', 'gemv')).toEqual({ WG_SIZE: 64, TPR: 1, RPT: 4 });
    expect(kernelTuning(fakeGpu(true), 'lut', 'gemv')).toEqual({ WG_SIZE: 64, TPR: 1, RPT: 4, PAIRS: 1 });
    setTuning(gpu, { 'lut-gemv': { WG_SIZE: 64, TPR: 1, RPT: 4, PAIRS: 0 } });
    expect(kernelTuning(gpu, 'lut', 'gemv').PAIRS).toBe(0);
    expect(Object.keys(tuningTable(gpu))).toHaveLength(8);
    clearTuning(gpu);
    expect(kernelTuning(gpu, 'lut', 'gemv').TPR).toBe(1);
  });

  it('refuses shapes the drivers cannot run', () => {
    const gpu = fakeGpu(false);
    expect(tuningProblem(gpu, { WG_SIZE: 96, TPR: 1 })).toMatch(/power of two/);
    expect(tuningProblem(gpu, { WG_SIZE: 64, TPR: 128 })).toMatch(/TPR/);
    expect(tuningProblem(gpu, { WG_SIZE: 64, TPR: 4, RPT: 9 })).toMatch(/RPT/);
    expect(tuningProblem(gpu, { WG_SIZE: 512, TPR: 4 })).toMatch(/workgroup limits/);
    expect(tuningProblem(gpu, { WG_SIZE: 64, TPR: 1, PAIRS: 2 })).toMatch(/PAIRS 2 must be 0 or 1/);
    expect(() => setTuning(gpu, { 'dequant-gemv': { WG_SIZE: 64, TPR: 3 } })).toThrow(/dequant-gemv: TPR 3/);
  });
});

describe('lutUsesPairs', () => {
  it('takes plane-pair tables for the f32 LUT kernels at even bits within 64 MB of tables, unless the tuning says PAIRS: 0', () => {
    const t = { WG_SIZE: 64, TPR: 1, RPT: 4 };
    expect(lutUsesPairs(2, 'f32', 1, 1024, t)).toBe(true);
    expect(lutUsesPairs(4, 'f32', 1, 1024, { ...t, PAIRS: 1 })).toBe(true);
    expect(lutUsesPairs(2, 'f32', 1, 1024, { ...t, PAIRS: 0 })).toBe(false);
    expect(lutUsesPairs(3, 'f32', 1, 1024, t)).toBe(false);
    expect(lutUsesPairs(1, 'f32', 1, 1024, t)).toBe(false);
    expect(lutUsesPairs(2, 'i8', 1, 1024, t)).toBe(false);
    expect(lutUsesPairs(2, 'f32', 8, 1024, { WG_SIZE: 64, TPR: 1, TILE_M: 8 })).toBe(true);
    // 64 MB = M x nt x 256 entries x 4 bytes: M x nt up to 65536.
    expect(lutUsesPairs(2, 'f32', 64, 1024, t)).toBe(true);
    expect(lutUsesPairs(2, 'f32', 65, 1024, t)).toBe(false);
  });
});
