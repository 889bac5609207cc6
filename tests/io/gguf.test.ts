// GGUF reader and writer: every metadata type in a hand-written file, byte-exact writing, and every ggml scheme round-tripping through a file.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { blobSource, bytesSource } from '../../src/io/byte-source.js';
import { readGgufHeader, readGgufQuantized, readGgufTensorF32, type GgufValue } from '../../src/io/gguf.js';
import { ggufTensorFromF32, ggufTensorFromQuantized, writeGguf, type GgufTensorData } from '../../src/io/gguf-writer.js';
import { quantize, dequantize } from '../../src/quant/quantize.js';
import { GGML_SCHEME_NAMES } from '../../src/quant/schemes.js';
import { sampleWeights } from '../../src/io/sample.js';
import { handWrittenGguf, q8Block } from './gguf-bytes.js';

/** The metadata of handWrittenGguf(), as the reader must return it. */
const HAND_METADATA: [string, GgufValue][] = [
  ['t.u8', { type: 'u8', value: 200 }],
  ['t.i8', { type: 'i8', value: -5 }],
  ['t.u16', { type: 'u16', value: 65000 }],
  ['t.i16', { type: 'i16', value: -300 }],
  ['t.u32', { type: 'u32', value: 4000000000 }],
  ['t.i32', { type: 'i32', value: -70000 }],
  ['t.f32', { type: 'f32', value: Math.fround(0.1) }],
  ['t.bool', { type: 'bool', value: true }],
  ['t.string', { type: 'string', value: 'llama ü' }],
  ['t.u64', { type: 'u64', value: 2n ** 63n + 5n }],
  ['t.i64', { type: 'i64', value: -(2n ** 40n) }],
  ['t.f64', { type: 'f64', value: -1.25e300 }],
  ['t.array_i32', { type: 'array', value: { itemType: 'i32', items: [1, -2, 3] } }],
  ['t.array_str', { type: 'array', value: { itemType: 'string', items: ['<s>', ''] } }],
  ['t.array_bool', { type: 'array', value: { itemType: 'bool', items: [false, true] } }],
  ['t.array_u64', { type: 'array', value: { itemType: 'u64', items: [12345678901234n] } }],
  ['t.array_nested', { type: 'array', value: { itemType: 'array', items: [{ itemType: 'string', items: ['x'] }, { itemType: 'f32', items: [] }] } }],
  ['general.alignment', { type: 'u32', value: 64 }],
];

/** The tensors of handWrittenGguf(). */
function handTensors(): GgufTensorData[] {
  const q = new Uint8Array(68);
  q.set(q8Block(), 0);
  q.set(q8Block(), 34);
  return [ggufTensorFromF32('a', Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3]), { name: 'b', type: 'q8_0', ne: [32, 2], data: q }];
}

describe('GGUF reader on a hand-written file', () => {
  it('reads every metadata value type, the alignment, tensor infos and data offsets (v3 and v2, bytes and Blob)', async () => {
    for (const version of [3, 2]) {
      const { bytes, dataOffset, offsetA, offsetB } = handWrittenGguf(version);
      for (const src of [bytesSource(bytes, 'hand.gguf'), blobSource(new Blob([bytes]), 'hand.gguf')]) {
        const h = await readGgufHeader(src);
        expect(h.version).toBe(version);
        expect(h.alignment).toBe(64);
        expect(h.dataOffset).toBe(dataOffset);
        expect([...h.metadata]).toEqual(HAND_METADATA);
        expect(h.tensors.map((t) => [t.name, t.type.name, t.ne, t.shape, t.elements, t.byteLength, t.offset])).toEqual([
          ['a', 'f32', [3, 2], [2, 3], 6, 24, offsetA],
          ['b', 'q8_0', [32, 2], [2, 32], 64, 68, offsetB],
        ]);
        const a = await readGgufTensorF32(src, h, 'a');
        expect([Array.from(a.data), a.shape, a.type]).toEqual([[0, 1, 2, 3, 4, 5], [2, 3], 'f32']);
        const b = await readGgufTensorF32(src, h, 'b');
        // d = 0.5, q = j: w = j / 2 in both rows.
        const row = Array.from({ length: 32 }, (_, j) => j / 2);
        expect(Array.from(b.data)).toEqual([...row, ...row]);
        const qt = await readGgufQuantized(src, h, 'b');
        expect([qt.scheme, qt.rows, qt.cols, qt.blocks?.bytes.length]).toEqual(['q8_0', 2, 32, 68]);
      }
    }
  });

  it('the writer produces exactly the hand-written bytes', () => {
    for (const version of [3, 2] as const) {
      const want = handWrittenGguf(version).bytes;
      const got = writeGguf(HAND_METADATA, handTensors(), { version, alignment: 64 });
      expect(got.length).toBe(want.length);
      const first = got.findIndex((v, i) => v !== want[i]);
      expect(first, `first differing byte ${first}`).toBe(-1);
    }
  });

  it('names the file and the available tensors for an unknown name', async () => {
    const src = bytesSource(handWrittenGguf().bytes, 'hand.gguf');
    const h = await readGgufHeader(src);
    await expect(readGgufTensorF32(src, h, 'c')).rejects.toThrow("hand.gguf: no tensor named 'c'; available (2): 'a', 'b'");
    await expect(readGgufQuantized(src, h, 'a')).rejects.toThrow(/hand.gguf: tensor 'a' has ggml type f32, not a block format/);
  });
});

