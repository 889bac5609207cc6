// Bad GGUF files: each defect gets a GgufError naming the file, the field or tensor and the limit; seeded mutations never get anything else.
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/io/byte-source.js';
import { GgufError, readGgufHeader, readGgufQuantized, readGgufTensorF32 } from '../../src/io/gguf.js';
import { ggufTensorFromQuantized, writeGguf } from '../../src/io/gguf-writer.js';
import { ggmlCodec } from '../../src/ggml/index.js';
import { quantize } from '../../src/quant/quantize.js';
import { mulberry32 } from '../../src/io/random.js';
import { sampleWeights } from '../../src/io/sample.js';
import { Bytes, T, handWrittenGguf } from './gguf-bytes.js';

const MAGIC = [0x47, 0x47, 0x55, 0x46];

/** A header: magic, version, counts; the caller appends metadata and tensor infos. */
const head = (nTensors: number | bigint, nKv: number | bigint, version = 3): Bytes => new Bytes().raw(MAGIC).u32(version).u64(nTensors).u64(nKv);

/** One f32 tensor info: name, dims, type id, offset. */
const info = (b: Bytes, name: string, ne: number[], type = 0, offset = 0): Bytes => {
  b.str(name).u32(ne.length);
  for (const d of ne) b.u64(d);
  return b.u32(type).u64(offset);
};

async function expectBad(b: Bytes | Uint8Array, message: RegExp | string): Promise<void> {
  const bytes = b instanceof Bytes ? b.bytes() : b;
  const p = readGgufHeader(bytesSource(bytes, 'bad.gguf'));
  await expect(p).rejects.toBeInstanceOf(GgufError);
  await expect(p).rejects.toThrow(typeof message === 'string' ? `bad.gguf: ${message}` : message);
}

