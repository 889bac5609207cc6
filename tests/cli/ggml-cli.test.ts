// The lowbit CLI with GGUF and the ggml schemes: quantize --out-gguf, inspect (gguf, npy, safetensors, index.json), dequantize, kernel refusals.
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy, writeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { openFileSource } from '../../src/io/node-file-source.js';
import { readGgufHeader, readGgufQuantized } from '../../src/io/gguf.js';
import { sampleWeights } from '../../src/io/sample.js';
import { dequantize, quantize } from '../../src/quant/quantize.js';

const dir = mkdtempSync(join(tmpdir(), 'lowbit-ggml-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

// A small LLM-like weight matrix (2 x 256-weight super-blocks per row) keeps the CLI runs fast.
const sample = sampleWeights({ rows: 16, cols: 512, seed: 5 });
const input = join(dir, 'w-in.npy');
writeFileSync(input, writeNpy(sample.data, [sample.rows, sample.cols]));
const gguf = join(dir, 'q4k.gguf');

describe('lowbit quantize --out-gguf', () => {
  it('writes the q4_k blocks of the sample under the given tensor name, with llama.cpp metadata', async () => {
    const r = await run('quantize', '--in', input, '--scheme', 'q4_k', '--out-gguf', gguf, '--gguf-tensor', 'blk.0.ffn_down.weight');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`wrote q4_k tensor 'blk.0.ffn_down.weight' to ${gguf}`);
    const src = await openFileSource(gguf);
    try {
      const h = await readGgufHeader(src);
      expect(h.metadata.get('general.name')).toEqual({ type: 'string', value: 'w-in' });
      expect(h.metadata.get('general.quantization_version')).toEqual({ type: 'u32', value: 2 });
      expect(h.metadata.get('lowbit.scheme')).toEqual({ type: 'string', value: 'q4_k' });
      expect(h.tensors.map((t) => [t.name, t.type.name, t.shape])).toEqual([['blk.0.ffn_down.weight', 'q4_k', [sample.rows, sample.cols]]]);
      const qt = await readGgufQuantized(src, h, 'blk.0.ffn_down.weight');
      expect(Array.from(qt.blocks!.bytes)).toEqual(Array.from(quantize(sample.data, sample.rows, sample.cols, 'q4_k').blocks!.bytes));
    } finally {
      await src.close();
    }
  });

  it('refuses schemes without a ggml type, several schemes, stray flags and names ggml cannot read, writing nothing', async () => {
    const before = readdirSync(dir).length;
    const int4 = await run('quantize', '--scheme', 'int4', '--out-gguf', join(dir, 'x.gguf'));
    expect(int4.code).toBe(2);
    expect(int4.err).toMatch(/int4 has none \(use a ggml scheme: q4_0 .* tq2_0, or mxfp4\)/);
    expect((await run('quantize', '--scheme', 'q4_0,q8_0', '--out-gguf', join(dir, 'x.gguf'))).err).toContain('--out-gguf writes one tensor');
    expect((await run('quantize', '--scheme', 'q4_0', '--gguf-tensor', 'w')).err).toContain('--gguf-tensor needs --out-gguf');
    const long = await run('quantize', '--in', input, '--scheme', 'q4_0', '--out-gguf', join(dir, 'x.gguf'), '--gguf-tensor', 'w'.repeat(64));
    expect(long.code).toBe(2);
    expect(long.err).toContain('llama.cpp takes names shorter than 64');
    expect(readdirSync(dir).length).toBe(before);
  });
});

describe('lowbit inspect', () => {
  it('lists a GGUF file: header, metadata and the tensor with its ggml type and bits/weight', async () => {
    const r = await run('inspect', gguf);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${gguf}: gguf, 1 tensor (version 3, alignment 32,`);
    expect(r.out).toContain('general.quantization_version: u32 2');
    expect(r.out).toMatch(/blk\.0\.ffn_down\.weight\s+q4_k\s+\[16, 512\]\s+4\.5\s+4608/);
    const j = JSON.parse((await run('inspect', gguf, '--json')).out) as { format: string; metadata: { key: string }[]; tensors: { dtype: string; bitsPerWeight: number }[] };
    expect([j.format, j.tensors[0]!.dtype, j.tensors[0]!.bitsPerWeight, j.metadata.map((m) => m.key)]).toEqual(['gguf', 'q4_k', 4.5, ['general.name', 'general.quantization_version', 'lowbit.scheme']]);
  });

  it('lists .npy and .safetensors files, and every shard of a model.safetensors.index.json', async () => {
    writeFileSync(join(dir, 'w.npy'), writeNpy(new Float32Array(6), [2, 3]));
    expect((await run('inspect', join(dir, 'w.npy'))).out).toMatch(/w\s+<f4\s+\[2, 3\]\s+32\s+24/);
    writeFileSync(join(dir, 'm-1.safetensors'), writeSafetensors([{ name: 'a.weight', data: new Float32Array(4), shape: [2, 2] }]));
    writeFileSync(join(dir, 'm-2.safetensors'), writeSafetensors([{ name: 'b.weight', data: new Float32Array(8), shape: [8] }]));
    const index = join(dir, 'model.safetensors.index.json');
    writeFileSync(index, JSON.stringify({ metadata: {}, weight_map: { 'a.weight': 'm-1.safetensors', 'b.weight': 'm-2.safetensors' } }));
    const r = await run('inspect', index);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${index}: 2 shards, 2 tensors`);
    expect(r.out).toMatch(/a\.weight\s+F32\s+\[2, 2\]/);
    expect(r.out).toMatch(/b\.weight\s+F32\s+\[8\]/);
    writeFileSync(index, JSON.stringify({ weight_map: { 'a.weight': 'm-1.safetensors', 'c.weight': 'm-1.safetensors' } }));
    const missing = await run('inspect', index);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('MISSING from m-1.safetensors (named by the index): c.weight');
    writeFileSync(index, JSON.stringify({ weight_map: { 'a.weight': '../m-1.safetensors' } }));
    expect((await run('inspect', index)).err).toContain(`"weight_map" entry 'a.weight' names '../m-1.safetensors'; shards must be plain file names beside the index`);
  });

  it('usage errors: no file, an unknown extension', async () => {
    expect((await run('inspect')).code).toBe(2);
    const r = await run('inspect', join(dir, 'w.bin'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('lowbit reads .gguf, .safetensors, .npy and model.safetensors.index.json files');
  });
});

describe('lowbit dequantize', () => {
  it('writes the tensor as f32 .npy, bit-exact with the QuantizedTensor form', async () => {
    const out = join(dir, 'w-q4k.npy');
    const r = await run('dequantize', '--in', gguf, '--tensor', 'blk.0.ffn_down.weight', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('blk.0.ffn_down.weight: q4_k [16, 512], 4.5 bits/weight');
    const arr = parseNpy(new Uint8Array(readFileSync(out)));
    expect(arr.shape).toEqual([16, 512]);
    const want = dequantize(quantize(sample.data, sample.rows, sample.cols, 'q4_k'));
    expect(Buffer.from(arr.data.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it('an unknown tensor lists the available ones and writes nothing; missing flags are usage errors', async () => {
    const out = join(dir, 'none.npy');
    const r = await run('dequantize', '--in', gguf, '--tensor', 'nope', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${gguf}: no tensor named 'nope'; available (1): 'blk.0.ffn_down.weight'`);
    expect(existsSync(out)).toBe(false);
    expect((await run('dequantize', '--in', gguf, '--out', out)).code).toBe(2);
  });
});

describe('ggml schemes elsewhere in the CLI', () => {
  it('dtypes lists the ggml block formats with their bits/weight', async () => {
    const r = await run('dtypes');
    expect(r.out).toContain('ggml schemes (llama.cpp block formats');
    expect(r.out).toMatch(/q6_k\s+256\s+210\s+6\.5625\s+uint6\s+16\s+32/);
    expect(r.out).toMatch(/tq2_0\s+256\s+66\s+2\.0625\s+uint2/);
  });

  it('matmul runs them on the CPU dequant kernel and refuses the other kernels', async () => {
    const ok = await run('matmul', '--w', input, '--scheme', 'q4_k', '--json');
    expect(ok.code, ok.err).toBe(0);
    const payload = JSON.parse(ok.out) as { pass: boolean; extraBound: boolean };
    // q4_k has offsets (the mins): its bound carries the per-output extra term.
    expect([payload.pass, payload.extraBound]).toEqual([true, true]);
    const lut = await run('matmul', '--w', input, '--scheme', 'q4_k', '--kernel', 'lut');
    expect(lut.code).toBe(2);
    expect(lut.err).toContain('only the dequant kernel decodes');
    // On WebGPU (the dequant GEMV / GEMM take them too) they are run by tests/gpu/cmd-matmul.gpu-node.test.ts
    // and tests/cli/cmd-verify.gpu-node.test.ts.
  });
});
