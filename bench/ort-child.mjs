// The onnxruntime-node side of `lowbit bench`'s peer suite, run as its own process so a peer that
// crashes (or its WebGPU provider's own Dawn) cannot take the benchmark down with it.
//
// Usage: node bench/ort-child.mjs JOB_DIR
// JOB_DIR/job.json: { provider: 'cpu' | 'webgpu', threads: number | 0 (ORT's default),
//                     warmup, iterations, cases: [{ id, model, a, m, k, n }] }
// model and a are file names in JOB_DIR (.onnx bytes, f32 little-endian A [M, K]).
// Writes JOB_DIR/y-<id>.bin (the first run's Y [M, N], f32) and JOB_DIR/result.json:
// { ortVersion, provider, cases: [{ id, ok, error?, samplesMs? }] }. Times are session.run wall
// clock in ms (ORT exposes no kernel-only clock to JavaScript), including A's upload and Y's
// download for the WebGPU provider.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/ort-child.mjs JOB_DIR');
  process.exit(2);
}
const job = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8'));
const result = { ortVersion: 'unknown', provider: job.provider, cases: [] };
const save = () => writeFileSync(join(dir, 'result.json'), JSON.stringify(result));

let ort;
try {
  ort = (await import('onnxruntime-node')).default;
  result.ortVersion = ort.env?.versions?.node ?? ort.env?.versions?.common ?? 'unknown';
} catch (err) {
  result.error = `onnxruntime-node could not be loaded: ${err.message}`;
  save();
  process.exit(0);
}

for (const c of job.cases) {
  const entry = { id: c.id, ok: false };
  result.cases.push(entry);
  let session;
  try {
    const options = { executionProviders: [job.provider], graphOptimizationLevel: 'all' };
    if (job.threads > 0) {
      options.intraOpNumThreads = job.threads;
      options.interOpNumThreads = 1;
    }
    session = await ort.InferenceSession.create(new Uint8Array(readFileSync(join(dir, c.model))), options);
    const a = readFileSync(join(dir, c.a));
    const data = new Float32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
    const feeds = { A: new ort.Tensor('float32', data, [c.m, c.k]) };
    const first = await session.run(feeds);
    const y = first.Y.data;
    writeFileSync(join(dir, `y-${c.id}.bin`), Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    for (let i = 0; i < job.warmup; i++) await session.run(feeds);
    const samples = [];
    for (let i = 0; i < job.iterations; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      samples.push(performance.now() - t0);
    }
    entry.ok = true;
    entry.samplesMs = samples;
  } catch (err) {
    entry.error = String(err?.message ?? err).split('\n')[0];
  } finally {
    await session?.release?.();
  }
  save();
}
save();
