// GPU kernel variant names are a string-literal union: the table's variants are exactly GPU_VARIANT_NAMES, in order, and lookups name the nearest on a typo.
import { describe, expect, it } from 'vitest';
import { GPU_KERNEL_VARIANTS, GPU_VARIANT_NAMES, getGpuKernelVariant, isGpuVariantName } from '../../src/gpu/kernels.js';

describe('GPU variant names', () => {
  it('list every variant of the table, once, in table order', () => {
    expect(GPU_KERNEL_VARIANTS.map((v) => v.name)).toEqual([...GPU_VARIANT_NAMES]);
    expect(new Set(GPU_VARIANT_NAMES).size).toBe(GPU_VARIANT_NAMES.length);
    for (const v of GPU_KERNEL_VARIANTS) expect(v.name).toBe(`${v.kernel}/${v.variant}`);
  });

  it('are recognised by isGpuVariantName and looked up by getGpuKernelVariant', () => {
    expect(isGpuVariantName('dequant-gemv/plain')).toBe(true);
    expect(isGpuVariantName('dequant-gemv/fast')).toBe(false);
    expect(getGpuKernelVariant('lut-gemv/i8').family).toBe('lut');
    expect(() => getGpuKernelVariant('dequant-gemv/fats')).toThrow(/Unknown GPU kernel variant "dequant-gemv\/fats"; did you mean dequant-gemv\/f16\b/);
  });
});
