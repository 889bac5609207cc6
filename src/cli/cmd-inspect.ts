/**
 * `lowbit inspect FILE`: the tensors of a .gguf, .safetensors or .npy file (or of every shard a
 * model.safetensors.index.json names) with their types, shapes, bits/weight and byte ranges,
 * read from the headers alone.
 */
import { dirname, join } from 'node:path';
import { openFileSource } from '../io/node-file-source.js';
import { describeGgufValue, listSafetensorsHeader, listTensorFile, tensorFileFormat, type FileListing } from '../io/inspect.js';
import type { GgufArray, GgufValue } from '../io/gguf.js';
import { MAX_INDEX_BYTES, parseModelIndex, type ModelIndex } from '../io/model.js';
import { parseWithPositionals, UsageError } from './args.js';
import type { Command } from './commands.js';
import { formatTable, sig } from './table.js';

/** Array items a --json listing carries per metadata array. */
const JSON_ARRAY_HEAD = 16;

async function listFile(path: string): Promise<FileListing> {
  const src = await openFileSource(path);
  try {
    return await listTensorFile(src, tensorFileFormat(path));
  } finally {
    await src.close();
  }
}

/** One shard of a sharded safetensors model, with the tensors the index maps to it. */
interface ShardListing {
  readonly shard: string;
  readonly listing: FileListing;
  /** Tensors the index maps to this shard that its header does not have. */
  readonly missing: readonly string[];
}

/**
 * Lists every shard named by a model.safetensors.index.json (parsed and checked by the model
 * reader's parseModelIndex: shards are plain .safetensors names beside the index). A shard's
 * header must hold the tensors the index gives it; those it lacks are reported as missing.
 */
async function listIndex(path: string): Promise<ShardListing[]> {
  const src = await openFileSource(path);
  let index: ModelIndex;
  try {
    if (src.size > MAX_INDEX_BYTES) throw new Error(`cannot read '${path}': index: ${src.size} bytes, more than the ${MAX_INDEX_BYTES} an index may have`);
    index = parseModelIndex(await src.read(0, src.size), path);
  } finally {
    await src.close();
  }
  const byShard = new Map<string, string[]>(index.shards.map((s) => [s, []]));
  for (const [tensor, shard] of index.weightMap) byShard.get(shard)?.push(tensor);
  const out: ShardListing[] = [];
  for (const [shard, tensors] of byShard) {
    const shardSrc = await openFileSource(join(dirname(path), shard));
    try {
      const listing = await listSafetensorsHeader(shardSrc);
      const have = new Set(listing.tensors.map((t) => t.name));
      out.push({ shard, listing, missing: tensors.filter((t) => !have.has(t)) });
    } finally {
      await shardSrc.close();
    }
  }
  return out;
}

function tensorTable(l: FileListing): string {
  return formatTable(
    ['tensor', 'type', 'shape', 'bits/w', 'bytes', 'offset'],
    l.tensors.map((t) => [t.name, t.dtype, `[${t.shape.join(', ')}]`, t.bitsPerWeight === undefined ? '-' : sig(t.bitsPerWeight, 5), t.bytes, t.offset]),
  );
}

/** A metadata value in JSON: bigints as strings, arrays as their type, length and first items. */
function jsonValue(v: GgufValue): unknown {
  const scalar = (x: unknown): unknown => (typeof x === 'bigint' ? x.toString() : x);
  if (v.type !== 'array') return { type: v.type, value: scalar(v.value) };
  const head = (a: GgufArray): unknown => ({
    itemType: a.itemType,
    length: a.items.length,
    head: (a.items as readonly unknown[]).slice(0, JSON_ARRAY_HEAD).map((x) => (a.itemType === 'array' ? head(x as GgufArray) : scalar(x))),
  });
  return { type: 'array', ...(head(v.value) as object) };
}

function listingJson(l: FileListing): unknown {
  return {
    format: l.format,
    source: l.source,
    properties: Object.fromEntries(l.properties),
    ...(l.format === 'gguf' ? { metadata: l.metadata.map(([key, v]) => ({ key, ...(jsonValue(v) as object) })) } : {}),
    tensors: l.tensors,
  };
}

function listingText(l: FileListing): string {
  const lines = [`${l.source}: ${l.format}, ${l.tensors.length} tensor${l.tensors.length === 1 ? '' : 's'} (${l.properties.map(([k, v]) => `${k} ${v}`).join(', ')})`];
  if (l.metadata.length > 0) {
    lines.push('', `metadata (${l.metadata.length}):`);
    for (const [key, v] of l.metadata) lines.push(`  ${key}: ${describeGgufValue(v)}`);
  }
  lines.push('', tensorTable(l));
  return lines.join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'list the tensors of a .gguf, .safetensors, .npy or index.json file: types, shapes, bits/weight',
  help: [
    'Usage: lowbit inspect FILE [--json]',
    '',
    'Reads the header of FILE and lists its tensors: name, type (the ggml type of a GGUF tensor,',
    'the safetensors dtype, the .npy descr), shape (outermost first, [N, K] for a weight matrix),',
    'bits per weight of the storage (GGUF block formats: block bytes * 8 / block size, e.g. q4_k',
    '4.5), bytes and file offset. GGUF files also list their version, alignment and metadata',
    '(arrays summarized). For a sharded model, give its model.safetensors.index.json: every shard',
    'it names (in the same directory) is listed. Tensor data is never read.',
    '',
    'Options:',
    '  --json   print JSON instead of text (metadata arrays carry their first 16 items)',
  ].join('\n'),
  async run(argv) {
    const { values: o, positionals } = parseWithPositionals(argv, { json: { type: 'boolean', default: false } });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the file to inspect' : `inspect takes one file, got ${positionals.length}`);
    const path = positionals[0] as string;
    if (path.toLowerCase().endsWith('.index.json')) {
      const shards = await listIndex(path);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ index: path, shards: shards.map((s) => ({ shard: s.shard, missing: s.missing, ...(listingJson(s.listing) as object) })) }, null, 2)}\n`);
      } else {
        const total = shards.reduce((n, s) => n + s.listing.tensors.length, 0);
        const parts = [`${path}: ${shards.length} shard${shards.length === 1 ? '' : 's'}, ${total} tensors`];
        for (const s of shards) {
          parts.push('', listingText(s.listing));
          if (s.missing.length > 0) parts.push(`MISSING from ${s.shard} (named by the index): ${s.missing.join(', ')}`);
        }
        process.stdout.write(`${parts.join('\n')}\n`);
      }
      return shards.some((s) => s.missing.length > 0) ? 1 : 0;
    }
    if (tensorFileFormat(path) === undefined) throw new UsageError(`cannot inspect '${path}': lowbit reads .gguf, .safetensors, .npy and model.safetensors.index.json files`);
    const listing = await listFile(path);
    process.stdout.write(o.json ? `${JSON.stringify(listingJson(listing), null, 2)}\n` : `${listingText(listing)}\n`);
    return 0;
  },
};
