// Models across shards: index.json, directories, picked Files (Blob), sparse shards with tensors straddling 2 GiB and 4 GiB, and the errors naming files and tensors.
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_OPEN_SHARDS, matrixShapeOf, openModel, openModelFromFiles, parseModelIndex, type ShardRef } from '../../src/io/model.js';
import { openModelPath } from '../../src/io/node-model.js';
import { readTensorFile } from '../../src/io/files.js';
import { writeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { bytesSource } from '../../src/io/byte-source.js';
import { seededRandn } from '../../src/io/random.js';
import { ggufTensorFromF32, ggufTensorFromQuantized, writeGguf } from '../../src/io/gguf-writer.js';
import { dequantize, quantize } from '../../src/quant/quantize.js';

const root = mkdtempSync(join(tmpdir(), 'lowbit-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A .safetensors file by hand: u64 LE header length, the header JSON padded with spaces to `pad` bytes, the buffer. */
function safetensorsBytes(header: Record<string, unknown>, buffer: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header).padEnd(pad, ' '));
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

/** bf16 words of f32 values by truncation (the values are chosen to be exact in bf16). */
function bf16Bytes(values: readonly number[]): Uint8Array {
  const f = new Float32Array(values);
  const u = new Uint32Array(f.buffer);
  const out = new Uint8Array(values.length * 2);
  u.forEach((w, i) => {
    out[2 * i] = (w >>> 16) & 0xff;
    out[2 * i + 1] = w >>> 24;
  });
  return out;
}

/** Values exact in bf16: small integers times powers of two. */
function bf16Values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (((i * 37 + seed) % 255) - 127) * 2 ** (((i + seed) % 9) - 4));
}

interface Checkpoint {
  dir: string;
  tensors: Map<string, { shape: number[]; values: Float32Array }>;
}

/** Two shards and an index, as transformers writes them: F32 and BF16 matrices, a 1-D norm. */
function writeCheckpoint(name: string): Checkpoint {
  const dir = join(root, name);
  mkdirSync(dir);
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  const a = seededRandn(8 * 16, 1);
  const b = seededRandn(4 * 16, 2);
  writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), writeSafetensors([{ name: 'layers.0.q.weight', data: a, shape: [8, 16] }, { name: 'layers.0.norm', data: b.subarray(0, 16), shape: [16] }]));
  tensors.set('layers.0.q.weight', { shape: [8, 16], values: a });
  tensors.set('layers.0.norm', { shape: [16], values: b.subarray(0, 16) });
  const bv = bf16Values(6 * 16, 5);
  writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), safetensorsBytes({ __metadata__: { format: 'pt' }, 'layers.1.up.weight': { dtype: 'BF16', shape: [6, 16], data_offsets: [0, 192] } }, bf16Bytes(bv)));
  tensors.set('layers.1.up.weight', { shape: [6, 16], values: new Float32Array(bv) });
  const index = {
    metadata: { total_size: 0 },
    weight_map: {
      'layers.0.q.weight': 'model-00001-of-00002.safetensors',
      'layers.0.norm': 'model-00001-of-00002.safetensors',
      'layers.1.up.weight': 'model-00002-of-00002.safetensors',
    },
  };
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  writeFileSync(join(dir, 'config.json'), '{}');
  return { dir, tensors };
}

