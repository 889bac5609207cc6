// `lowbit verify`'s matrix runner: rows name every variant run on a scheme, with pass results on this adapter.
import { describe, expect, it } from 'vitest';
import { useGpu } from './harness.js';
import { verifyMatrix } from '../../src/gpu/verify.js';
import { GPU_KERNEL_VARIANTS, variantAvailable } from '../../src/gpu/kernels.js';

describe('verifyMatrix', () => {
  const fixture = useGpu();

  it('checks int4 on the dequantize, the quantize and every supporting variant', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu }) => {
      const rows = await verifyMatrix(gpu, { schemes: ['int4'], quick: true });
      const expected = ['dequantize', 'quantize', ...GPU_KERNEL_VARIANTS.filter((v) => v.supports('int4') === true).map((v) => v.name)];
      expect(rows.map((r) => r.variant)).toEqual(expected);
      for (const r of rows) {
        const avail = r.variant === 'dequantize' || r.variant === 'quantize' ? true : variantAvailable(gpu, r.variant);
        expect(r.status, `${r.variant}: ${r.message}`).toBe(avail === true ? 'pass' : 'skip');
        // A skipped row says why in a few words, naming the WebGPU capability.
        if (r.status === 'skip') expect(r.message).toMatch(/^adapter lacks (subgroups|shader-f16|timestamp-query|packed_4x8_integer_dot_product)(, [a-z0-9_-]+)*$/);
      }
    });
  });
});
