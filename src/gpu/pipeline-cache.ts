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
  /**
   * Further bodies placed between the prelude and `shader` (e.g. a kernel family's snippet
   * before a shared driver). Order matters for the cache key only.
   */
  readonly parts?: readonly ShaderName[];
  /**
   * Explicit bind group 0 layout as (binding, kind) pairs. Without it the layout is 'auto',
   * which drops bindings the entry point does not use; kernels whose optional buffers (zero
   * points, datatype ids) may go unread pass the full list so one bind group fits every variant.
   */
  readonly bindings?: readonly (readonly [number, BindingKind])[];
}

/** Kind of one binding in an explicit layout. */
export type BindingKind = 'read-only-storage' | 'storage' | 'uniform';

const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** The full WGSL text of a variant: prelude then body. Set LOWBIT_DUMP_WGSL=1 to print it when built. */
export function assembleSource(key: PipelineKey): string {
  const parts = (key.parts ?? []).map((name) => SHADER_SOURCES[name]);
  return [key.prelude ?? '', ...parts, SHADER_SOURCES[key.shader]].join('\n');
}

function cacheKey(key: PipelineKey): string {
  const constants = Object.entries(key.constants ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const parts = (key.parts ?? []).join('+');
  const bindings = (key.bindings ?? []).map(([b, kind]) => `${b}:${kind}`).join(',');
  return `${key.shader}|${parts}|${key.entryPoint ?? 'main'}|${constants}|${bindings}|${key.prelude ?? ''}`;
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
  if (dumpRequested()) console.error(`--- WGSL ${[...(key.parts ?? []), key.shader].join('+')} ---\n${code}\n--- end ${key.shader} ---`);
  const label = [...(key.parts ?? []), key.shader].join('+');
  const module = gpu.device.createShaderModule({ label, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const text = errors.map((m) => `  line ${m.lineNum}:${m.linePos} ${m.message}`).join('\n');
    throw new Error(`WGSL compilation of '${label}' failed:\n${text}`);
  }
  gpu.device.pushErrorScope('validation');
  const layout = key.bindings
    ? gpu.device.createPipelineLayout({
        label: key.shader,
        bindGroupLayouts: [
          gpu.device.createBindGroupLayout({
            label: key.shader,
            entries: key.bindings.map(([binding, kind]) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: kind } })),
          }),
        ],
      })
    : 'auto';
  const pipeline = await gpu.device.createComputePipelineAsync({
    label: key.shader,
    layout,
    compute: { module, entryPoint: key.entryPoint ?? 'main', constants: { ...(key.constants ?? {}) } },
  });
  const err = await gpu.device.popErrorScope();
  if (err) throw new Error(`pipeline '${key.shader}' is invalid: ${err.message}`);
  cache.set(id, pipeline);
  return pipeline;
}