describe('models across shards', () => {
  const ck = writeCheckpoint('sharded');

  it('opens an index.json and its directory alike: tensors in shard order, dtypes, shapes, byte ranges; reads each exactly', async () => {
    for (const path of [join(ck.dir, 'model.safetensors.index.json'), ck.dir]) {
      const m = await openModelPath(path);
      try {
        expect(m.index).toBe(join(ck.dir, 'model.safetensors.index.json'));
        expect(m.tensors.map((t) => [t.name, t.dtype, t.shape, t.elements])).toEqual([
          ['layers.0.q.weight', 'F32', [8, 16], 128],
          ['layers.0.norm', 'F32', [16], 16],
          ['layers.1.up.weight', 'BF16', [6, 16], 96],
        ]);
        expect(m.shards.map((s) => s.name)).toEqual([join(ck.dir, 'model-00001-of-00002.safetensors'), join(ck.dir, 'model-00002-of-00002.safetensors')]);
        expect(m.tensorBytes).toBe(128 * 4 + 16 * 4 + 96 * 2);
        for (const [name, t] of ck.tensors) expect(await m.read(name)).toEqual(t.values);
        expect(matrixShapeOf(m.get('layers.1.up.weight'))).toEqual({ rows: 6, cols: 16 });
        expect(matrixShapeOf(m.get('layers.0.norm'))).toMatch(/1-D \[16\]: only 2-D weight matrices/);
        expect(() => m.get('nope')).toThrow(/no tensor named 'nope'; available \(3\): 'layers\.0\.q\.weight'/);
      } finally {
        await m.close();
      }
    }
  });

  it('opens the same checkpoint from picked Files (Blob.slice), with other files ignored', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const files = readdirSync(ck.dir).map((n) => new File([readFileSync(join(ck.dir, n))], n));
    const m = await openModelFromFiles(files);
    try {
      expect(m.index).toBe('model.safetensors.index.json');
      expect(m.tensors.map((t) => t.name)).toEqual(['layers.0.q.weight', 'layers.0.norm', 'layers.1.up.weight']);
      for (const [name, t] of ck.tensors) expect(await m.read(name)).toEqual(t.values);
    } finally {
      await m.close();
    }
    // Without the index: every weight file is a shard.
    const m2 = await openModelFromFiles(files.filter((f) => !f.name.endsWith('.json')));
    expect(m2.index).toBeUndefined();
    expect(m2.tensors.length).toBe(3);
    await m2.close();
    await expect(openModelFromFiles(files.filter((f) => f.name !== 'model-00002-of-00002.safetensors'))).rejects.toThrow(
      /'model\.safetensors\.index\.json' names 1 shard\(s\) that were not picked: 'model-00002-of-00002\.safetensors'/,
    );
    await expect(openModelFromFiles([new File(['{}'], 'config.json')])).rejects.toThrow(/no \.npy, \.safetensors or \.gguf files among 1 picked \('config\.json'\)/);
  });

  it('readTensorFile picks one tensor of a sharded model by name', async () => {
    const t = await readTensorFile(ck.dir, 'layers.1.up.weight');
    expect(t.dtype).toBe('BF16');
    expect(t.data).toEqual(ck.tensors.get('layers.1.up.weight')!.values);
    await expect(readTensorFile(ck.dir)).rejects.toThrow(/the model holds 3 tensors, name one/);
    await expect(readTensorFile(ck.dir, 'x')).rejects.toThrow(/no tensor named 'x'; available \(3\)/);
  });

  it('a directory of .npy files is a model with one tensor per file, named after it', async () => {
    const dir = join(root, 'npys');
    mkdirSync(dir);
    const w = seededRandn(12, 4);
    writeFileSync(join(dir, 'b.npy'), writeNpy(w, [3, 4]));
    writeFileSync(join(dir, 'a.npy'), writeNpy(new Float32Array(2), [2]));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const m = await openModelPath(dir);
    expect(m.tensors.map((t) => [t.name, t.dtype, t.format])).toEqual([
      ['a', '<f4', 'npy'],
      ['b', '<f4', 'npy'],
    ]);
    expect(await m.read('b')).toEqual(w);
    await m.close();
  });

  it('reopens shards beyond the open-file limit on demand', async () => {
    const n = MAX_OPEN_SHARDS + 3;
    let opened = 0;
    let closed = 0;
    const shards: ShardRef[] = Array.from({ length: n }, (_, i) => ({
      name: `s${String(i).padStart(2, '0')}.npy`,
      open: () => {
        opened++;
        const src = bytesSource(writeNpy(new Float32Array([i, i + 0.5]), [1, 2]), `s${i}`);
        return Promise.resolve({ ...src, close: () => ((closed++), Promise.resolve()) });
      },
    }));
    const m = await openModel({ name: 'many', shards });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < n; i++) expect(Array.from(await m.read(`s${String(i).padStart(2, '0')}`))).toEqual([i, i + 0.5]);
    }
    await m.close();
    expect(opened).toBeGreaterThan(n); // some were closed and reopened
    expect(closed).toBe(opened);
  });
});

