// Node-only file helpers over the pure parsers: read a weight matrix from .npy / .safetensors
// and write .npy files atomically (temp file in the same directory, then rename).

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeNpy } from './npy.js';
import type { ModelTensor } from './model.js';
import { openModelPath } from './node-model.js';
import { describeTensorNames } from './safetensors.js';
import { quoteString } from './quote.js';
import type { ReadTensorOptions } from './tensor-data.js';

/** A tensor of any rank read from a file, as f32. */
export interface TensorFromFile {
  data: Float32Array;
  shape: number[];
  /** The safetensors tensor name, or the .npy file's base name without extension. */
  name: string;
  /** The stored dtype before conversion (`'<f2'`, `'BF16'`, ...). */
  dtype: string;
}

/** A weight matrix [rows, cols] = [N out channels, K in channels], nn.Linear convention. */
export interface Weights {
  data: Float32Array;
  /** Always 2-D; a 1-D tensor of length n is reported as [1, n]. */
  shape: [number, number];
  name: string;
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads one tensor from a .npy or .safetensors file (chosen by extension, case-insensitive), a
 * checkpoint index or a directory of shards (see `openModelPath`), reading only the header(s)
 * and the tensor's byte range. `tensorName` picks the tensor; it may be omitted when the input
 * holds exactly one. Errors name the file and, where relevant, the tensor.
 */
export async function readTensorFile(path: string, tensorName?: string, opts: ReadTensorOptions = {}): Promise<TensorFromFile> {
  const model = await openModelPath(path);
  try {
    const single = model.shards.length === 1 && model.index === undefined ? model.shards[0]!.format : undefined;
    let t: ModelTensor;
    if (tensorName === undefined) {
      if (model.tensors.length !== 1) {
        const what = single !== undefined ? 'the file' : 'the model';
        throw new Error(`cannot read '${path}': ${what} holds ${model.tensors.length} tensors, name one; ${describeTensorNames(model.tensors)}`);
      }
      t = model.tensors[0]!;
    } else {
      if (single === 'npy') throw new Error(`cannot read '${path}': a tensor name (${quoteString(tensorName)}) was given, but .npy files hold a single array`);
      const found = model.tensors.find((x) => x.name === tensorName);
      if (found === undefined) {
        const prefix = single === 'safetensors' ? 'safetensors: ' : '';
        throw new Error(`cannot read '${path}': ${prefix}no tensor named ${quoteString(tensorName)}; ${describeTensorNames(model.tensors)}`);
      }
      t = found;
    }
    const data = await model.read(t, opts);
    return { data, shape: [...t.shape], name: t.name, dtype: t.dtype };
  } finally {
    await model.close();
  }
}

/**
 * Reads a weight matrix from a .npy or .safetensors file (see `readTensorFile`). A 2-D tensor
 * is returned as is; a 1-D tensor of length n as [1, n]; 0-d or >2-D tensors are an error
 * naming the shape (flatten to 2-D before saving).
 */
export async function readWeights(path: string, tensorName?: string): Promise<Weights> {
  const t = await readTensorFile(path, tensorName);
  let shape: [number, number];
  if (t.shape.length === 2) shape = [t.shape[0]!, t.shape[1]!];
  else if (t.shape.length === 1) shape = [1, t.shape[0]!];
  else {
    throw new Error(
      `cannot use '${path}' tensor '${t.name}' as a weight matrix: shape [${t.shape.join(', ')}] is ` +
        `${t.shape.length}-D; expected 2-D [out channels, in channels] (reshape it before saving)`,
    );
  }
  return { data: t.data, shape, name: t.name };
}

/**
 * Writes `bytes` to `path` atomically: the bytes go to a fresh temp file in the same directory,
 * are flushed to disk, and the temp file is renamed over `path`. On any failure the temp file is
 * removed and `path` is left as it was (absent or with its old contents).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(tmp, 'wx');
    created = true;
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' && !created ? `directory '${dir}' does not exist` : describeError(e);
    throw new Error(`cannot write '${path}': ${why}`);
  }
}

/** Writes f32 `data` with `shape` as a `<f4` .npy file, atomically (see `writeFileAtomic`). */
export async function writeNpyFile(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = writeNpy(data, shape);
  } catch (e) {
    throw new Error(`cannot write '${path}': ${describeError(e)}`);
  }
  await writeFileAtomic(path, bytes);
}
