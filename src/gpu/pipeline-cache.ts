/**
 * Compute pipelines cached per device, keyed only by compile-time choices (shader name, prelude,
 * override constants). Shapes travel in uniforms, so one pipeline serves every shape.
 */
import type { LowbitGpu } from './device.js';
import { SHADER_SOURCES, type ShaderName } from '../wgsl/shader-sources.gen.js';

/** A compile-time description of one kernel variant. */
export interface PipelineKey {
  /** Kernel body in shaders/. */
  readonly shader: ShaderName;
  /** Generated WGSL placed before the body (datatype tables, enables); '' for none. */
  readonly prelude?: string;
  /** Values for the body's `override` constants. */
  readonly constants?: Readonly<Record<string, number>>;
  /** Entry point, default 'main'. */
  readonly entryPoint?: string;
}

const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** The full WGSL text of a variant: prelude then body. Set LOWBIT_DUMP_WGSL=1 to print it when built. */
export function assembleSource(key: PipelineKey): string {
  return `${key.prelude ?? ''}\n${SHADER_SOURCES[key.shader]}`;
}

function cacheKey(key: PipelineKey): string {
  const constants = Object.entries(key.constants ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${key.shader}|${key.entryPoint ?? 'main'}|${constants}|${key.prelude ?? ''}`;
}

function dumpRequested(): boolean {
  return typeof process !== 'undefined' && process.env?.LOWBIT_DUMP_WGSL === '1';
}

/**
 * Returns the pipeline for `key`, compiling it on first use. Compilation errors are reported
 * with the shader name and the compiler's messages.
 */
export async function getPipeline(gpu: LowbitGpu, key: PipelineKey): Promise<GPUComputePipeline> {
  let cache = caches.get(gpu.device);
  if (!cache) {
    cache = new Map();
    caches.set(gpu.device, cache);
  }
  const id = cacheKey(key);
  const hit = cache.get(id);
  if (hit) return hit;
  const code = assembleSource(key);
  if (dumpRequested()) console.error(`--- WGSL ${key.shader} ---\n${code}\n--- end ${key.shader} ---`);
  const module = gpu.device.createShaderModule({ label: key.shader, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const text = errors.map((m) => `  line ${m.lineNum}:${m.linePos} ${m.message}`).join('\n');
    throw new Error(`WGSL compilation of '${key.shader}' failed:\n${text}`);
  }
  gpu.device.pushErrorScope('validation');
  const pipeline = await gpu.device.createComputePipelineAsync({
    label: key.shader,
    layout: 'auto',
    compute: { module, entryPoint: key.entryPoint ?? 'main', constants: { ...(key.constants ?? {}) } },
  });
  const err = await gpu.device.popErrorScope();
  if (err) throw new Error(`pipeline '${key.shader}' is invalid: ${err.message}`);
  cache.set(id, pipeline);
  return pipeline;
}
