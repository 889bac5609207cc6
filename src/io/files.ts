// Node-only file helpers over the pure parsers: read a weight matrix from .npy / .safetensors
// and write .npy files atomically (temp file in the same directory, then rename).

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parseNpy, writeNpy } from './npy.js';
import { describeTensorNames, parseSafetensorsHeader, readSafetensorsTensor } from './safetensors.js';

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

const SUPPORTED_EXTENSIONS = ['.npy', '.safetensors'] as const;

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`cannot read '${path}': no such file`);
    if (code === 'EISDIR') throw new Error(`cannot read '${path}': it is a directory`);
    throw new Error(`cannot read '${path}': ${describeError(e)}`);
  }
}

/**
 * Reads one tensor from a .npy or .safetensors file (chosen by extension, case-insensitive).
 * For .safetensors, `tensorName` picks the tensor; it may be omitted when the file holds
 * exactly one. Errors name the file and, where relevant, the tensor.
 */
export async function readTensorFile(path: string, tensorName?: string): Promise<TensorFromFile> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.npy' && ext !== '.safetensors') {
    throw new Error(
      `cannot read '${path}': unsupported file extension '${ext || '(none)'}'; supported: ${SUPPORTED_EXTENSIONS.join(', ')}`,
    );
  }
  const bytes = await readFileBytes(path);
  try {
    if (ext === '.npy') {
      if (tensorName !== undefined) {
        throw new Error(`a tensor name ('${tensorName}') was given, but .npy files hold a single array`);
      }
      const arr = parseNpy(bytes);
      return { data: arr.data, shape: arr.shape, name: basename(path, extname(path)), dtype: arr.dtype };
    }
    const header = parseSafetensorsHeader(bytes);
    let name = tensorName;
    if (name === undefined) {
      if (header.tensors.length !== 1) {
        throw new Error(`the file holds ${header.tensors.length} tensors, name one; ${describeTensorNames(header.tensors)}`);
      }
      name = header.tensors[0]!.name;
    }
    const t = readSafetensorsTensor(bytes, name, header);
    return { data: t.data, shape: t.shape, name: t.name, dtype: t.dtype };
  } catch (e) {
    throw new Error(`cannot read '${path}': ${describeError(e)}`);
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
