/**
 * Reading weight files picked or dropped by the user: .npy (one array) and .safetensors (a list
 * of tensors to choose from). Pure parsing through src/io; the bytes never leave the page.
 */
import { parseNpy } from '../io/npy.js';
import { listSafetensors, readSafetensorsTensor, parseSafetensorsHeader } from '../io/safetensors.js';
import type { TensorInput } from './protocol.js';

/** A tensor found in a file, loadable when it is a 2-D matrix of a readable dtype. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** true, or why this tensor cannot be quantized. */
  readonly usable: true | string;
  load(): TensorInput;
}

/** A parsed file. */
export interface LoadedFile {
  readonly fileName: string;
  readonly bytes: number;
  readonly entries: readonly TensorEntry[];
}

/** Largest file the app reads (browsers cap single ArrayBuffers near 2 GiB). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;
const READABLE = ['F32', 'F16', 'BF16', 'F64'];

/** Why a shape is not a weight matrix, or true. */
export function matrixReason(shape: readonly number[]): true | string {
  if (shape.length !== 2) {
    return `${shape.length}-D [${shape.join(', ')}]: only 2-D weight matrices [N, K] (nn.Linear layout) can be quantized`;
  }
  if (shape[0] === 0 || shape[1] === 0) return `empty matrix [${shape.join(', ')}]`;
  return true;
}

/** Parses file bytes by extension: .npy or .safetensors. Throws a message naming the file. */
export function parseWeightFile(fileName: string, bytes: Uint8Array): LoadedFile {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.npy')) {
    let arr;
    try {
      arr = parseNpy(bytes);
    } catch (err) {
      throw new Error(`${fileName}: ${(err as Error).message}`);
    }
    const usable = matrixReason(arr.shape);
    const entry: TensorEntry = {
      name: fileName,
      shape: arr.shape,
      dtype: arr.dtype,
      usable,
      load: () => ({ name: fileName, rows: arr.shape[0] as number, cols: arr.shape[1] as number, data: arr.data }),
    };
    return { fileName, bytes: bytes.length, entries: [entry] };
  }
  if (lower.endsWith('.safetensors')) {
    let header;
    try {
      header = parseSafetensorsHeader(bytes);
    } catch (err) {
      throw new Error(`${fileName}: ${(err as Error).message}`);
    }
    const infos = listSafetensors(bytes);
    const entries = infos.map((info): TensorEntry => {
      const shapeOk = matrixReason(info.shape);
      const usable = shapeOk !== true ? shapeOk : READABLE.includes(info.dtype) ? true : `dtype ${info.dtype}: readable dtypes are ${READABLE.join(', ')}`;
      return {
        name: info.name,
        shape: info.shape,
        dtype: info.dtype,
        usable,
        load: () => {
          const t = readSafetensorsTensor(bytes, info.name, header);
          return { name: info.name, rows: t.shape[0] as number, cols: t.shape[1] as number, data: t.data };
        },
      };
    });
    return { fileName, bytes: bytes.length, entries };
  }
  throw new Error(`${fileName}: unknown file type; lowbit reads .npy and .safetensors weight files`);
}

/** Reads a File from a picker or a drop. */
export async function readWeightFile(file: File): Promise<LoadedFile> {
  if (file.size > MAX_FILE_BYTES) {
    throw new Error(`${file.name} is ${(file.size / 2 ** 30).toFixed(1)} GiB; the browser app reads whole files into memory and takes files under 2 GiB (save the tensor you want on its own)`);
  }
  return parseWeightFile(file.name, new Uint8Array(await file.arrayBuffer()));
}
