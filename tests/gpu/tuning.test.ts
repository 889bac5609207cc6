// Workgroup constants per device: defaults by adapter kind, recorded tunings applied per device, and invalid entries refused with the reason.
import { describe, expect, it } from 'vitest';
import { clearTuning, kernelTuning, setTuning, tuningProblem, tuningTable } from '../../src/gpu/tuning.js';
import type { LowbitGpu } from '../../src/gpu/device.js';

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
    expect(kernelTuning(fakeGpu(false), 'lut', 'gemm')).toEqual({ WG_SIZE: 128, TPR: 32, TILE_M: 8 });
    // Shrinks to the device's workgroup limit.
    expect(kernelTuning(fakeGpu(false, 64), 'dequant', 'gemv')).toEqual({ WG_SIZE: 64, TPR: 32, RPT: 2 });
  });

  it('applies a recorded table per device and per family-shape', () => {
    const gpu = fakeGpu(true);
    setTuning(gpu, { 'lut-gemv': { WG_SIZE: 128, TPR: 8, RPT: 2 } });
    expect(kernelTuning(gpu, 'lut', 'gemv')).toEqual({ WG_SIZE: 128, TPR: 8, RPT: 2 });
    expect(kernelTuning(gpu, 'dequant', 'gemv')).toEqual({ WG_SIZE: 64, TPR: 1, RPT: 4 });
    expect(kernelTuning(fakeGpu(true), 'lut', 'gemv')).toEqual({ WG_SIZE: 64, TPR: 1, RPT: 4 });
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
    expect(() => setTuning(gpu, { 'dequant-gemv': { WG_SIZE: 64, TPR: 3 } })).toThrow(/dequant-gemv: TPR 3/);
  });
});
