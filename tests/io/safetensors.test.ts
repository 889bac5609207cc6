// .safetensors: hand-built files (F32/F16/BF16, several tensors), writer round trips, corrupt variants.
import { describe, expect, it } from 'vitest';
import {
  listSafetensors,
  parseSafetensorsHeader,
  readSafetensorsTensor,
  writeSafetensors,
} from '../../src/io/safetensors.js';
import { seededRandn } from '../../src/io/random.js';

/**
 * Builds a .safetensors file by hand: u64 LE header length, the header JSON text exactly as
 * given, then the byte buffer.
 */
function buildSafetensors(headerJson: string, buffer: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + header.length + buffer.length);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 8);
  out.set(buffer, 8 + header.length);
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

function f32LE(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setFloat32(4 * i, v, true));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A three-tensor file: F32 [2, 2] at 0..16, F16 [3] at 16..22, BF16 [1, 3] at 22..28. */
function threeTensorFile(): Uint8Array {
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    'layer.0.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
    'layer.0.half': { dtype: 'F16', shape: [3], data_offsets: [16, 22] },
    'layer.0.bf': { dtype: 'BF16', shape: [1, 3], data_offsets: [22, 28] },
  });
  const buffer = concat(
    f32LE([1, -2, 0.5, 3]),
    u16LE([0x3c00, 0xc000, 0x0001]), // binary16: 1, -2, 2^-24
    u16LE([0x3f80, 0xc040, 0x4049]), // bfloat16: 1, -3, 3.140625
  );
  return buildSafetensors(header, buffer);
}

describe('safetensors: hand-built files', () => {
  it('lists tensors in file order with absolute byte ranges, ignoring __metadata__', () => {
    const file = threeTensorFile();
    const dataStart = file.length - 28;
    const header = parseSafetensorsHeader(file);
    expect(header.dataStart).toBe(dataStart);
    expect(listSafetensors(file)).toEqual([
      { name: 'layer.0.weight', dtype: 'F32', shape: [2, 2], byteRange: { start: dataStart, end: dataStart + 16 } },
      { name: 'layer.0.half', dtype: 'F16', shape: [3], byteRange: { start: dataStart + 16, end: dataStart + 22 } },
      { name: 'layer.0.bf', dtype: 'BF16', shape: [1, 3], byteRange: { start: dataStart + 22, end: dataStart + 28 } },
    ]);
  });

  it('reads F32, F16 (IEEE 754 binary16) and BF16 (top half of binary32) as f32', () => {
    const file = threeTensorFile();
    expect(readSafetensorsTensor(file, 'layer.0.weight')).toEqual({
      name: 'layer.0.weight',
      dtype: 'F32',
      shape: [2, 2],
      data: new Float32Array([1, -2, 0.5, 3]),
    });
    const half = readSafetensorsTensor(file, 'layer.0.half');
    expect(Array.from(half.data)).toEqual([1, -2, 2 ** -24]);
    const bf = readSafetensorsTensor(file, 'layer.0.bf', parseSafetensorsHeader(file));
    expect(bf.shape).toEqual([1, 3]);
    // 0x4049: sign 0, exponent 0x80 (2^1), fraction 0x49 / 128 -> 2 * (1 + 73/128) = 3.140625
    expect(Array.from(bf.data)).toEqual([1, -3, 3.140625]);
  });

  it('reads F64 rounded to f32; accepts a space-padded header and 0-element tensors', () => {
    const f64 = new Uint8Array(16);
    new DataView(f64.buffer).setFloat64(0, 0.1, true);
    new DataView(f64.buffer).setFloat64(8, -4, true);
    const header = JSON.stringify({
      d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      empty: { dtype: 'F32', shape: [0, 4], data_offsets: [16, 16] },
    }) + '      ';
    const file = buildSafetensors(header, f64);
    expect(Array.from(readSafetensorsTensor(file, 'd').data)).toEqual([Math.fround(0.1), -4]);
    expect(readSafetensorsTensor(file, 'empty').data.length).toBe(0);
  });

  it('lists tensors of dtypes it cannot read (I64) but refuses to read them, naming tensor and dtype', () => {
    const file = buildSafetensors(
      JSON.stringify({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }),
      new Uint8Array(16),
    );
    expect(listSafetensors(file).map((t) => t.dtype)).toEqual(['I64']);
    expect(() => readSafetensorsTensor(file, 'ids')).toThrow(
      /tensor 'ids' has dtype I64, which cannot be read as f32; supported: F32, F16, BF16/,
    );
  });

  it('tolerates a future dtype of unknown size when listing', () => {
    const file = buildSafetensors(JSON.stringify({ q: { dtype: 'F4', shape: [4], data_offsets: [0, 2] } }), new Uint8Array(2));
    expect(listSafetensors(file)[0]!.dtype).toBe('F4');
    expect(() => readSafetensorsTensor(file, 'q')).toThrow(/tensor 'q' has dtype F4/);
  });
});