describe('GGUF shards', () => {
  it('reads f32 / f16 / bf16 GGUF tensors by byte range and block-format tensors dequantized as ggml does', async () => {
    const dir = join(root, 'gguf');
    mkdirSync(dir);
    const w = seededRandn(4 * 32, 3);
    const half = new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff, 0x8000, 0x3555]); // binary16: 1, -2, 2^-24, 65504, -0, 0.333...
    const bf = bf16Values(6, 2);
    const q = quantize(seededRandn(2 * 32, 4), 2, 32, 'q4_0');
    const file = writeGguf([['general.architecture', { type: 'string', value: 'test' }]], [
      ggufTensorFromF32('w.f32', w, [4, 32]),
      { name: 'w.f16', type: 'f16', ne: [3, 2], data: new Uint8Array(half.buffer) },
      { name: 'w.bf16', type: 'bf16', ne: [6], data: bf16Bytes(bf) },
      ggufTensorFromQuantized('w.q4', q),
    ]);
    writeFileSync(join(dir, 'model.gguf'), file);
    const m = await openModelPath(dir);
    try {
      expect(m.tensors.map((t) => [t.name, t.dtype, t.kind, t.shape, t.format])).toEqual([
        ['w.f32', 'f32', 'f32', [4, 32], 'gguf'],
        ['w.f16', 'f16', 'f16', [2, 3], 'gguf'],
        ['w.bf16', 'bf16', 'bf16', [6], 'gguf'],
        ['w.q4', 'q4_0', undefined, [2, 32], 'gguf'],
      ]);
      expect(await m.read('w.f32')).toEqual(w);
      expect(Array.from(await m.read('w.f16'))).toEqual([1, -2, 2 ** -24, 65504, -0, (1 + 0x155 / 1024) * 2 ** -2]);
      expect(Array.from(await m.read('w.bf16'))).toEqual(bf);
      expect(m.get('w.q4').ggmlBlocks).toBe(true);
      expect(matrixShapeOf(m.get('w.q4'))).toEqual({ rows: 2, cols: 32 });
      // The same values as dequantizing the QuantizedTensor the blocks were written from.
      expect(await m.read('w.q4')).toEqual(dequantize(q));
      const out = new Float32Array(64);
      expect(await m.read('w.q4', { out })).toBe(out);
      await expect(m.read('w.q4', { out: new Float32Array(3) })).rejects.toThrow(/out holds 3 values, the tensor 64/);
    } finally {
      await m.close();
    }
    writeFileSync(join(dir, 'model.gguf'), file.subarray(0, 20));
    await expect(openModelPath(join(dir, 'model.gguf'))).rejects.toThrow(/^cannot read '.*model\.gguf': /);
  });
});

