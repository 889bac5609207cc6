// .npy reader/writer: f32 round trips, hand-built f16/f64 and v2/v3 files, every error path.
import { describe, expect, it } from 'vitest';
import { parseNpy, writeNpy } from '../../src/io/npy.js';
import { f16BitsToF32, bf16BitsToF32 } from '../../src/io/float-bits.js';
import { seededRandn } from '../../src/io/random.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * Builds a .npy file by hand (independently of writeNpy): magic, version, header length
 * (u16 for 1.0, u32 for 2.0/3.0), the header text padded to a multiple of 64 with '\n' last,
 * then the data bytes.
 */
function buildNpy(dict: string, data: Uint8Array, major = 1): Uint8Array {
  const hlenBytes = major === 1 ? 2 : 4;
  const preamble = 6 + 2 + hlenBytes;
  const headerBytes = new TextEncoder().encode(dict);
  const total = Math.ceil((preamble + headerBytes.length + 1) / 64) * 64;
  const hlen = total - preamble;
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  for (let i = 0; i < hlenBytes; i++) out[8 + i] = (hlen >>> (8 * i)) & 0xff;
  out.fill(0x20, preamble, total - 1);
  out.set(headerBytes, preamble);
  out[total - 1] = 0x0a;
  out.set(data, total);
  return out;
}

function u16LE(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 2);
  words.forEach((w, i) => {
    out[2 * i] = w & 0xff;
    out[2 * i + 1] = w >>> 8;
  });
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

function dict(descr: string, shape: string, fortran = 'False'): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('writeNpy / parseNpy round trip (f32)', () => {
  const shapes: number[][] = [[], [1], [7], [3, 5], [2, 3, 4], [1, 1, 129], [0], [4, 0, 2]];
  for (const shape of shapes) {
    it(`shape [${shape.join(', ')}]`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = seededRandn(n, 1234 + n);
      const back = parseNpy(writeNpy(data, shape));
      expect(back.shape).toEqual(shape);
      expect(back.dtype).toBe('<f4');
      expect(bits(back.data)).toEqual(bits(data));
    });
  }

  it('keeps NaN, Inf, -0 and subnormals bit-exactly', () => {
    const data = new Float32Array([NaN, Infinity, -Infinity, -0, 1e-45, 3.4028234663852886e38]);
    expect(bits(parseNpy(writeNpy(data, [6])).data)).toEqual(bits(data));
  });

  it('writes numpy\'s layout: v1.0 header padded to 64 bytes, ending in a newline', () => {
    const file = writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(file.subarray(0, 8))).toEqual([...MAGIC, 1, 0]);
    const hlen = file[8]! | (file[9]! << 8);
    expect((10 + hlen) % 64).toBe(0);
    const header = new TextDecoder().decode(file.subarray(10, 10 + hlen));
    expect(header.endsWith('\n')).toBe(true);
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(file.length).toBe(10 + hlen + 6 * 4);
  });

  it('writes 1-tuples and 0-d shapes as Python does: (3,) and ()', () => {
    const text = (shape: number[]): string => new TextDecoder().decode(writeNpy(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape).subarray(10, 100));
    expect(text([3])).toContain("'shape': (3,)");
    expect(text([])).toContain("'shape': ()");
  });

  it('rejects data whose length does not match the shape, and bad dimensions', () => {
    expect(() => writeNpy(new Float32Array(5), [2, 3])).toThrow(/shape \[2, 3\] has 6 elements but data has 5/);
    expect(() => writeNpy(new Float32Array(0), [-1])).toThrow(/not a non-negative integer/);
    expect(() => writeNpy(new Float32Array(1), [1.5])).toThrow(/not a non-negative integer/);
  });
});

