// Node file helpers: readWeights dispatch and shape rules, atomic .npy writes that never leave partial files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTensorFile, readWeights, writeFileAtomic, writeNpyFile } from '../../src/io/files.js';
import { parseNpy, writeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { seededRandn } from '../../src/io/random.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lowbit-io-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readWeights', () => {
  it('reads a 2-D .npy, named after the file', async () => {
    const data = seededRandn(12, 3);
    const path = join(dir, 'q_proj.npy');
    writeFileSync(path, writeNpy(data, [3, 4]));
    const w = await readWeights(path);
    expect(w.shape).toEqual([3, 4]);
    expect(w.name).toBe('q_proj');
    expect(w.data).toEqual(data);
  });

  it('reports a 1-D tensor of length n as [1, n]', async () => {
    const path = join(dir, 'v.npy');
    writeFileSync(path, writeNpy(new Float32Array([1, 2, 3]), [3]));
    expect((await readWeights(path)).shape).toEqual([1, 3]);
  });

  it('rejects 3-D and 0-d tensors, naming the shape', async () => {
    const p3 = join(dir, 'cube.npy');
    writeFileSync(p3, writeNpy(new Float32Array(24), [2, 3, 4]));
    await expect(readWeights(p3)).rejects.toThrow(/cube\.npy' tensor 'cube' as a weight matrix: shape \[2, 3, 4\] is 3-D/);
    const p0 = join(dir, 'scalar.npy');
    writeFileSync(p0, writeNpy(new Float32Array(1), []));
    await expect(readWeights(p0)).rejects.toThrow(/shape \[\] is 0-D/);
  });

  it('reads a named tensor from .safetensors, or the only one when no name is given', async () => {
    const a = seededRandn(6, 1);
    const path = join(dir, 'model.SafeTensors');
    writeFileSync(path, writeSafetensors([{ name: 'w.a', data: a, shape: [2, 3] }, { name: 'w.b', data: seededRandn(4, 2), shape: [4] }]));
    const w = await readWeights(path, 'w.a');
    expect(w).toEqual({ data: a, shape: [2, 3], name: 'w.a' });
    await expect(readWeights(path)).rejects.toThrow(/model\.SafeTensors': the file holds 2 tensors, name one; available \(2\): 'w\.a', 'w\.b'/);
    await expect(readWeights(path, 'w.c')).rejects.toThrow(/cannot read '.*model\.SafeTensors': safetensors: no tensor named 'w\.c'/);
    const single = join(dir, 'one.safetensors');
    writeFileSync(single, writeSafetensors([{ name: 'only', data: a, shape: [3, 2] }]));
    expect((await readWeights(single)).name).toBe('only');
  });

  it('readTensorFile keeps the full shape and the stored dtype', async () => {
    const path = join(dir, 'cube.npy');
    writeFileSync(path, writeNpy(new Float32Array(24), [2, 3, 4]));
    const t = await readTensorFile(path);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.dtype).toBe('<f4');
  });

  it('errors name the path: missing file, directory, unknown extension, corrupt content, stray tensor name', async () => {
    const missing = join(dir, 'nope.npy');
    await expect(readWeights(missing)).rejects.toThrow(`cannot read '${missing}': no such file`);
    // A directory is opened as a model directory (shards or an index in it).
    const sub = join(dir, 'sub.npy');
    mkdirSync(sub);
    await expect(readWeights(sub)).rejects.toThrow(`'${sub}' holds no .npy, .safetensors, .gguf or *.index.json files`);
    await expect(readWeights(join(dir, 'w.pt'))).rejects.toThrow(/unsupported file extension '\.pt'; supported: \.npy, \.safetensors/);
    writeFileSync(join(dir, 'weights'), 'x');
    await expect(readWeights(join(dir, 'weights'))).rejects.toThrow(/unsupported file extension '\(none\)'/);
    await expect(readWeights(join(dir, 'absent'))).rejects.toThrow(/cannot read '.*absent': no such file or directory/);
    const corrupt = join(dir, 'bad.npy');
    writeFileSync(corrupt, 'not numpy at all');
    await expect(readWeights(corrupt)).rejects.toThrow(new RegExp(`cannot read '${corrupt}': npy: bad magic`));
    const npy = join(dir, 'ok.npy');
    writeFileSync(npy, writeNpy(new Float32Array(2), [1, 2]));
    await expect(readWeights(npy, 'w')).rejects.toThrow(/a tensor name \('w'\) was given, but \.npy files hold a single array/);
  });
});

describe('writeNpyFile (atomic)', () => {
  it('writes a file that parses back, leaving no temp files', async () => {
    const path = join(dir, 'out.npy');
    const data = seededRandn(15, 9);
    await writeNpyFile(path, data, [3, 5]);
    const back = parseNpy(new Uint8Array(readFileSync(path)));
    expect(back.shape).toEqual([3, 5]);
    expect(back.data).toEqual(data);
    expect(readdirSync(dir)).toEqual(['out.npy']);
  });

  it('replaces an existing file whole', async () => {
    const path = join(dir, 'out.npy');
    await writeNpyFile(path, new Float32Array(1000), [1000]);
    await writeNpyFile(path, new Float32Array([7]), [1]);
    expect(Array.from(parseNpy(new Uint8Array(readFileSync(path))).data)).toEqual([7]);
    expect(readdirSync(dir)).toEqual(['out.npy']);
  });

  it('missing directory: error names the path and directory, no file is created', async () => {
    const path = join(dir, 'no-such-dir', 'out.npy');
    await expect(writeNpyFile(path, new Float32Array(4), [4])).rejects.toThrow(
      `cannot write '${path}': directory '${join(dir, 'no-such-dir')}' does not exist`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('failure at the rename step removes the temp file and leaves the target untouched', async () => {
    // The target is a non-empty directory, so rename(tmp, target) fails after the data is written.
    const target = join(dir, 'taken.npy');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    await expect(writeNpyFile(target, new Float32Array(4), [4])).rejects.toThrow(new RegExp(`cannot write '${target}'`));
    expect(readdirSync(dir)).toEqual(['taken.npy']);
    expect(readdirSync(target)).toEqual(['keep']);
  });

  it('bad shape: error before anything touches the disk, old file kept', async () => {
    const path = join(dir, 'out.npy');
    await writeNpyFile(path, new Float32Array([1, 2]), [2]);
    await expect(writeNpyFile(path, new Float32Array(5), [2, 3])).rejects.toThrow(
      /cannot write '.*out\.npy': npy: cannot write: shape \[2, 3\] has 6 elements but data has 5/,
    );
    expect(Array.from(parseNpy(new Uint8Array(readFileSync(path))).data)).toEqual([1, 2]);
    expect(readdirSync(dir)).toEqual(['out.npy']);
  });

  it('writeFileAtomic writes raw bytes', async () => {
    const path = join(dir, 'report.json');
    await writeFileAtomic(path, new TextEncoder().encode('{"ok":true}'));
    expect(readFileSync(path, 'utf8')).toBe('{"ok":true}');
  });
});