describe('model errors name the file and tensor', () => {
  it('index problems: missing shard, tensor not in its shard, traversal, wrong types', async () => {
    const ck = writeCheckpoint('broken');
    const ix = join(ck.dir, 'model.safetensors.index.json');
    const write = (o: unknown) => writeFileSync(ix, JSON.stringify(o));
    write({ weight_map: { 'layers.0.q.weight': 'model-00001-of-00002.safetensors', extra: 'model-00003-of-00003.safetensors' } });
    await expect(openModelPath(ix)).rejects.toThrow(/names 1 shard file\(s\) that are missing: '.*model-00003-of-00003\.safetensors'/);
    write({ weight_map: { 'layers.0.q.weight': 'model-00002-of-00002.safetensors' } });
    await expect(openModelPath(ix)).rejects.toThrow(/maps tensor 'layers\.0\.q\.weight' to 'model-00002-of-00002\.safetensors', which does not hold it/);
    write({ weight_map: { w: '../../etc/passwd.safetensors' } });
    await expect(openModelPath(ix)).rejects.toThrow(/shards must be plain file names beside the index/);
    write({ weight_map: { w: 'pytorch_model-00001.bin' } });
    await expect(openModelPath(ix)).rejects.toThrow(/only \.safetensors shards are supported/);
    write({ weight_map: { w: 7 } });
    await expect(openModelPath(ix)).rejects.toThrow(/"weight_map" entry 'w' must be a file name, got 7/);
    write({ metadata: {} });
    await expect(openModelPath(ix)).rejects.toThrow(/the "weight_map" key is missing/);
    write({ weight_map: {} });
    await expect(openModelPath(ix)).rejects.toThrow(/"weight_map" is empty/);
    writeFileSync(ix, '{"weight_map": ');
    await expect(openModelPath(ix)).rejects.toThrow(/index: not valid UTF-8 JSON/);
    writeFileSync(join(ck.dir, 'other.safetensors.index.json'), '{}');
    await expect(openModelPath(ck.dir)).rejects.toThrow(/holds 2 index files \('model\.safetensors\.index\.json', 'other\.safetensors\.index\.json'\); pass one of them/);
  });

  it('a key named __proto__ in weight_map is a tensor name like any other', () => {
    const ix = parseModelIndex(new TextEncoder().encode('{"weight_map": {"__proto__": "a.safetensors", "constructor": "b.safetensors"}}'), 'ix');
    expect([...ix.weightMap]).toEqual([
      ['__proto__', 'a.safetensors'],
      ['constructor', 'b.safetensors'],
    ]);
  });

  it('duplicate names across shards, corrupt shards and unsupported paths', async () => {
    const dir = join(root, 'dups');
    mkdirSync(dir);
    const t = { name: 'w', data: new Float32Array(4), shape: [2, 2] };
    writeFileSync(join(dir, 'a.safetensors'), writeSafetensors([t]));
    writeFileSync(join(dir, 'b.safetensors'), writeSafetensors([t]));
    await expect(openModelPath(dir)).rejects.toThrow(/tensor 'w' is in both '.*a\.safetensors' and '.*b\.safetensors'/);
    writeFileSync(join(dir, 'b.safetensors'), 'garbage!');
    await expect(openModelPath(dir)).rejects.toThrow(/cannot read '.*b\.safetensors': safetensors: header size \d+ runs past the end/);
    await expect(openModelPath(join(root, 'none.safetensors'))).rejects.toThrow(/cannot read '.*none\.safetensors': no such file/);
    await expect(openModelPath(join(root, 'w.bin'))).rejects.toThrow(/unsupported file extension '\.bin'; supported: \.npy, \.safetensors, \.gguf, a \*\.index\.json, or a directory/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(openModelPath(empty)).rejects.toThrow(/holds no \.npy, \.safetensors, \.gguf or \*\.index\.json files/);
  });

  it('an integer tensor is listed but not readable as f32', async () => {
    const src = bytesSource(safetensorsBytes({ ids: { dtype: 'I64', shape: [2, 2], data_offsets: [0, 32] } }, new Uint8Array(32)), 'ids.safetensors');
    const m = await openModel({ name: 'ids', shards: [{ name: 'ids.safetensors', open: () => Promise.resolve(src) }] });
    expect(m.tensors[0]!.kind).toBeUndefined();
    expect(matrixShapeOf(m.tensors[0]!)).toMatch(/dtype I64 cannot be read as f32/);
    await expect(m.read('ids')).rejects.toThrow(/'ids\.safetensors': tensor 'ids' has dtype I64, which cannot be read as f32/);
    await m.close();
  });
});

describe('sparse shards: tensors straddling 2 GiB and 4 GiB offsets', () => {
  it('reads a BF16 tensor across 2^31 and an F32 tensor across 2^32 exactly, through a file and through an index', async () => {
    const dir = join(root, 'sparse');
    mkdirSync(dir);
    const HEADER = 512; // header JSON padded to this many bytes: the data starts at 8 + 512
    const dataStart = 8 + HEADER;
    const w1 = bf16Values(3 * 50, 11); // BF16 [3, 50]: 300 bytes
    const w2 = seededRandn(10 * 10, 12); // F32 [10, 10]: 400 bytes
    const s1 = 2 ** 31 - 101 - dataStart; // relative start: absolute bytes [2^31 - 101, 2^31 + 199)
    const s2 = 2 ** 32 - 203 - dataStart; // absolute bytes [2^32 - 203, 2^32 + 197)
    const header = {
      pad1: { dtype: 'U8', shape: [s1], data_offsets: [0, s1] },
      w1: { dtype: 'BF16', shape: [3, 50], data_offsets: [s1, s1 + 300] },
      pad2: { dtype: 'U8', shape: [s2 - s1 - 300], data_offsets: [s1 + 300, s2] },
      w2: { dtype: 'F32', shape: [10, 10], data_offsets: [s2, s2 + 400] },
    };
    const head = safetensorsBytes(header, new Uint8Array(0), HEADER);
    expect(head.length).toBe(dataStart);
    const path = join(dir, 'big.safetensors');
    const fd = openSync(path, 'w');
    try {
      ftruncateSync(fd, dataStart + s2 + 400);
      writeSync(fd, head, 0, head.length, 0);
      writeSync(fd, bf16Bytes(w1), 0, 300, dataStart + s1);
      writeSync(fd, new Uint8Array(w2.buffer), 0, 400, dataStart + s2);
    } finally {
      closeSync(fd);
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { w1: 'big.safetensors', w2: 'big.safetensors' } }));
    for (const p of [path, dir]) {
      const m = await openModelPath(p);
      try {
        const t1 = m.get('w1');
        expect(t1.byteRange.start).toBeLessThan(2 ** 31);
        expect(t1.byteRange.end).toBeGreaterThan(2 ** 31);
        const t2 = m.get('w2');
        expect(t2.byteRange.start).toBeLessThan(2 ** 32);
        expect(t2.byteRange.end).toBeGreaterThan(2 ** 32);
        expect(Array.from(await m.read(t1))).toEqual(w1);
        expect(await m.read(t2, { chunkBytes: 12 })).toEqual(w2);
        expect(await m.read(t2)).toEqual(w2);
      } finally {
        await m.close();
      }
    }
  });
});
