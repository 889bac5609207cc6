/**
 * A model: the tensors of one or more weight files (shards) as one list, each tensor with its
 * name, stored dtype, shape, shard and byte range, read one at a time as f32 by byte range. A
 * model is a single .npy, .safetensors or .gguf file, a sharded checkpoint described by a
 * `model.safetensors.index.json` (its `weight_map` names the shard of every tensor), or a set of
 * files (a directory, or the files a user picked in a browser). Only headers are read when a
 * model is opened; memory follows the largest tensor read, never the model. GGUF tensors in
 * f32 / f16 / bf16 / f64 are read like the others; tensors in ggml block formats (q4_0 ... q6_k,
 * iq4_nl, tq1_0, tq2_0, mxfp4) are dequantized as llama.cpp's dequantize_row_* does, whole rows
 * at a time, so a GGUF model can be measured against lowbit's schemes like any other.
 *
 * Pure TS (browser, worker and Node): shards are opened through `ShardRef.open`, a ByteSource
 * over a File/Blob (`openModelFromFiles`) or a Node file (src/io/node-model.ts).
 */
import { blobSource, type BlobLike, type ByteSource } from './byte-source.js';
import { ggufTypeReadable, readGgufHeader, readGgufTensorF32, type GgufHeader } from './gguf.js';
import { readNpyHeader } from './npy.js';
import { clip, escapeControls, quoteShape, quoteString, quoteToken, quoteValue } from './quote.js';
import { readSafetensorsHeader, safetensorsFloatKind, describeTensorNames, SAFETENSORS_READABLE_DTYPES } from './safetensors.js';
import { elementCount, FLOAT_KIND_BYTES, readTensorF32, type FloatKind, type ReadTensorOptions } from './tensor-data.js';

/** The weight file formats a model's shards can have. */
export type ModelFileFormat = 'npy' | 'safetensors' | 'gguf';

/** GGUF element types read as f32 through their byte range (row-major, little-endian as the others). */
const GGUF_FLOAT_KINDS: ReadonlyMap<string, FloatKind> = new Map<string, FloatKind>([
  ['f32', 'f32'],
  ['f16', 'f16'],
  ['bf16', 'bf16'],
  ['f64', 'f64'],
]);

/** One file of a model, opened on demand. */
export interface ShardRef {
  /** What messages and listings call it: a path, or a picked File's name. */
  readonly name: string;
  /** Opens the file for reading (a fresh ByteSource the model closes). */
  open(): Promise<ByteSource>;
}

/** One tensor of a model. */
export interface ModelTensor {
  readonly name: string;
  /** The stored dtype as its file names it: 'BF16', 'F32', '<f2', ... */
  readonly dtype: string;
  /** How it is read as f32 by byte range, or undefined when its dtype is not a float (integers, packed types). */
  readonly kind: FloatKind | undefined;
  /** True for a GGUF tensor in a ggml block format that `read` dequantizes (kind is undefined then). */
  readonly ggmlBlocks?: boolean;
  readonly shape: readonly number[];
  /** prod(shape). */
  readonly elements: number;
  /** Name of the shard (ShardRef.name) holding it. */
  readonly shard: string;
  readonly format: ModelFileFormat;
  /** Absolute byte range [start, end) of its data within the shard. */
  readonly byteRange: { readonly start: number; readonly end: number };
}

/** One shard as listed by a model. */
export interface ModelShard {
  readonly name: string;
  readonly format: ModelFileFormat;
  /** File size in bytes. */
  readonly size: number;
}