describe('parseNpy: files built by hand', () => {
  it('reads a file numpy 2.4 wrote (np.save of [[1.5, -2, 3], [4, 5, 0.25]] as <f4)', () => {
    // Header text and data bytes as produced by numpy.save; numpy pads this header to 118 bytes.
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".padEnd(117, ' ') + '\n';
    const hex = '0000c03f000000c000004040000080400000a0400000803e';
    const file = new Uint8Array(10 + header.length + hex.length / 2);
    file.set([...MAGIC, 1, 0, header.length, 0]);
    file.set(new TextEncoder().encode(header), 10);
    file.set(hex.match(/../g)!.map((h) => parseInt(h, 16)), 10 + header.length);
    const arr = parseNpy(file);
    expect(arr.shape).toEqual([2, 3]);
    expect(Array.from(arr.data)).toEqual([1.5, -2, 3, 4, 5, 0.25]);
  });

  it('decodes <f2 per IEEE 754 binary16 (3.6): normals, max, subnormals, zeros, Inf, NaN', () => {
    // [bit pattern, value] from IEEE 754-2008 binary16: bias 15, 10 fraction bits.
    const table: [number, number][] = [
      [0x3c00, 1.0],
      [0xc000, -2.0],
      [0x7bff, 65504], // max normal: (2 - 2^-10) * 2^15
      [0x0400, 2 ** -14], // min normal
      [0x0001, 2 ** -24], // min subnormal
      [0x03ff, 1023 * 2 ** -24], // max subnormal
      [0x8001, -(2 ** -24)],
      [0x3555, (1 + 0x155 / 1024) * 2 ** -2], // 0.333251953125, nearest to 1/3
      [0x0000, 0],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    const file = buildNpy(dict('<f2', `(${table.length},)`), u16LE(table.map(([b]) => b)));
    const arr = parseNpy(file);
    expect(arr.dtype).toBe('<f2');
    expect(arr.shape).toEqual([table.length]);
    table.forEach(([b, v], i) => expect(arr.data[i], `0x${b.toString(16)}`).toBe(v));
    expect(Object.is(parseNpy(buildNpy(dict('<f2', '(1,)'), u16LE([0x8000]))).data[0], -0)).toBe(true);
    // NaN: the 10-bit payload moves to the top of the 23-bit f32 payload (shift by 13).
    const nan = parseNpy(buildNpy(dict('<f2', '(3,)'), u16LE([0x7e00, 0xfe01, 0x7c01]))).data;
    expect(Array.from(bits(nan))).toEqual([0x7fc00000, 0xffc02000, 0x7f802000]);
  });

  it('decodes all 65536 f16 codes consistently with the formula (-1)^s 2^(e-15) (1 + m/1024)', () => {
    for (let c = 0; c < 65536; c++) {
      const s = c >> 15;
      const e = (c >> 10) & 31;
      const m = c & 1023;
      const v = f16BitsToF32(c);
      if (e === 31) {
        if (m === 0) expect(v).toBe(s ? -Infinity : Infinity);
        else expect(Number.isNaN(v)).toBe(true);
        continue;
      }
      const mag = e === 0 ? m * 2 ** -24 : 2 ** (e - 15) * (1 + m / 1024);
      if (v !== (s ? -mag : mag)) throw new Error(`code 0x${c.toString(16)}: got ${v}, expected ${s ? -mag : mag}`);
    }
  });

  it('bf16 decoding is the top half of an f32: 0x3F80 = 1, 0xC040 = -3, 0x7F80 = Inf', () => {
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(bf16BitsToF32(0xc040)).toBe(-3);
    expect(bf16BitsToF32(0x7f80)).toBe(Infinity);
  });

  it('reads <f8 rounded to the nearest f32; a finite value beyond the f32 range is an error naming it', () => {
    const f8 = (values: number[]): Uint8Array => {
      const data = new Uint8Array(values.length * 8);
      const view = new DataView(data.buffer);
      values.forEach((v, i) => view.setFloat64(8 * i, v, true));
      return buildNpy(dict('<f8', `(${values.length},)`), data);
    };
    // binary32 (IEEE 754 3.6): largest finite (2 - 2^-23) 2^127 = 2^128 - 2^104; values from
    // 2^128 - 2^103 (half an ulp above it, a tie that rounds to even = 2^128) round to infinity.
    const f32Max = 2 ** 128 - 2 ** 104;
    const justBelowTie = 2 ** 128 - 2 ** 103 - 2 ** 75; // 2^75 is the f64 ulp there
    const arr = parseNpy(f8([0.1, -justBelowTie, 2.5, Infinity, -0]));
    expect(arr.dtype).toBe('<f8');
    expect(Array.from(arr.data)).toEqual([Math.fround(0.1), -f32Max, 2.5, Infinity, -0]);
    expect(() => parseNpy(f8([1, 2, -(2 ** 128 - 2 ** 103)]))).toThrow(/npy: f64 element 2 is -3\.40282\d+e\+38, which exceeds the f32 range/);
    expect(() => parseNpy(buildNpy(dict('<f8', '(2, 2)'), new Uint8Array(new Float64Array([0, 0, 0, 1e300]).buffer)))).toThrow(
      /element \(row 1, col 1\) is 1e\+300, which exceeds the f32 range/,
    );
  });

  it('reads format versions 2.0 and 3.0 (u32 header length)', () => {
    const v2 = buildNpy(dict('<f4', '(2, 2)'), f32Bytes([1, 2, 3, 4]), 2);
    expect(v2[6]).toBe(2);
    expect(parseNpy(v2)).toEqual({ data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: '<f4' });
    const v3 = buildNpy(dict('<f4', '(1,)'), f32Bytes([7]), 3);
    expect(parseNpy(v3).data[0]).toBe(7);
  });

  it('refuses more than 64 dimensions (numpy 2\'s NPY_MAXDIMS) when writing and reading, quoting the shape capped', () => {
    const shape = Array.from({ length: 30000 }, () => 1);
    expect(() => writeNpy(new Float32Array([42]), shape)).toThrow(/cannot write: shape \[1, 1, 1, 1, 1, 1, 1, 1, \.\.\. 30000 dims\] has more than 64 dimensions/);
    const ok = Array.from({ length: 64 }, () => 1);
    expect(parseNpy(writeNpy(new Float32Array([42]), ok)).shape).toEqual(ok);
    const err = (() => {
      try {
        parseNpy(buildNpy(dict('<f4', `(${shape.join(', ')})`), f32Bytes([42]), 2));
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(err).toMatch(/'shape' has 30000 dimensions, more than the 64 numpy allows: \(1, 1, 1, 1, 1, 1, 1, 1, \.\.\. 29992 more\)$/);
    expect(err.length).toBeLessThan(200);
  });

  it('accepts header variations numpy has written: key order, Python 2 longs, extra spaces', () => {
    const a = parseNpy(buildNpy("{'shape': (2L, 1L), 'fortran_order': False, 'descr': '<f4'}", f32Bytes([1, 2])));
    expect(a.shape).toEqual([2, 1]);
    const b = parseNpy(buildNpy('{"descr":"<f4","fortran_order":False,"shape":( 2 , )}', f32Bytes([1, 2])));
    expect(b.shape).toEqual([2]);
  });

  it('reads from a Uint8Array view at an odd byte offset', () => {
    const file = writeNpy(new Float32Array([1, -2, 3]), [3]);
    const host = new Uint8Array(file.length + 3);
    host.set(file, 3);
    expect(Array.from(parseNpy(host.subarray(3)).data)).toEqual([1, -2, 3]);
  });
});

describe('parseNpy errors name the problem', () => {
  const good = writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  const hlen = good[8]! | (good[9]! << 8);

  it('bad magic', () => {
    const bad = good.slice();
    bad[1] = 0x58;
    expect(() => parseNpy(bad)).toThrow(/bad magic.*93 58 55 4d 50 59/);
    expect(() => parseNpy(new TextEncoder().encode('PK\x03\x04 this is a zip'))).toThrow(/bad magic/);
  });

  it('truncated header (empty file, preamble cut, header cut)', () => {
    expect(() => parseNpy(new Uint8Array(0))).toThrow(/truncated header/);
    expect(() => parseNpy(good.subarray(0, 9))).toThrow(/truncated header/);
    expect(() => parseNpy(good.subarray(0, 40))).toThrow(new RegExp(`truncated header: header length field says ${hlen} bytes, only 30`));
  });

  it('truncated data (expected N bytes, got M)', () => {
    expect(() => parseNpy(good.subarray(0, good.length - 5))).toThrow(/truncated data: shape \(2, 3\) of '<f4' needs 24 bytes, got 19/);
  });

  it('unsupported version', () => {
    const bad = good.slice();
    bad[6] = 4;
    expect(() => parseNpy(bad)).toThrow(/unsupported format version 4\.0/);
  });

  it('unsupported dtype, naming it and listing the supported ones', () => {
    for (const descr of ['<i4', '|u1', '<c8', '|b1', '<U5']) {
      expect(() => parseNpy(buildNpy(dict(descr, '(1,)'), new Uint8Array(64)))).toThrow(
        new RegExp(`unsupported dtype '\\${descr[0]}${descr.slice(1)}'; supported: '<f4' \\(float32\\), '<f2'.*'<f8'`),
      );
    }
  });

  it('big-endian', () => {
    expect(() => parseNpy(buildNpy(dict('>f4', '(1,)'), new Uint8Array(4)))).toThrow(/big-endian dtype '>f4'/);
  });

  it('object arrays', () => {
    expect(() => parseNpy(buildNpy(dict('|O', '(1,)'), new Uint8Array(8)))).toThrow(/object arrays are not supported/);
  });

  it('structured dtypes', () => {
    const header = "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }";
    expect(() => parseNpy(buildNpy(header, new Uint8Array(8)))).toThrow(/structured \(record\) dtypes are not supported/);
  });

  it('Fortran order', () => {
    expect(() => parseNpy(buildNpy(dict('<f4', '(2, 2)', 'True'), f32Bytes([1, 2, 3, 4])))).toThrow(
      /Fortran-order \(column-major\) arrays are not supported/,
    );
  });

  it('malformed headers: not a dict, missing key, bad shape, bad literal', () => {
    expect(() => parseNpy(buildNpy("['<f4']", new Uint8Array(4)))).toThrow(/header is not a dict/);
    expect(() => parseNpy(buildNpy("{'descr': '<f4', 'shape': (1,)}", new Uint8Array(4)))).toThrow(/missing the 'fortran_order' key/);
    expect(() => parseNpy(buildNpy(dict('<f4', '[1]'), new Uint8Array(4)))).toThrow(/'shape' must be a tuple/);
    expect(() => parseNpy(buildNpy(dict('<f4', '(-1,)'), new Uint8Array(4)))).toThrow(/non-negative integers/);
    expect(() => parseNpy(buildNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,", new Uint8Array(4)))).toThrow(
      /not a valid Python literal/,
    );
    expect(() => parseNpy(buildNpy(dict('<f4', '(1,)', 'maybe'), new Uint8Array(4)))).toThrow(/not a valid Python literal/);
  });

  it('a shape too large to address', () => {
    expect(() => parseNpy(buildNpy(dict('<f4', '(4294967296, 4294967296)'), new Uint8Array(4)))).toThrow(/too large/);
  });
});
