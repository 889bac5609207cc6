#!/usr/bin/env node
// Writes a synthetic sharded safetensors checkpoint with LLM layer shapes (Llama-style: q/k/v/o
// [H, H], gate/up [I, H], down [H, I], two norms [H] per layer, an embedding [V, H]) and its
// model.safetensors.index.json, for measuring `lowbit report --in DIR` on a model of a given
// size. Values are seeded pseudo-random (sums of uniforms, std 0.02, 1 in 4096 an outlier of
// 8-16x), stored as BF16 (round to nearest even) or F32. Streams to disk: memory stays small.
//
// Usage: node scripts/make-checkpoint.mjs DIR [--layers 5] [--f32-layers 1] [--shards 4]
//        [--hidden 4096] [--inter 11008] [--vocab 32000]
// The default writes about 3.1 GB: 5 BF16 layers, 1 F32 layer and a BF16 embedding over 4 shards.
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    layers: { type: 'string', default: '5' },
    'f32-layers': { type: 'string', default: '1' },
    shards: { type: 'string', default: '4' },
    hidden: { type: 'string', default: '4096' },
    inter: { type: 'string', default: '11008' },
    vocab: { type: 'string', default: '32000' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: node scripts/make-checkpoint.mjs DIR [--layers N] [--f32-layers N] [--shards N] [--hidden H] [--inter I] [--vocab V]');
  process.exit(2);
}
const dir = positionals[0];
const H = Number(o.hidden);
const I = Number(o.inter);
const V = Number(o.vocab);
const bf16Layers = Number(o.layers);
const f32Layers = Number(o['f32-layers']);
const shardCount = Number(o.shards);

/** Every tensor in model order: name, shape, dtype. */
const tensors = [{ name: 'model.embed_tokens.weight', shape: [V, H], dtype: 'BF16' }];
for (let l = 0; l < bf16Layers + f32Layers; l++) {
  const dtype = l < bf16Layers ? 'BF16' : 'F32';
  const p = `model.layers.${l}`;
  for (const n of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) tensors.push({ name: `${p}.self_attn.${n}.weight`, shape: [H, H], dtype });
  tensors.push({ name: `${p}.mlp.gate_proj.weight`, shape: [I, H], dtype });
  tensors.push({ name: `${p}.mlp.up_proj.weight`, shape: [I, H], dtype });
  tensors.push({ name: `${p}.mlp.down_proj.weight`, shape: [H, I], dtype });
  tensors.push({ name: `${p}.input_layernorm.weight`, shape: [H], dtype });
  tensors.push({ name: `${p}.post_attention_layernorm.weight`, shape: [H], dtype });
}
const bytesOf = (t) => t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' ? 4 : 2);
const total = tensors.reduce((s, t) => s + bytesOf(t), 0);

// Split into shards of about equal size, in order.
const shards = Array.from({ length: shardCount }, () => []);
let acc = 0;
for (const t of tensors) {
  const s = Math.min(shardCount - 1, Math.floor((acc / total) * shardCount));
  shards[s].push(t);
  acc += bytesOf(t);
}

let state = 0x9e3779b9;
/** xorshift32 in [0, 1). */
function rand() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}

const CHUNK = 1 << 20; // elements generated per write
const f32 = new Float32Array(CHUNK);
const u32 = new Uint32Array(f32.buffer);
const bf16 = new Uint16Array(CHUNK);
const STD = 0.02;
const IRWIN_HALL_STD = Math.sqrt(3 / 12); // sum of 3 uniforms: variance 3/12

function fill(n) {
  for (let i = 0; i < n; i++) {
    let v = ((rand() + rand() + rand() - 1.5) / IRWIN_HALL_STD) * STD;
    if ((i & 4095) === 17) v *= 8 + 8 * rand();
    f32[i] = v;
  }
}

mkdirSync(dir, { recursive: true });
const weightMap = {};
const names = shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shardCount).padStart(5, '0')}.safetensors`);
for (const [si, list] of shards.entries()) {
  const header = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const t of list) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + bytesOf(t)] };
    off += bytesOf(t);
    weightMap[t.name] = names[si];
  }
  let json = JSON.stringify(header);
  json = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setUint32(0, json.length, true);
  head.set(new TextEncoder().encode(json), 8);
  const fd = openSync(join(dir, names[si]), 'w');
  writeSync(fd, head);
  for (const t of list) {
    let left = t.shape.reduce((a, b) => a * b, 1);
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      fill(n);
      if (t.dtype === 'F32') {
        writeSync(fd, new Uint8Array(f32.buffer, 0, n * 4));
      } else {
        // bf16: the top 16 bits of the f32, rounded to nearest even on the dropped 16 bits.
        for (let i = 0; i < n; i++) {
          const w = u32[i];
          bf16[i] = (w + 0x7fff + ((w >>> 16) & 1)) >>> 16;
        }
        writeSync(fd, new Uint8Array(bf16.buffer, 0, n * 2));
      }
      left -= n;
    }
  }
  closeSync(fd);
  console.log(`${names[si]}: ${list.length} tensors, ${(off / 1e9).toFixed(2)} GB`);
}
writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
console.log(`${tensors.length} tensors, ${(total / 1e9).toFixed(2)} GB in ${shardCount} shards under ${dir}`);