/** An opened model (see the module comment). Close it to release its file handles. */
export interface Model {
  /** The path or name it was opened from. */
  readonly name: string;
  /** The index file that defined it, when one did. */
  readonly index: string | undefined;
  readonly shards: readonly ModelShard[];
  /** Tensors in shard order (shards sorted by name), then in file (offset) order. */
  readonly tensors: readonly ModelTensor[];
  /** Sum of the tensors' stored bytes. */
  readonly tensorBytes: number;
  /** The tensor named `name`; throws listing some available names when there is none. */
  get(name: string): ModelTensor;
  /** Reads a tensor as f32, only its byte range, converting in chunks. */
  read(tensor: ModelTensor | string, opts?: ReadTensorOptions): Promise<Float32Array>;
  /** Closes every open shard (idempotent). */
  close(): Promise<void>;
}

/** Largest index.json read (64 MiB; real ones are well under 1 MiB). Checked before reading. */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** How many shards a model keeps open at once; older ones are closed and reopened on demand. */
export const MAX_OPEN_SHARDS = 8;
/** The suffix of a sharded safetensors checkpoint's index (`model.safetensors.index.json`). */
export const INDEX_SUFFIX = '.index.json';

/** The format of a weight file by its name (case-insensitive extension), or undefined. */
export function formatOfName(name: string): ModelFileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.safetensors')) return 'safetensors';
  if (lower.endsWith('.gguf')) return 'gguf';
  return undefined;
}

/** True for a checkpoint index file name (`*.index.json`). */
export function isIndexName(name: string): boolean {
  return name.toLowerCase().endsWith(INDEX_SUFFIX);
}

/** The last path component of a '/' or '\' separated name. */
export function baseName(name: string): string {
  const i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return i < 0 ? name : name.slice(i + 1);
}

/** The stored types a model reads as f32, for messages. */
const READABLE_NAMES = `${SAFETENSORS_READABLE_DTYPES.join(', ')}; npy <f4 <f2 <f8; GGUF ${[...GGUF_FLOAT_KINDS.keys()].join(' ')} and the ggml block formats`;

/** Rows and columns of a 2-D tensor, or why it is not a weight matrix [N, K]. */
export function matrixShapeOf(t: Pick<ModelTensor, 'shape' | 'kind' | 'dtype' | 'ggmlBlocks'>): { rows: number; cols: number } | string {
  if (t.shape.length !== 2) return `${t.shape.length}-D ${quoteShape(t.shape)}: only 2-D weight matrices [N, K] are quantized`;
  const [rows, cols] = t.shape as [number, number];
  if (rows === 0 || cols === 0) return `empty matrix ${quoteShape(t.shape)}`;
  if (t.kind === undefined && t.ggmlBlocks !== true) return `dtype ${quoteToken(t.dtype)} cannot be read as f32 (readable: ${READABLE_NAMES})`;
  return { rows, cols };
}

/** A parsed `model.safetensors.index.json`: the shard of every tensor. */
export interface ModelIndex {
  /** Tensor name -> shard file name (a plain file name beside the index). */
  readonly weightMap: ReadonlyMap<string, string>;
  /** Distinct shard file names, sorted. */
  readonly shards: readonly string[];
}

function indexFail(name: string, message: string): never {
  throw new Error(`cannot read ${quoteString(name)}: index: ${message}`);
}

/**
 * Parses a checkpoint index (`{"metadata": {...}, "weight_map": {"tensor": "shard.safetensors"}}`,
 * the layout transformers writes). Shard names must be plain .safetensors file names beside the
 * index (no directories, so an index cannot point outside its folder). `name` is for messages.
 */