describe('every ggml scheme round-trips through a GGUF file', () => {
  const rows = 4;
  const cols = 512;
  const w = sampleWeights({ rows, cols, seed: 21 }).data;
  const schemes: readonly AnySchemeName[] = [...GGML_SCHEME_NAMES, 'mxfp4'];
  const qts = new Map(schemes.map((s) => [s, quantize(w, rows, cols, s)]));
  const file = writeGguf(
    [['general.name', { type: 'string', value: 'round trip' }]],
    schemes.map((s) => ggufTensorFromQuantized(`w.${s}`, qts.get(s)!)),
  );

  for (const s of schemes) {
    it(`${s}: blocks, codes, scales and dequantized values come back (whole and row by row)`, async () => {
      const src = bytesSource(file, 'round.gguf');
      const h = await readGgufHeader(src);
      const info = h.tensorIndex.get(`w.${s}`)!;
      expect([info.type.name, info.shape]).toEqual([s, [rows, cols]]);
      const orig = qts.get(s)!;
      const back = await readGgufQuantized(src, h, `w.${s}`);
      expect(back.scheme).toBe(s);
      expect(Array.from(back.codes)).toEqual(Array.from(orig.codes));
      expect(Array.from(back.scales)).toEqual(Array.from(orig.scales));
      expect(back.offsets && Array.from(back.offsets)).toEqual(orig.offsets && Array.from(orig.offsets));
      if (orig.blocks) expect(Array.from(back.blocks!.bytes)).toEqual(Array.from(orig.blocks.bytes));
      const want = dequantize(orig);
      for (const chunkBytes of [undefined, 1]) {
        const got = await readGgufTensorF32(src, h, `w.${s}`, chunkBytes === undefined ? {} : { chunkBytes });
        // ggml decodes MXFP4's -0 code as +0, lowbit's mxfp4 as -0: equal as numbers.
        if (s === 'mxfp4') expect(Array.from(got.data, (v) => v + 0)).toEqual(Array.from(want, (v) => v + 0));
        else expect(Array.from(got.data)).toEqual(Array.from(want));
      }
    });
  }

  it('a 3-D tensor reads as [product of the outer dims, K]', async () => {
    const qt = qts.get('q4_k')!;
    const t = { ...ggufTensorFromQuantized('w3', qt), ne: [cols, 2, 2] };
    const src = bytesSource(writeGguf([], [t]), 'three.gguf');
    const h = await readGgufHeader(src);
    expect(h.tensors[0]!.shape).toEqual([2, 2, cols]);
    const back = await readGgufQuantized(src, h, 'w3');
    expect([back.rows, back.cols]).toEqual([4, cols]);
    expect((await readGgufTensorF32(src, h, 'w3')).shape).toEqual([2, 2, cols]);
  });
});

describe('GGUF writer checks its input', () => {
  const ok = handTensors();
  it('rejects duplicate or invalid names, bad values and inconsistent tensors, naming them', () => {
    expect(() => writeGguf([['k', { type: 'u8', value: 1 }], ['k', { type: 'u8', value: 2 }]], [])).toThrow("metadata key 'k' is given twice");
    expect(() => writeGguf([['', { type: 'u8', value: 1 }]], [])).toThrow('a metadata key is empty');
    expect(() => writeGguf([['k', { type: 'u8', value: 300 }]], [])).toThrow(/metadata 'k': a u8 value must be an integer in \[0, 255\], got 300/);
    expect(() => writeGguf([['k', { type: 'u64', value: 5 as unknown as bigint }]], [])).toThrow(/a u64 value must be a bigint/);
    expect(() => writeGguf([['k', { type: 'array', value: { itemType: 'i8', items: [1, 200] } }]], [])).toThrow(/metadata 'k'\[1\]: a i8 value must be an integer in \[-128, 127\]/);
    expect(() => writeGguf([], [ok[0]!, ok[0]!])).toThrow("tensor 'a' is given twice");
    expect(() => writeGguf([], [{ ...ok[0]!, name: 'x'.repeat(64) }])).toThrow(/a tensor name 'x+' is 64 bytes of UTF-8, more than 63/);
    expect(() => writeGguf([], [{ ...ok[1]!, ne: [16, 4] }])).toThrow("tensor 'b': q8_0 rows of 16 elements are not a multiple of its block size 32");
    expect(() => writeGguf([], [{ ...ok[1]!, ne: [32, 3] }])).toThrow("tensor 'b': 68 bytes of data, q8_0 [32, 3] takes 102");
    expect(() => writeGguf([], [{ ...ok[0]!, ne: [1, 1, 1, 1, 6] }])).toThrow("tensor 'a' has 5 dimensions (1..4 allowed)");
    expect(() => writeGguf([], [{ ...ok[0]!, type: 'q9_9' }])).toThrow("tensor 'a': unknown ggml type 'q9_9'");
    expect(() => writeGguf([], [], { alignment: 48 })).toThrow('alignment must be a power of two, got 48');
    expect(() => writeGguf([['general.alignment', { type: 'u32', value: 16 }]], [])).toThrow(/disagrees with the alignment 32/);
  });
  it('refuses lowbit schemes that have no ggml type', () => {
    const qt = quantize(new Float32Array(64).fill(0.25), 1, 64, 'int4', { group: 32 });
    expect(() => ggufTensorFromQuantized('w', qt)).toThrow('scheme int4 has no ggml block type; GGUF files can hold the ggml schemes and mxfp4');
  });
});
