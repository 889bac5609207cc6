// Which GPU kernel variants take llama.cpp's block formats: the dequant and f32 families every ggml scheme, LUT and bit-serial refuse naming dequant, offsets with a tensor scale are refused; the offset bound's extra term.
import { describe, expect, it } from 'vitest';
import { GPU_KERNEL_VARIANTS, gpuKernelBound } from '../../src/gpu/kernels.js';
import { gpuQuantizeSupports } from '../../src/gpu/quantize-gpu.js';
import { offsetExtraBound, offsetTermMagnitudes, OFFSET_ROUNDINGS } from '../../src/gpu/offset-bound.js';
import { GGML_SCHEME_NAMES } from '../../src/quant/schemes.js';
import { dequantize, quantize } from '../../src/quant/quantize.js';
import { BOUND_SLACK, gamma } from '../../src/cpu/bound.js';
import { seededRandn } from '../../src/io/random.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';

/** ggml super-block: 256 weights. */
const QK_K = 256;

describe('GPU variants and the ggml schemes', () => {
  const w = seededRandn(3 * QK_K, 5);
  const tensors = new Map(GGML_SCHEME_NAMES.map((s) => [s, quantize(w, 3, QK_K, s)] as const));

  it('the dequant and f32 families take every ggml scheme, by name and as a tensor', () => {
    for (const v of GPU_KERNEL_VARIANTS.filter((d) => d.family === 'dequant' || d.family === 'f32')) {
      for (const [s, qt] of tensors) {
        expect(v.supports(s), `${v.name} ${s}`).toBe(true);
        expect(v.supports(qt), `${v.name} ${s} tensor`).toBe(true);
      }
    }
  });

  it('LUT and bit-serial variants refuse every ggml scheme and say the dequant kernels take it', () => {
    const others = GPU_KERNEL_VARIANTS.filter((d) => d.family === 'lut' || d.family === 'bitserial');
    expect(others.length).toBeGreaterThan(0);
    for (const v of others) {
      for (const [s, qt] of tensors) {
        for (const target of [s, qt]) {
          const why = v.supports(target);
          expect(why, `${v.name} ${s}`).not.toBe(true);
          expect(why).toMatch(/llama\.cpp \(ggml\) block format.*dequant/);
        }
      }
    }
  });

  it('refuses a tensor with offsets and a tensor scale, and offsets that do not match the groups', () => {
    const nv = quantize(seededRandn(2 * 64, 6), 2, 64, 'nvfp4');
    const both: QuantizedTensor = { ...nv, offsets: new Float32Array(nv.scales.length) };
    const short: QuantizedTensor = { ...tensors.get('q4_k')!, offsets: new Float32Array(1) };
    for (const v of GPU_KERNEL_VARIANTS.filter((d) => d.family === 'dequant')) {
      expect(v.supports(both)).toMatch(/offsets together with a tensor scale/);
      expect(v.supports(short)).toMatch(/1 offsets for \d+ groups/);
    }
  });

  it('the GPU quantizer leaves the ggml schemes to their CPU reference quantizers', () => {
    for (const s of GGML_SCHEME_NAMES) expect(gpuQuantizeSupports(s)).toMatch(/llama\.cpp block format .*CPU only/);
  });

  it('dp4a packs int8 grids down to -128 (q8_0, int8)', () => {
    const dp4a = GPU_KERNEL_VARIANTS.find((d) => d.name === 'dequant-gemv/dp4a')!;
    expect(dp4a.supports('q8_0')).toBe(true);
    expect(dp4a.supports('int8')).toBe(true);
    expect(dp4a.supports('int8_asym')).toMatch(/spans 0\.\.255, beyond int8 \(-128\.\.127\)/);
  });

  it('adds 1.01 gamma_(n+2) sum_k |x_k| (|v_k s| + |o|) per output for tensors with offsets, nothing without', () => {
    const qt = tensors.get('q4_k')!;
    const m = 2;
    const x = seededRandn(m * QK_K, 7);
    const dq = dequantize(qt);
    const v = GPU_KERNEL_VARIANTS.find((d) => d.name === 'dequant-gemv/plain')!;
    const tuning = { WG_SIZE: 64, TPR: 1, RPT: 4 } as const;
    const bound = gpuKernelBound(v, { qt, m, x, w: dq, tuning });
    const noOffsets = gpuKernelBound(v, { qt: tensors.get('q6_k')!, m, x, w: dq, tuning });
    expect(noOffsets.extra).toBeUndefined();
    // The literal rule: |v s| + |o| per weight from the tensor's fields, |x| per activation.
    const mag = offsetTermMagnitudes(qt);
    const ng = qt.cols / qt.groupSize;
    const wr = 1;
    const k = 37;
    const g = wr * ng + Math.floor(k / qt.groupSize);
    expect(mag[wr * qt.cols + k]).toBeCloseTo(Math.abs(dq[wr * qt.cols + k]! + qt.offsets![g]!) + Math.abs(qt.offsets![g]!), 5);
    // n for q4_k on the block drivers: 4-bit codes, 32 per block, groups of 32 -> block segments of
    // L = 32, S = 1, B = 8 blocks, TPR = 1: n = 32 + 1 + 8 + 1 = 42 (src/gpu/kernels.ts dequantRoundings).
    const n = 42;
    const extra = offsetExtraBound(qt, m, Float64Array.from(x, Math.abs), n)!;
    let s = 0;
    for (let t = 0; t < qt.cols; t++) s += Math.abs(x[qt.cols + t]!) * mag[2 * qt.cols + t]!;
    expect(extra[1 * qt.rows + 2]).toBeCloseTo(BOUND_SLACK * gamma(n + OFFSET_ROUNDINGS) * s, 12);
    const got = bound.extra;
    const at = typeof got === 'function' ? got : (i: number) => got![i]!;
    expect(at(1 * qt.rows + 2)).toBeCloseTo(extra[1 * qt.rows + 2]!, 12);
  });
});
