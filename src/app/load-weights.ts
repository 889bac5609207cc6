/**
 * Weight files picked or dropped by the user, as one model: a single .npy / .safetensors / .gguf,
 * several files, or a folder (shards and their `model.safetensors.index.json`). Built on the
 * library's model (src/io/model.ts, `openModelFromFiles`): only headers are read when the files
 * are opened, and a tensor is read later through Blob.slice, only its byte range, so files of any
 * size work (no 2 GiB limit, no whole-file read). GGUF tensors in ggml block formats (q4_k, ...)
 * are dequantized to f32 by the library's GGUF reader (ggml's dequantize_row_*), row chunk by row
 * chunk. Runs in the page (listing) and in the workers (reading); the bytes never leave the machine.
 */
import { matrixShapeOf, openModelFromFiles, type Model, type ModelTensor, type NamedBlob } from '../io/model.js';
import type { ModelFile } from './protocol.js';

/** A tensor of the picked model, as the tensor list shows it. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** The stored type as its file names it ('BF16', '<f4', 'q4_k', ...). */
  readonly dtype: string;
  /** The file holding it (its path within a picked folder). */
  readonly shard: string;
  /** Stored bytes. */
  readonly bytes: number;
  readonly elements: number;
  /** true when it is a 2-D matrix lowbit can read as f32, else why it is not quantized. */
  readonly usable: true | string;
  /** [rows, cols] when usable. */
  readonly rows: number;
  readonly cols: number;
}

/** A picked model, opened (headers only). */
export interface PickedModel {
  /** What the page calls it: a file name, or "N files" / the folder name. */
  readonly label: string;
  /** The index that defined it, when one did. */
  readonly index: string | undefined;
  readonly shards: readonly { readonly name: string; readonly size: number; readonly format: string }[];
  readonly entries: readonly TensorEntry[];
  /** The files, as the workers receive them. */
  readonly files: readonly ModelFile[];
  /** Reads one tensor as f32 (its byte range only); block-format GGUF tensors dequantized. */
  read(name: string): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Why a tensor is not quantized, or its [rows, cols] (block-format GGUF tensors are read dequantized). */
export function entryShape(t: ModelTensor): { rows: number; cols: number } | string {
  return matrixShapeOf(t);
}

/** A File as the model reader sees it, named by its path within a picked folder. */
function namedBlob(f: ModelFile): NamedBlob {
  return { name: f.file.name, webkitRelativePath: f.path === f.file.name ? '' : f.path, size: f.file.size, slice: (start, end) => f.file.slice(start, end) };
}

/** The label of a set of picked files: the file's name, or the folder's, or "N files". */
function labelOf(files: readonly ModelFile[]): string {
  if (files.length === 1) return files[0]!.path;
  const tops = new Set(files.map((f) => (f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) : '')));
  const [top] = tops;
  return tops.size === 1 && top !== '' && top !== undefined ? `${top}/ (${files.length} files)` : `${files.length} files`;
}

/**
 * Opens picked files as one model (see the module comment). Rejects with a message naming the
 * file and the problem (a corrupt header, an index naming a shard that was not picked, ...).
 */
export async function openPickedModel(files: readonly ModelFile[]): Promise<PickedModel> {
  if (files.length === 0) throw new Error('no files were picked');
  const label = labelOf(files);
  const model: Model = await openModelFromFiles(files.map(namedBlob), label);
  const entries = model.tensors.map((t): TensorEntry => {
    const m = entryShape(t);
    return {
      name: t.name,
      shape: t.shape,
      dtype: t.dtype,
      shard: t.shard,
      bytes: t.byteRange.end - t.byteRange.start,
      elements: t.elements,
      usable: typeof m === 'string' ? m : true,
      rows: typeof m === 'string' ? 0 : m.rows,
      cols: typeof m === 'string' ? 0 : m.cols,
    };
  });
  return {
    label,
    index: model.index,
    shards: model.shards.map((s) => ({ name: s.name, size: s.size, format: s.format })),
    entries,
    files,
    read: (name) => model.read(name),
    close: () => model.close(),
  };
}

/** Picked files from an <input type="file" multiple> (with `webkitdirectory`, their folder paths). */
export function filesOfInput(list: FileList | null): ModelFile[] {
  return Array.from(list ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Reads every entry of a dropped folder (readEntries returns them in batches until empty). */
async function readDirectory(dir: FileSystemDirectoryEntry, prefix: string, out: ModelFile[]): Promise<void> {
  const reader = dir.createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return;
    for (const e of batch) await collectEntry(e, prefix, out);
  }
}

async function collectEntry(entry: FileSystemEntry, prefix: string, out: ModelFile[]): Promise<void> {
  const path = `${prefix}${entry.name}`;
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    out.push({ file, path });
  } else if (entry.isDirectory) {
    await readDirectory(entry as FileSystemDirectoryEntry, `${path}/`, out);
  }
}

/** The files of a drop: plain files, and every file inside dropped folders (with their paths). */
export async function filesOfDrop(dt: DataTransfer): Promise<ModelFile[]> {
  const entries = Array.from(dt.items ?? [])
    .filter((it) => it.kind === 'file')
    .map((it) => (typeof it.webkitGetAsEntry === 'function' ? it.webkitGetAsEntry() : null));
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    const out: ModelFile[] = [];
    for (const e of entries) await collectEntry(e as FileSystemEntry, '', out);
    return out;
  }
  return filesOfInput(dt.files);
}