export function parseModelIndex(bytes: Uint8Array, name: string): ModelIndex {
  if (bytes.length > MAX_INDEX_BYTES) indexFail(name, `${bytes.length} bytes, more than the ${MAX_INDEX_BYTES} an index may have`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    indexFail(name, `not valid UTF-8 JSON: ${clip(escapeControls((e as Error).message))}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) indexFail(name, `expected a JSON object with a "weight_map", got ${quoteValue(json)}`);
  const map = Object.hasOwn(json, 'weight_map') ? (json as Record<string, unknown>).weight_map : undefined;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    indexFail(name, map === undefined ? 'the "weight_map" key is missing' : `"weight_map" must be an object mapping tensor names to shard files, got ${quoteValue(map)}`);
  }
  const weightMap = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== 'string') indexFail(name, `"weight_map" entry ${quoteString(tensor)} must be a file name, got ${quoteValue(shard)}`);
    if (shard === '' || shard === '.' || shard === '..' || shard.includes('/') || shard.includes('\\')) {
      indexFail(name, `"weight_map" entry ${quoteString(tensor)} names ${quoteString(shard)}; shards must be plain file names beside the index`);
    }
    if (formatOfName(shard) !== 'safetensors') {
      indexFail(name, `"weight_map" entry ${quoteString(tensor)} names ${quoteString(shard)}; only .safetensors shards are supported`);
    }
    weightMap.set(tensor, shard);
  }
  if (weightMap.size === 0) indexFail(name, '"weight_map" is empty');
  return { weightMap, shards: [...new Set(weightMap.values())].sort() };
}

/** What to open: shards, and the index that names them (if any). */
export interface ModelSpec {
  readonly name: string;
  readonly shards: readonly ShardRef[];
  /** The index's file name and content, when an index defines the model. */
  readonly index?: { readonly name: string; readonly parsed: ModelIndex };
}

interface ShardListing {
  readonly shard: ModelShard;
  readonly tensors: ModelTensor[];
  /** A GGUF shard's parsed header (its block-format tensors are read through it). */
  readonly gguf?: GgufHeader;
}

async function listShard(ref: ShardRef, src: ByteSource): Promise<ShardListing> {
  const format = formatOfName(ref.name);
  const wrap = (e: unknown): never => {
    let msg = (e as Error).message;
    if (msg.startsWith(`${ref.name}: `)) msg = msg.slice(ref.name.length + 2);
    throw new Error(msg.startsWith(`cannot read '`) ? msg : `cannot read ${quoteString(ref.name)}: ${msg}`);
  };
  if (format === 'npy') {
    const h = await readNpyHeader(src).catch(wrap);
    const tensor: ModelTensor = {
      name: baseName(ref.name).replace(/\.npy$/i, ''),
      dtype: h.dtype,
      kind: h.kind,
      shape: h.shape,
      elements: h.dataBytes / (FLOAT_KIND_BYTES.get(h.kind) as number),
      shard: ref.name,
      format,
      byteRange: { start: h.dataOffset, end: h.dataOffset + h.dataBytes },
    };
    return { shard: { name: ref.name, format, size: src.size }, tensors: [tensor] };
  }
  if (format === 'safetensors') {
    const h = await readSafetensorsHeader(src).catch(wrap);
    const tensors = h.tensors.map((t): ModelTensor => ({
      name: t.name,
      dtype: t.dtype,
      kind: safetensorsFloatKind(t.dtype),
      shape: t.shape,
      elements: elementCount(t.shape, t.name),
      shard: ref.name,
      format,
      byteRange: t.byteRange,
    }));
    return { shard: { name: ref.name, format, size: src.size }, tensors };
  }
  if (format === 'gguf') {
    const h = await readGgufHeader(src).catch(wrap);
    const tensors = h.tensors.map((t): ModelTensor => ({
      name: t.name,
      dtype: t.type.name,
      kind: GGUF_FLOAT_KINDS.get(t.type.name),
      ...(!GGUF_FLOAT_KINDS.has(t.type.name) && ggufTypeReadable(t.type) ? { ggmlBlocks: true } : {}),
      shape: t.shape,
      elements: t.elements,
      shard: ref.name,
      format,
      byteRange: { start: t.offset, end: t.offset + t.byteLength },
    }));
    return { shard: { name: ref.name, format, size: src.size }, tensors, gguf: h };
  }
  throw new Error(`cannot read ${quoteString(ref.name)}: not a .npy, .safetensors or .gguf file`);
}

/** Keeps at most MAX_OPEN_SHARDS sources open, closing the least recently used. */
class ShardCache {
  private readonly open = new Map<string, Promise<ByteSource>>();
  private closed = false;
  constructor(private readonly refs: ReadonlyMap<string, ShardRef>) {}

  async get(name: string): Promise<ByteSource> {
    if (this.closed) throw new Error(`cannot read ${quoteString(name)}: the model was closed`);
    let p = this.open.get(name);
    if (p !== undefined) {
      this.open.delete(name); // re-insert: Map order is the LRU order
      this.open.set(name, p);
      return p;
    }
    const ref = this.refs.get(name);
    if (ref === undefined) throw new Error(`no shard named ${quoteString(name)} in this model`);
    p = ref.open();
    this.open.set(name, p);
    p.catch(() => this.open.delete(name));
    while (this.open.size > MAX_OPEN_SHARDS) {
      const [oldest, src] = this.open.entries().next().value as [string, Promise<ByteSource>];
      this.open.delete(oldest);
      await src.then((s) => s.close()).catch(() => undefined);
    }
    return p;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => undefined)));
  }
}