describe('safetensors: writer round trip', () => {
  it('writes several f32 tensors that read back bit-exactly, with metadata and an aligned buffer', () => {
    const tensors = [
      { name: 'a', data: seededRandn(6, 1), shape: [2, 3] },
      { name: 'model.layers.0.mlp.down_proj.weight', data: seededRandn(129, 2), shape: [129] },
      { name: 'scalar', data: new Float32Array([Math.PI]), shape: [] },
    ];
    const file = writeSafetensors(tensors, { producer: 'lowbit' });
    const header = parseSafetensorsHeader(file);
    expect(header.dataStart % 8).toBe(0);
    expect(header.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      const back = readSafetensorsTensor(file, t.name, header);
      expect(back.shape).toEqual(t.shape);
      expect(back.dtype).toBe('F32');
      expect(new Uint32Array(back.data.buffer)).toEqual(new Uint32Array(t.data.buffer));
    }
    const json = JSON.parse(new TextDecoder().decode(file.subarray(8, header.dataStart)));
    expect(json.__metadata__).toEqual({ producer: 'lowbit' });
  });

  it('rejects mismatched shapes, duplicate names and the reserved __metadata__ name', () => {
    expect(() => writeSafetensors([{ name: 'w', data: new Float32Array(5), shape: [2, 3] }])).toThrow(
      /cannot write 'w': shape \[2, 3\] has 6 elements but data has 5/,
    );
    const t = { name: 'w', data: new Float32Array(1), shape: [1] };
    expect(() => writeSafetensors([t, t])).toThrow(/duplicate tensor name 'w'/);
    expect(() => writeSafetensors([{ ...t, name: '__metadata__' }])).toThrow(/reserved/);
  });
});

describe('safetensors: corrupt files give errors naming the problem', () => {
  it('file shorter than the size field', () => {
    expect(() => parseSafetensorsHeader(new Uint8Array(5))).toThrow(/truncated file: 5 bytes/);
  });

  it('header length beyond the file', () => {
    const file = threeTensorFile();
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(0, 1_000_000, true);
    expect(() => parseSafetensorsHeader(bad)).toThrow(/header size 1000000 runs past the end of the file/);
    new DataView(bad.buffer).setUint32(4, 1, true); // high word: a size of 2^32 + ...
    expect(() => parseSafetensorsHeader(bad)).toThrow(/runs past the end of the file/);
  });

  it('invalid JSON, and JSON that is not an object', () => {
    expect(() => parseSafetensorsHeader(buildSafetensors('{"a": {', new Uint8Array(0)))).toThrow(/header is not valid UTF-8 JSON/);
    expect(() => parseSafetensorsHeader(buildSafetensors('[1, 2]', new Uint8Array(0)))).toThrow(/header JSON must be an object/);
    const badUtf8 = buildSafetensors('{"\xff": 1}', new Uint8Array(0));
    badUtf8[10] = 0xff; // a lone 0xff byte is never valid UTF-8
    expect(() => parseSafetensorsHeader(badUtf8)).toThrow(/not valid UTF-8 JSON/);
  });

  it('malformed entries: missing dtype, bad shape, bad data_offsets, begin > end', () => {
    const one = (entry: unknown): Uint8Array => buildSafetensors(JSON.stringify({ w: entry }), new Uint8Array(16));
    expect(() => parseSafetensorsHeader(one({ shape: [1], data_offsets: [0, 4] }))).toThrow(/tensor 'w': 'dtype' must be a string/);
    expect(() => parseSafetensorsHeader(one({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }))).toThrow(
      /tensor 'w': 'shape' must be an array of non-negative integers/,
    );
    expect(() => parseSafetensorsHeader(one({ dtype: 'F32', shape: [1], data_offsets: [0] }))).toThrow(
      /tensor 'w': 'data_offsets' must be \[begin, end\]/,
    );
    expect(() => parseSafetensorsHeader(one({ dtype: 'F32', shape: [1], data_offsets: [8, 4] }))).toThrow(/begin > end/);
    expect(() => parseSafetensorsHeader(one(7))).toThrow(/tensor 'w': entry must be an object/);
  });

  it('offsets out of range (truncated buffer)', () => {
    const file = threeTensorFile();
    expect(() => parseSafetensorsHeader(file.subarray(0, file.length - 1))).toThrow(
      /tensor 'layer.0.bf': data_offsets \[22, 28\] out of range: the byte buffer is 27 bytes/,
    );
  });

  it('offsets not matching shape * dtype size', () => {
    const file = buildSafetensors(
      JSON.stringify({ w: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 24] } }),
      new Uint8Array(24),
    );
    expect(() => parseSafetensorsHeader(file)).toThrow(
      /tensor 'w': shape \[2, 3\] of F16 needs 12 bytes, but data_offsets \[0, 24\] span 24/,
    );
  });

  it('overlapping tensors', () => {
    const file = buildSafetensors(
      JSON.stringify({
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      }),
      new Uint8Array(12),
    );
    expect(() => parseSafetensorsHeader(file)).toThrow(/tensors 'a' \[0, 8\] and 'b' \[4, 12\] have overlapping data_offsets/);
  });

  it('unknown tensor name lists the available names', () => {
    expect(() => readSafetensorsTensor(threeTensorFile(), 'layer.1.weight')).toThrow(
      /no tensor named 'layer.1.weight'; available \(3\): 'layer.0.weight', 'layer.0.half', 'layer.0.bf'$/,
    );
  });

  it('unknown tensor name truncates a long list of names', () => {
    const tensors = Array.from({ length: 25 }, (_, i) => ({ name: `t${i}`, data: new Float32Array(1), shape: [1] }));
    const err = (() => {
      try {
        readSafetensorsTensor(writeSafetensors(tensors), 'nope');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(err).toMatch(/no tensor named 'nope'; available \(25\): 't0', 't1', .*'t9', \.\.\. and 15 more$/);
    expect(err).not.toContain("'t10'");
  });

  it('a file with no tensors says so', () => {
    expect(() => readSafetensorsTensor(writeSafetensors([]), 'w')).toThrow(/no tensor named 'w'; the file has no tensors/);
  });
});
