// Chunked tensor reads: F16/BF16/F64 conversions exact across chunk boundaries, f32 straight into the output, bounds and overflow errors.
import { describe, expect, it } from 'vitest';
import { blobSource, bytesSource, type ByteSource } from '../../src/io/byte-source.js';
import { f16BitsToF32 } from '../../src/dtype/f16.js';
import { decodeHalfLE } from '../../src/io/float-bits.js';
import { allocF32, describeIndex, elementCount, readTensorF32, type FloatKind } from '../../src/io/tensor-data.js';
import { mulberry32 } from '../../src/io/random.js';

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** Every 16-bit code once, in a shuffled order, little-endian, after `pad` leading bytes. */
function allCodes(pad: number, seed: number): { bytes: Uint8Array<ArrayBuffer>; codes: number[] } {
  const codes = Array.from({ length: 65536 }, (_, i) => i);
  const rng = mulberry32(seed);
  for (let i = codes.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [codes[i], codes[j]] = [codes[j]!, codes[i]!];
  }
  const bytes = new Uint8Array(pad + 2 * codes.length);
  codes.forEach((c, i) => {
    bytes[pad + 2 * i] = c & 0xff;
    bytes[pad + 2 * i + 1] = c >>> 8;
  });
  return { bytes, codes };
}

/** The expected f32 bit pattern of a binary16 code (IEEE 754 binary16 -> binary32; NaN payload moved up by 13 bits). */
function f16Expected(c: number): number {
  const exp = (c >>> 10) & 0x1f;
  const mant = c & 0x3ff;
  if (exp === 0x1f && mant !== 0) return (((c >>> 15) << 31) | (0xff << 23) | (mant << 13)) >>> 0;
  const out = new Float32Array([f16BitsToF32(c)]);
  return new Uint32Array(out.buffer)[0]!;
}