/**
 * Opens a model: reads every shard's header (nothing else) and builds the tensor list. With an
 * index, the model is exactly its `weight_map` (each tensor must be in the shard it names);
 * without one, it is every tensor of every shard, and a name found in two shards is an error.
 * Shards are sorted by name. Errors name the file and the tensor.
 */
export async function openModel(spec: ModelSpec): Promise<Model> {
  const refs = new Map<string, ShardRef>();
  for (const r of spec.shards) {
    if (refs.has(r.name)) throw new Error(`${quoteString(spec.name)}: the shard ${quoteString(r.name)} is given twice`);
    refs.set(r.name, r);
  }
  if (refs.size === 0) throw new Error(`${quoteString(spec.name)}: no .npy, .safetensors or .gguf files to read`);
  const cache = new ShardCache(refs);
  try {
    const ordered = [...refs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const resolved: ShardListing[] = [];
    for (const ref of ordered) resolved.push(await listShard(ref, await cache.get(ref.name)));
    const tensors: ModelTensor[] = [];
    const byName = new Map<string, ModelTensor>();
    if (spec.index !== undefined) {
      const { weightMap } = spec.index.parsed;
      for (const l of resolved) {
        const base = baseName(l.shard.name);
        for (const t of l.tensors) if (weightMap.get(t.name) === base) byName.set(t.name, t);
      }
      for (const [name, shard] of weightMap) {
        if (!byName.has(name)) {
          throw new Error(`${quoteString(spec.index.name)} maps tensor ${quoteString(name)} to ${quoteString(shard)}, which does not hold it`);
        }
      }
      for (const l of resolved) for (const t of l.tensors) if (byName.get(t.name) === t) tensors.push(t);
    } else {
      for (const l of resolved) {
        for (const t of l.tensors) {
          const prev = byName.get(t.name);
          if (prev !== undefined) throw new Error(`tensor ${quoteString(t.name)} is in both ${quoteString(prev.shard)} and ${quoteString(t.shard)}`);
          byName.set(t.name, t);
          tensors.push(t);
        }
      }
    }
    const shards = resolved.map((l) => l.shard);
    const ggufHeaders = new Map<string, GgufHeader>();
    for (const l of resolved) if (l.gguf) ggufHeaders.set(l.shard.name, l.gguf);
    const tensorBytes = tensors.reduce((s, t) => s + (t.byteRange.end - t.byteRange.start), 0);
    const get = (name: string): ModelTensor => {
      const t = byName.get(name);
      if (t === undefined) throw new Error(`${quoteString(spec.name)}: no tensor named ${quoteString(name)}; ${describeTensorNames(tensors).replace('the file has', 'the model has')}`);
      return t;
    };
    return {
      name: spec.name,
      index: spec.index?.name,
      shards,
      tensors,
      tensorBytes,
      get,
      async read(tensor, opts = {}) {
        const t = typeof tensor === 'string' ? get(tensor) : tensor;
        const header = t.ggmlBlocks ? ggufHeaders.get(t.shard) : undefined;
        if (header) {
          opts.signal?.throwIfAborted();
          const { data } = await readGgufTensorF32(await cache.get(t.shard), header, t.name, opts.chunkBytes === undefined ? {} : { chunkBytes: opts.chunkBytes });
          if (opts.out === undefined) return data;
          if (opts.out.length !== data.length) throw new RangeError(`tensor ${quoteString(t.name)}: out holds ${opts.out.length} values, the tensor ${data.length}`);
          opts.out.set(data);
          return opts.out;
        }
        if (t.kind === undefined) {
          throw new Error(`cannot read ${quoteString(t.shard)}: tensor ${quoteString(t.name)} has dtype ${quoteToken(t.dtype)}, which cannot be read as f32; supported: ${READABLE_NAMES}`);
        }
        const src = await cache.get(t.shard);
        return readTensorF32(src, { name: t.name, kind: t.kind, shape: t.shape, start: t.byteRange.start }, opts);
      },
      close: () => cache.closeAll(),
    };
  } catch (e) {
    await cache.closeAll();
    throw e;
  }
}

/** A File (or any Blob with a name) as a browser file picker or drop gives it. */
export interface NamedBlob extends BlobLike {
  readonly name: string;
  /** The path within a picked folder (`<input webkitdirectory>`), when there is one. */
  readonly webkitRelativePath?: string;
}

async function blobBytes(b: NamedBlob, limit: number): Promise<Uint8Array> {
  if (b.size > limit) indexFail(b.name, `${b.size} bytes, more than the ${limit} an index may have`);
  return new Uint8Array(await b.slice(0, b.size).arrayBuffer());
}

/**
 * Opens the files a user picked or dropped (several files or a folder) as one model, reading
 * through Blob.slice (no size limit). With a `*.index.json` among them, the index defines the
 * model and its shards are found among the files by name; otherwise every .npy, .safetensors and
 * .gguf file is a shard. Other files (config.json, tokenizers) are ignored. Browser-safe.
 */
export async function openModelFromFiles(files: readonly NamedBlob[], name?: string): Promise<Model> {
  const label = name ?? (files.length === 1 ? files[0]!.name : `${files.length} files`);
  const indexes = files.filter((f) => isIndexName(f.name));
  if (indexes.length > 1) {
    throw new Error(`${quoteString(label)}: ${indexes.length} index files (${indexes.map((f) => quoteString(f.name)).join(', ')}); pick one model's files`);
  }
  const ref = (f: NamedBlob): ShardRef => ({ name: f.webkitRelativePath || f.name, open: () => Promise.resolve(blobSource(f, f.webkitRelativePath || f.name)) });
  if (indexes.length === 1) {
    const ix = indexes[0]!;
    const parsed = parseModelIndex(await blobBytes(ix, MAX_INDEX_BYTES), ix.name);
    const byBase = new Map<string, NamedBlob>();
    for (const f of files) byBase.set(f.name, f);
    const missing = parsed.shards.filter((s) => !byBase.has(s));
    if (missing.length > 0) {
      throw new Error(`${quoteString(ix.name)} names ${missing.length} shard(s) that were not picked: ${missing.slice(0, 5).map((s) => quoteString(s)).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
    }
    return openModel({ name: label, shards: parsed.shards.map((s) => ref(byBase.get(s)!)), index: { name: ix.name, parsed } });
  }
  const weights = files.filter((f) => formatOfName(f.name) !== undefined);
  if (weights.length === 0) {
    throw new Error(`${quoteString(label)}: no .npy, .safetensors or .gguf files among ${files.length} picked (${files.slice(0, 5).map((f) => quoteString(f.name)).join(', ')}${files.length > 5 ? ', ...' : ''})`);
  }
  return openModel({ name: label, shards: weights.map(ref) });
}