describe('bad GGUF headers', () => {
  it('not GGUF: too short, bad magic, unsupported versions, big-endian', async () => {
    await expectBad(new Uint8Array(10), /bad.gguf: 10 bytes is too short for a GGUF header/);
    await expectBad(new Bytes().raw([0x47, 0x47, 0x55, 0x47]).u32(3).u64(0).u64(0), /bad magic 47 47 55 47 .*not a GGUF file/);
    await expectBad(head(0, 0, 1), /GGUF version 1 is not supported/);
    await expectBad(head(0, 0, 0x03000000), /big-endian GGUF/);
    await expectBad(head(0, 0, 4), /unsupported GGUF version 4 \(supported: 2, 3\)/);
  });

  it('counts and lengths beyond the limits or the bytes left', async () => {
    await expectBad(head(2 ** 21, 0), 'the header declares 2097152 tensors, more than the limit of 1048576');
    await expectBad(head(0, 2 ** 40), /2\^40|1099511627776 metadata entries, more than the limit/);
    await expectBad(head(1000, 0), /the header declares 0 metadata entries and 1000 tensors, more than the 0 bytes left/);
    await expectBad(head(0, 1).u64(2n ** 60n).raw(new Uint8Array(16)), /the length of metadata key 0 is 1152921504606846976, beyond 2\^53 - 1/);
    await expectBad(head(0, 1).u64(70000).raw(new Uint8Array(8)), 'metadata key 0 is 70000 bytes long, more than the limit of 65535');
    await expectBad(head(0, 1).str('k').u32(T.string).u64(1000).raw([1, 2]), "metadata 'k' claims 1000 bytes but only 2 are left in the file");
    await expectBad(head(0, 1).str('k').u32(T.array).u32(T.i32).u64(1e6).raw(new Uint8Array(40)), /metadata 'k' claims 1000000 items of i32, at least 4000000 bytes, but only 40 are left/);
    await expectBad(head(0, 1).str('k').u32(T.u64).raw([1, 2]), /the file ends inside metadata 'k' \(needs 8 bytes at offset 37, 2 left\): truncated or not a GGUF file/);
  });

  it('bad metadata: UTF-8, value types, bools, duplicates, empty keys, deep nesting, the alignment', async () => {
    await expectBad(head(0, 1).u64(2).raw([0xc3, 0x28]).u32(T.u8).u8(0), 'metadata key 0 is not valid UTF-8');
    await expectBad(head(0, 1).str('k').u32(13).u8(0), "metadata 'k' has value type 13, not a GGUF type (0..12)");
    await expectBad(head(0, 1).str('k').u32(T.bool).u8(2), "metadata 'k' is a bool with byte 2 (must be 0 or 1)");
    await expectBad(head(0, 2).str('k').u32(T.u8).u8(1).str('k').u32(T.u8).u8(2), "metadata key 'k' appears twice");
    await expectBad(head(0, 1).str('').u32(T.u8).u8(1).u8(0), 'metadata key 0 is empty');
    const deep = head(0, 1).str('k').u32(T.array);
    for (let i = 0; i < 9; i++) deep.u32(T.array).u64(1);
    deep.u32(T.u8).u64(0);
    await expectBad(deep, /metadata 'k'(\[0\])+ nests arrays deeper than 8 levels/);
    await expectBad(head(0, 1).str('general.alignment').u32(T.i32).u32(32), "'general.alignment' must be a u32, got i32");
    await expectBad(head(0, 1).str('general.alignment').u32(T.u32).u32(48), "'general.alignment' is 48, not a power of two");
  });

  it('bad tensor infos: names, dims, types, offsets, ranges, overlaps', async () => {
    await expectBad(info(head(1, 0), 'x'.repeat(65), [4]), 'the name of tensor 0 is 65 bytes long, more than the limit of 64');
    await expectBad(info(info(head(2, 0), 'a', [4]), 'a', [4]), "tensor name 'a' appears twice");
    await expectBad(info(head(1, 0), 'a', []), "tensor 'a' has 0 dimensions (1..4 allowed)");
    await expectBad(info(head(1, 0), 'a', [1, 1, 1, 1, 1]), "tensor 'a' has 5 dimensions (1..4 allowed)");
    await expectBad(info(head(1, 0), 'a', [2 ** 27, 2 ** 27]), /tensor 'a' with dimensions \[134217728, 134217728, \.\.\.\] has more than 2\^53 elements/);
    await expectBad(info(head(1, 0), 'a', [33], 8), "tensor 'a' of type q8_0 has rows of 33 elements, not a multiple of its block size 32");
    await expectBad(info(head(1, 0), 'a', [4], 4), "tensor 'a' has ggml type 4, which ggml does not define");
    await expectBad(info(head(1, 0), 'a', [4], 0, 8), "tensor 'a' has data offset 8, not a multiple of the alignment 32");
    await expectBad(info(head(1, 0), 'a', [4]).pad(32).raw(new Uint8Array(8)), /tensor 'a' \(f32, \[4\], 16 bytes at data offset 0\) runs past the end of the file \(72 bytes\)/);
    await expectBad(info(info(head(2, 0), 'a', [16]), 'b', [16], 0, 32).pad(32).raw(new Uint8Array(128)), "tensors 'a' and 'b' overlap in the data section");
  });

  it('tensors lowbit does not decode are listed, and refused when read', async () => {
    const b = info(head(1, 0), 'iq', [256], 16).pad(32).raw(new Uint8Array(66));
    const src = bytesSource(b.bytes(), 'iq.gguf');
    const h = await readGgufHeader(src);
    expect(h.tensors[0]!.type.name).toBe('iq2_xxs');
    await expect(readGgufTensorF32(src, h, 'iq')).rejects.toThrow(/iq.gguf: tensor 'iq' has ggml type iq2_xxs, which lowbit does not decode \(it decodes: f32 f16 bf16 f64 q4_0/);
  });
});

describe('seeded mutations of valid files (fuzz)', () => {
  // Two seed files: every metadata type, and ggml tensors of several formats.
  const w = sampleWeights({ rows: 2, cols: 256, seed: 3 }).data;
  const seeds = [
    handWrittenGguf().bytes,
    writeGguf(
      [['general.name', { type: 'string', value: 'fuzz' }], ['a', { type: 'array', value: { itemType: 'string', items: ['x', 'yy'] } }]],
      (['q4_k', 'q6_k', 'tq1_0', 'mxfp4', 'q5_1'] as const).map((s) => ggufTensorFromQuantized(s, quantize(w, 2, 256, s))),
    ),
  ];

  /** One seeded mutation: byte overwrites, a u64 field set huge, truncation, or an insert / delete. */
  function mutate(src: Uint8Array, rng: () => number): Uint8Array {
    const b = src.slice();
    const at = Math.floor(rng() * b.length);
    switch (Math.floor(rng() * 5)) {
      case 0:
        for (let i = 0; i < 1 + Math.floor(rng() * 4); i++) b[Math.floor(rng() * b.length)] = Math.floor(rng() * 256);
        return b;
      case 1:
        b.fill(0xff, at, at + 8);
        return b;
      case 2:
        b.fill(0, at, at + 1 + Math.floor(rng() * 8));
        b[at] = Math.floor(rng() * 256);
        return b;
      case 3:
        return b.subarray(0, at);
      default: {
        const out = new Uint8Array(b.length + 1);
        out.set(b.subarray(0, at));
        out[at] = Math.floor(rng() * 256);
        out.set(b.subarray(at), at + 1);
        return rng() < 0.5 ? out : Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
      }
    }
  }

  it('800 mutants: the header and every tensor read either succeed or throw a GgufError', async () => {
    const rng = mulberry32(2024);
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 800; i++) {
      const bytes = mutate(seeds[i % seeds.length]!, rng);
      const src = bytesSource(bytes, `mutant-${i}.gguf`);
      try {
        const h = await readGgufHeader(src);
        parsed++;
        for (const t of h.tensors) {
          for (const read of [() => readGgufTensorF32(src, h, t.name), () => (ggmlCodec(t.type.name) ? readGgufQuantized(src, h, t.name) : Promise.resolve())]) {
            try {
              await read();
            } catch (e) {
              if (!(e instanceof GgufError)) throw new Error(`mutant ${i}, tensor '${t.name}': ${String(e)}`);
              expect((e as Error).message).toMatch(new RegExp(`^mutant-${i}\\.gguf: `));
            }
          }
        }
      } catch (e) {
        if (!(e instanceof GgufError)) throw new Error(`mutant ${i}: not a GgufError: ${String(e)}`);
        expect((e as Error).message).toMatch(new RegExp(`^mutant-${i}\\.gguf: `));
        rejected++;
      }
    }
    // Both outcomes occur: the mutations reach the header checks and the tensor data.
    expect(parsed).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(50);
  });
});