describe('readTensorF32', () => {
  const sources = (bytes: Uint8Array<ArrayBuffer>): ByteSource[] => [bytesSource(bytes, 'mem'), blobSource(new Blob([bytes]), 'blob')];

  it('BF16: every code is the top half of the f32 bit pattern, across odd chunk boundaries and an odd start', async () => {
    const pad = 3;
    const { bytes, codes } = allCodes(pad, 1);
    const expected = codes.map((c) => (c << 16) >>> 0);
    for (const src of sources(bytes)) {
      for (const chunkBytes of src.name === 'mem' ? [6, 1022, 4 * 1024 * 1024] : [1022]) {
        const out = await readTensorF32(src, { name: 't', kind: 'bf16', shape: [256, 256], start: pad }, { chunkBytes });
        expect(bits(out)).toEqual(expected);
      }
    }
  });

  it('F16: every code converts exactly (subnormals, Inf, NaN payloads, -0), across chunk boundaries', async () => {
    const { bytes, codes } = allCodes(0, 2);
    const expected = codes.map(f16Expected);
    for (const src of sources(bytes)) {
      const out = await readTensorF32(src, { name: 't', kind: 'f16', shape: [65536], start: 0 }, { chunkBytes: 1000 });
      expect(bits(out)).toEqual(expected);
    }
  });

  it('decodeHalfLE gives the same bits from aligned and odd byte offsets (word views and byte reads)', () => {
    const { bytes } = allCodes(1, 3);
    for (const kind of ['f16', 'bf16'] as const) {
      const odd = decodeHalfLE(bytes, 1, 65536, kind);
      const even = decodeHalfLE(bytes.slice(1), 0, 65536, kind);
      expect(bits(odd)).toEqual(bits(even));
    }
  });

  it('F32 copies bit patterns (NaN payloads included) into a given output array, chunked or straight', async () => {
    const values = new Uint32Array([0x7fc00001, 0xff800000, 0x80000000, 0x00000001, 0x3f800000, 0x7f7fffff, 0xffbfffff]);
    const bytes = new Uint8Array(1 + values.byteLength);
    bytes.set(new Uint8Array(values.buffer), 1); // unaligned start
    for (const src of sources(bytes)) {
      const out = new Float32Array(values.length);
      const got = await readTensorF32(src, { name: 't', kind: 'f32', shape: [values.length], start: 1 }, { out, chunkBytes: 8 });
      expect(got).toBe(out);
      expect(bits(got)).toEqual(Array.from(values));
    }
  });

  it('F64 rounds to nearest f32 (ties to even) and names the first element beyond the f32 range', async () => {
    // binary32 largest finite: 2^128 - 2^104; the tie 2^128 - 2^103 rounds to even = overflow.
    const vals = [1 / 3, 1 + 2 ** -24, 1 + 3 * 2 ** -24, -(2 ** -149) / 2, 2 ** 128 - 2 ** 103 - 2 ** 75, Infinity, NaN];
    const bytes = new Uint8Array(new Float64Array(vals).buffer);
    for (const src of sources(bytes)) {
      const out = await readTensorF32(src, { name: 't', kind: 'f64', shape: [vals.length], start: 0 }, { chunkBytes: 16 });
      expect(Array.from(out).slice(0, 6)).toEqual([Math.fround(1 / 3), 1, 1 + 4 * 2 ** -24, -0, 2 ** 128 - 2 ** 104, Infinity]);
      expect(Number.isNaN(out[6])).toBe(true);
    }
    const over = new Uint8Array(new Float64Array([0, 0, 0, 0, 0, -1e39]).buffer);
    await expect(readTensorF32(bytesSource(over, 'x.npy'), { name: 'w', kind: 'f64', shape: [2, 3], start: 0 }, { chunkBytes: 16 })).rejects.toThrow(
      "x.npy: tensor 'w': f64 element (row 1, col 2) is -1e+39, which exceeds the f32 range (largest finite f32: 3.4028234663852886e+38)",
    );
  });

  it('rejects a range beyond the source, a wrong output length and an unknown kind, naming source and tensor', async () => {
    const src = bytesSource(new Uint8Array(10), 'small.safetensors');
    await expect(readTensorF32(src, { name: 'w', kind: 'f32', shape: [3], start: 0 })).rejects.toThrow(/small\.safetensors: byte range \[0, 12\) lies beyond the end of the data \(10 bytes\)/);
    await expect(readTensorF32(src, { name: 'w', kind: 'f16', shape: [2], start: 0 }, { out: new Float32Array(3) })).rejects.toThrow(
      /small\.safetensors: tensor 'w': the output array holds 3 elements, the tensor \[2\] has 2/,
    );
    await expect(readTensorF32(src, { name: 'w', kind: 'f8' as FloatKind, shape: [2], start: 0 })).rejects.toThrow(/unknown storage kind 'f8'/);
  });

  it('stops between chunks when aborted', async () => {
    const ctl = new AbortController();
    let reads = 0;
    const inner = bytesSource(new Uint8Array(64), 'm');
    const src: ByteSource = { name: 'm', size: 64, close: inner.close, read: (o, l) => (++reads === 2 && ctl.abort(new Error('stop')), inner.read(o, l)) };
    await expect(readTensorF32(src, { name: 'w', kind: 'bf16', shape: [32], start: 0 }, { chunkBytes: 8, signal: ctl.signal })).rejects.toThrow('stop');
    expect(reads).toBe(2);
  });

  it('elementCount, describeIndex and allocF32 give bounded, named errors', () => {
    expect(elementCount([3, 0, 5], 't')).toBe(0);
    expect(() => elementCount([2 ** 30, 2 ** 30, 2 ** 30], 'w')).toThrow('w: shape [1073741824, 1073741824, 1073741824] has more than 2^53 - 1 elements');
    expect(describeIndex(7, [2, 5])).toBe('(row 1, col 2)');
    expect(describeIndex(23, [2, 3, 4])).toBe('(1, 2, 3)');
    expect(describeIndex(4, [9])).toBe('4');
    expect(() => allocF32(2 ** 40, "tensor 'big'")).toThrow(/tensor 'big': 1099511627776 elements \(4398\.05 GB as f32\) cannot be allocated here/);
  });
});
