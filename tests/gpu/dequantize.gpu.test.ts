// GPU dequantize and decode tables are bit-exact with the CPU (every scheme, every code of every datatype), and large weights split by rows.
import type { DTypeName } from '../../src/dtype/registry.js';
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { useGpu } from './harness.js';
import { ALL_SCHEMES, quantizedCase } from './cases.js';
import { dequantizeGpu } from '../../src/gpu/kernels.js';
import { uploadQuantizedTensor, rowsPerChunk } from '../../src/gpu/gpu-tensor.js';
import { GpuLimitError } from '../../src/gpu/buffers.js';
import { dequantize } from '../../src/quant/quantize.js';
import { DTYPE_NAMES, getDType } from '../../src/dtype/registry.js';
import { packCodes, wordsPerRowFor } from '../../src/format/pack.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';

/** Smallest positive normal f32 (2^-126). */
const F32_MIN_NORMAL = 2 ** -126;

/**
 * First index where the bit patterns differ, or -1. NaN matches any NaN (payloads are not
 * promised). WGSL lets an implementation flush subnormal f32 results to zero (WGSL spec,
 * "Floating Point Evaluation"), so a subnormal expected value may come back as a zero of the
 * same sign; every other value must match bit for bit.
 */
function firstBitMismatch(got: Float32Array, want: Float32Array): number {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < w.length; i++) {
    if (g[i] === w[i]) continue;
    if (Number.isNaN(got[i]) && Number.isNaN(want[i])) continue;
    const flushed = got[i] === 0 && want[i] !== 0 && Math.abs(want[i]!) < F32_MIN_NORMAL && g[i]! >>> 31 === w[i]! >>> 31;
    if (flushed) continue;
    return i;
  }
  return -1;
}

function describeMismatch(got: Float32Array, want: Float32Array, cols: number, i: number): string {
  const hex = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset + i * 4, 1)[0]!.toString(16).padStart(8, '0');
  return `first mismatch at (row ${Math.floor(i / cols)}, col ${i % cols}): got ${got[i]} (0x${hex(got)}), expected ${want[i]} (0x${hex(want)})`;
}

/**
 * A one-row tensor holding every code of every datatype of one width once, scale 1: group g is
 * datatype g (a mixture with datatype ids when there are several), so dequantize = the
 * concatenated decode tables and one pipeline covers the width.
 */
function everyCodeTensor(names: readonly DTypeName[]): QuantizedTensor {
  const bits = getDType(names[0]!).bits;
  const per = 1 << bits;
  const cols = per * names.length;
  const codes = Uint8Array.from({ length: cols }, (_, i) => i % per);
  return {
    // Every code of several element types side by side: no registered scheme makes this tensor.
    scheme: `decode-tables-${bits}bit` as AnySchemeName,
    rows: 1,
    cols,
    bits,
    groupSize: per,
    granularity: 'group',
    codes: packCodes(codes, 1, cols, bits),
    wordsPerRow: wordsPerRowFor(cols, bits),
    elementTypes: names,
    ...(names.length > 1 ? { dtypeIds: Uint8Array.from(names, (_, i) => i) } : {}),
    idBits: names.length > 1 ? Math.ceil(Math.log2(names.length)) : 0,
    scales: new Float32Array(names.length).fill(1),
    scaleDType: 'f32',
    tensorScale: 1,
    hasTensorScale: false,
  };
}

describe('gpu dequantize', () => {
  const fixture = useGpu();

  it('decodes every code of every datatype to the CPU decode table bits', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu }) => {
      const byWidth = new Map<number, DTypeName[]>();
      for (const name of DTYPE_NAMES) byWidth.set(getDType(name).bits, [...(byWidth.get(getDType(name).bits) ?? []), name]);
      for (const names of byWidth.values()) {
        const qt = everyCodeTensor(names);
        const { w } = await dequantizeGpu(gpu, qt);
        const want = new Float32Array(names.flatMap((n) => Array.from(getDType(n).decodeTable)));
        const bad = firstBitMismatch(w, want);
        const per = 1 << qt.bits;
        expect(bad, `${names[Math.floor(bad / per)]}: code ${bad % per}: got ${w[bad]}, expected ${want[bad]}`).toBe(-1);
      }
    });
  });

  // Shapes: N not a multiple of any tile; K two groups (fixed-block schemes: their block x 2).
  for (const scheme of ALL_SCHEMES) {
    it(`${scheme}: bit-exact with the CPU dequantize`, async (ctx) => {
      await fixture.scoped(ctx, async ({ gpu }) => {
        const qt = quantizedCase(scheme, 13, 96, 1000 + scheme.length);
        const want = dequantize(qt);
        const got = await dequantizeGpu(gpu, qt);
        expect(got.variant).toBe('dequantize');
        const bad = firstBitMismatch(got.w, want);
        expect(bad, bad < 0 ? '' : `${scheme}: ${describeMismatch(got.w, want, qt.cols, bad)}`).toBe(-1);
      });
    });
  }

  it('splits weights by rows when a buffer would exceed the binding limit', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu, track }) => {
      const qt = quantizedCase('int3_asym', 10, 96, 7);
      // 3-bit codes: 9 words (36 bytes) per row; a 100-byte limit gives chunks of 2 rows.
      const gt = track(uploadQuantizedTensor(gpu, qt, { maxBindingBytes: 100 }));
      expect(gt.chunks.map((c) => c.rows)).toEqual([2, 2, 2, 2, 2]);
      const got = await dequantizeGpu(gpu, gt);
      expect(firstBitMismatch(got.w, dequantize(qt))).toBe(-1);
    });
  });

  it('rejects a row larger than the binding limit with a GpuLimitError naming the limit', () => {
    const qt = quantizedCase('int8', 2, 64, 3);
    expect(() => rowsPerChunk(qt, 8)).toThrow(GpuLimitError);
    expect(() => rowsPerChunk(qt, 8)).toThrow(/maxStorageBufferBindingSize/);
  });
});
