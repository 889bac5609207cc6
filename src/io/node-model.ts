/**
 * Opening a model from a path in Node: a .npy, .safetensors or .gguf file, a checkpoint index
 * (`model.safetensors.index.json`, shards beside it), or a directory (its index if it holds one,
 * else every .npy, .safetensors and .gguf file in it). Node only; see src/io/model.ts for the model.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatOfName, isIndexName, MAX_INDEX_BYTES, openModel, parseModelIndex, type Model, type ShardRef } from './model.js';
import { openFileSource } from './node-file-source.js';

/** What `--in` accepts, for messages. */
export const MODEL_INPUTS = '.npy, .safetensors, .gguf, a *.index.json, or a directory of them';

function fileRef(path: string): ShardRef {
  return { name: path, open: () => openFileSource(path) };
}

async function statOrFail(path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`cannot read '${path}': no such file or directory`);
    if (code === 'EACCES') throw new Error(`cannot read '${path}': permission denied`);
    throw new Error(`cannot read '${path}': ${(e as Error).message}`);
  }
}

async function openIndex(path: string, name: string): Promise<Model> {
  const st = await statOrFail(path);
  if (st.size > MAX_INDEX_BYTES) throw new Error(`cannot read '${path}': index: ${st.size} bytes, more than the ${MAX_INDEX_BYTES} an index may have`);
  const parsed = parseModelIndex(new Uint8Array(await readFile(path)), path);
  const dir = dirname(path);
  const paths = parsed.shards.map((s) => join(dir, s));
  const missing: string[] = [];
  for (const p of paths) {
    try {
      if (!(await stat(p)).isFile()) missing.push(p);
    } catch {
      missing.push(p);
    }
  }
  if (missing.length > 0) {
    throw new Error(`'${path}' names ${missing.length} shard file(s) that are missing: ${missing.slice(0, 5).map((p) => `'${p}'`).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }
  return openModel({ name, shards: paths.map(fileRef), index: { name: path, parsed } });
}

/**
 * Opens the model at `path` (see the module comment). Errors name the path: a missing file, an
 * unsupported extension, a directory without weight files, two index files in one directory.
 */
export async function openModelPath(path: string): Promise<Model> {
  // A missing path falls through to the extension check and then to the open, which names it.
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) {
    const names = (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name).sort();
    const indexes = names.filter(isIndexName);
    if (indexes.length > 1) {
      throw new Error(`'${path}' holds ${indexes.length} index files (${indexes.map((n) => `'${n}'`).join(', ')}); pass one of them`);
    }
    if (indexes.length === 1) return openIndex(join(path, indexes[0]!), path);
    const weights = names.filter((n) => formatOfName(n) !== undefined);
    if (weights.length === 0) throw new Error(`'${path}' holds no .npy, .safetensors, .gguf or *.index.json files`);
    return openModel({ name: path, shards: weights.map((n) => fileRef(join(path, n))) });
  }
  if (isIndexName(path)) return openIndex(path, path);
  if (formatOfName(path) === undefined) {
    const dot = path.lastIndexOf('.');
    const ext = dot > path.lastIndexOf('/') ? path.slice(dot) : '(none)';
    if (st === undefined && ext === '(none)') throw new Error(`cannot read '${path}': no such file or directory`);
    throw new Error(`cannot read '${path}': unsupported file extension '${ext}'; supported: ${MODEL_INPUTS}`);
  }
  return openModel({ name: path, shards: [fileRef(path)] });
}
