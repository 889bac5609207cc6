// Header listers for lowbit inspect: .npy, .safetensors and .gguf through a ByteSource, with bounded, named errors.
import { describe, expect, it } from 'vitest';
import { bytesSource, type ByteSource } from '../../src/io/byte-source.js';
import { describeGgufValue, listGguf, listNpyHeader, listSafetensorsHeader, listTensorFile, tensorFileFormat } from '../../src/io/inspect.js';
import { writeNpy } from '../../src/io/npy.js';
import { parseSafetensorsHeader, writeSafetensors } from '../../src/io/safetensors.js';
import { ggufTensorFromF32, writeGguf } from '../../src/io/gguf-writer.js';
import { handWrittenGguf } from './gguf-bytes.js';

/** A source that fails the test if anything past `limit` bytes is read (headers only). */
function headerOnly(bytes: Uint8Array, name: string, limit: number): ByteSource {
  const src = bytesSource(bytes, name);
  return { ...src, read: (off, len) => (off + len > limit ? Promise.reject(new Error(`read [${off}, ${off + len}) beyond the header`)) : src.read(off, len)) };
}

describe('inspect listers', () => {
  it('npy: dtype, shape, bits and the data range, from the header', async () => {
    const bytes = writeNpy(new Float32Array(12), [3, 4]);
    const l = await listTensorFile(headerOnly(bytes, 'dir/w.npy', 128), 'npy');
    expect(l.format).toBe('npy');
    expect(l.tensors).toEqual([{ name: 'w', dtype: '<f4', shape: [3, 4], bitsPerWeight: 32, bytes: 48, offset: bytes.length - 48 }]);
    await expect(listNpyHeader(bytesSource(new Uint8Array(16), 'x.npy'))).rejects.toThrow('x.npy: bad magic');
  });

  it('safetensors: every tensor with its dtype bits and absolute offsets, matching the full parser', async () => {
    const bytes = writeSafetensors([
      { name: 'b', data: new Float32Array(6), shape: [2, 3] },
      { name: 'a', data: new Float32Array(4), shape: [4] },
    ]);
    const want = parseSafetensorsHeader(bytes);
    const l = await listSafetensorsHeader(headerOnly(bytes, 'm.safetensors', want.dataStart));
    expect(l.tensors.map((t) => [t.name, t.dtype, t.shape, t.bitsPerWeight, t.offset, t.offset + t.bytes])).toEqual(
      want.tensors.map((t) => [t.name, t.dtype, t.shape, 32, t.byteRange.start, t.byteRange.end]),
    );
    const huge = new Uint8Array(16);
    huge[4] = 1; // header size 2^32
    await expect(listSafetensorsHeader(bytesSource(huge, 'h.safetensors'))).rejects.toThrow("h.safetensors: header size 4294967296 is above the format's limit of 100000000 bytes");
    const short = new Uint8Array(16);
    short[0] = 100;
    await expect(listSafetensorsHeader(bytesSource(short, 's.safetensors'))).rejects.toThrow('s.safetensors: header size 100 runs past the end of the file (16 bytes)');
  });

  it('gguf: header facts, metadata and tensors with ggml bits/weight; a 4 MiB tensor is not read', async () => {
    const { bytes, dataOffset } = handWrittenGguf();
    const l = await listGguf(bytesSource(bytes, 'm.gguf'));
    expect(l.properties).toEqual([['version', '3'], ['alignment', '64'], ['data offset', String(dataOffset)]]);
    expect(l.tensors.map((t) => [t.name, t.dtype, t.shape, t.bitsPerWeight, t.bytes])).toEqual([
      ['a', 'f32', [2, 3], 32, 24],
      ['b', 'q8_0', [2, 32], 8.5, 68],
    ]);
    const md = new Map(l.metadata);
    expect(describeGgufValue(md.get('t.string')!)).toBe('string "llama ü"');
    expect(describeGgufValue(md.get('t.u64')!)).toBe('u64 9223372036854775813');
    expect(describeGgufValue(md.get('t.array_i32')!, 2)).toBe('[i32 x 3] 1, -2, ... (3 items)');
    expect(describeGgufValue(md.get('t.array_nested')!)).toBe('[array x 2] [string x 1], [f32 x 0]');
    // The header reader fetches 1 MiB at a time: a file with 4 MiB of data is listed from its first MiB.
    const big = writeGguf([], [ggufTensorFromF32('w', new Float32Array(1 << 20), [1024, 1024])]);
    const lb = await listGguf(headerOnly(big, 'big.gguf', 1 << 20));
    expect(lb.tensors.map((t) => [t.name, t.bytes])).toEqual([['w', 4 << 20]]);
  });

  it('formats come from the extension; unknown ones are named', async () => {
    expect(['a.GGUF', 'b.safetensors', 'c.npy', 'd.bin'].map(tensorFileFormat)).toEqual(['gguf', 'safetensors', 'npy', undefined]);
    await expect(listTensorFile(bytesSource(new Uint8Array(4), 'd.bin'))).rejects.toThrow('d.bin: unknown file type');
  });
});
