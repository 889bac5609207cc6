/**
 * onnxruntime-node as a peer: writes MatMulNBits models and inputs to a job folder, runs
 * bench/ort-child.mjs in its own Node process for one execution provider, and reads back each
 * case's first output and timings. A provider that is missing, crashes or rejects the op comes
 * back as an error string per case, never as a dropped row.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The child script, at the package root's bench/ folder. */
export const ORT_CHILD_URL = new URL('../../bench/ort-child.mjs', import.meta.url);

/** One model to run. */
export interface OrtCase {
  readonly id: string;
  readonly model: Uint8Array;
  readonly a: Float32Array;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/** What came back for one case. */
export interface OrtCaseResult {
  readonly id: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly y?: Float32Array;
  readonly samplesMs?: readonly number[];
}

/** What came back for one provider. */
export interface OrtRunResult {
  readonly provider: string;
  readonly ortVersion: string;
  /** Set when the whole provider failed (not loadable, process crashed, timed out). */
  readonly error?: string;
  readonly cases: readonly OrtCaseResult[];
}

/** Options of {@link runOrtCases}. */
export interface OrtRunOptions {
  readonly provider: 'cpu' | 'webgpu';
  /** intraOpNumThreads; 0 keeps ORT's default (all cores). */
  readonly threads: number;
  readonly warmup: number;
  readonly iterations: number;
  /** Kill the child after this many ms (default 10 minutes). */
  readonly timeoutMs?: number;
}

interface ChildResult {
  ortVersion?: string;
  error?: string;
  cases?: { id: string; ok: boolean; error?: string; samplesMs?: number[] }[];
}

/** What ortVersion() says when onnxruntime-node cannot be resolved. */
export const ORT_NOT_INSTALLED = 'not installed';
/** How to get the peer: it is an optional dependency of the installed package. */
export const ORT_INSTALL_HINT = 'npm install onnxruntime-node';

/** The installed onnxruntime-node version, or 'not installed'. */
export function ortVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('onnxruntime-node/package.json') as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return ORT_NOT_INSTALLED;
  }
}

/** Runs `cases` on one ORT execution provider in a child process. */
export async function runOrtCases(cases: readonly OrtCase[], opts: OrtRunOptions): Promise<OrtRunResult> {
  if (ortVersion() === ORT_NOT_INSTALLED) return { provider: opts.provider, ortVersion: '', error: `not installed: ${ORT_INSTALL_HINT}`, cases: [] };
  const script = fileURLToPath(ORT_CHILD_URL);
  if (!existsSync(script)) return { provider: opts.provider, ortVersion: ortVersion(), error: `peer script ${script} is missing`, cases: [] };
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-ort-'));
  try {
    const jobCases = cases.map((c, i) => {
      const model = `model-${i}.onnx`;
      const a = `a-${i}.bin`;
      writeFileSync(join(dir, model), c.model);
      writeFileSync(join(dir, a), new Uint8Array(c.a.buffer, c.a.byteOffset, c.a.byteLength));
      return { id: String(i), model, a, m: c.m, k: c.k, n: c.n };
    });
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ provider: opts.provider, threads: opts.threads, warmup: opts.warmup, iterations: opts.iterations, cases: jobCases }));
    const { code, signal, stderr, timedOut } = await runChild(script, dir, opts.timeoutMs ?? 600_000);
    const resultPath = join(dir, 'result.json');
    const parsed: ChildResult = existsSync(resultPath) ? (JSON.parse(readFileSync(resultPath, 'utf8')) as ChildResult) : {};
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    const processError = timedOut
      ? `ORT ${opts.provider} timed out after ${(opts.timeoutMs ?? 600_000) / 1000} s`
      : code !== 0
        ? `ORT ${opts.provider} process exited with ${signal ?? `code ${code}`}${tail ? `: ${tail}` : ''}`
        : undefined;
    const byId = new Map((parsed.cases ?? []).map((c) => [c.id, c]));
    const out: OrtCaseResult[] = cases.map((c, i) => {
      const r = byId.get(String(i));
      if (!r) return { id: c.id, ok: false, error: parsed.error ?? processError ?? 'no result' };
      if (!r.ok) return { id: c.id, ok: false, error: r.error ?? 'failed' };
      const yPath = join(dir, `y-${i}.bin`);
      const buf = readFileSync(yPath);
      const y = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      return { id: c.id, ok: true, y, samplesMs: r.samplesMs ?? [] };
    });
    const err = parsed.error ?? processError;
    return { provider: opts.provider, ortVersion: parsed.ortVersion ?? ortVersion(), ...(err ? { error: err } : {}), cases: out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(script: string, dir: string, timeoutMs: number): Promise<{ code: number | null; signal: string | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, timedOut });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, signal: null, stderr: err.message, timedOut });
    });
  });
}
