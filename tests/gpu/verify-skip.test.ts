// Skip reasons of the verification matrix: a few words naming the WebGPU capabilities the adapter lacks.
import { describe, expect, it } from 'vitest';
import { skipReason } from '../../src/gpu/verify.js';
import { GPU_KERNEL_VARIANTS } from '../../src/gpu/kernels.js';
import type { GpuCapabilities } from '../../src/gpu/device.js';

const NONE: GpuCapabilities = { subgroups: false, shaderF16: false, timestampQuery: false, packed4x8IntegerDotProduct: false };
const ALL: GpuCapabilities = { subgroups: true, shaderF16: true, timestampQuery: true, packed4x8IntegerDotProduct: true };

describe('skipReason', () => {
  it('names the missing WebGPU features by their WebGPU names', () => {
    expect(skipReason({ capabilities: NONE }, { needs: ['shaderF16'] })).toBe('adapter lacks shader-f16');
    expect(skipReason({ capabilities: NONE }, { needs: ['subgroups', 'shaderF16'] })).toBe('adapter lacks subgroups, shader-f16');
    expect(skipReason({ capabilities: { ...NONE, subgroups: true } }, { needs: ['subgroups', 'packed4x8IntegerDotProduct'] })).toBe('adapter lacks packed_4x8_integer_dot_product');
    expect(skipReason({ capabilities: NONE }, { needs: [] })).toBeUndefined();
  });

  it('lets every variant run on an adapter with every capability, and skips each variant with needs on a bare one', () => {
    for (const v of GPU_KERNEL_VARIANTS) {
      expect(skipReason({ capabilities: ALL }, v), v.name).toBeUndefined();
      const r = skipReason({ capabilities: NONE }, v);
      if (v.needs.length === 0) expect(r, v.name).toBeUndefined();
      else expect(r, v.name).toMatch(/^adapter lacks /);
    }
  });
});
