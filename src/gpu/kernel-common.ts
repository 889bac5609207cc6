/**
 * Shared pieces of the GPU kernel variants (src/gpu/kernels.ts, lut-kernels.ts,
 * bitserial-kernels.ts): the variant types, the KernelParams uniform, binding layouts, workgroup
 * shapes, job builders and the rounding counts the bounds are built from.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { getDType } from '../dtype/registry.js';
import { getScheme } from '../quant/schemes.js';
import { boundConstant } from '../cpu/bound.js';
import type { BoundOptions } from '../cpu/compare.js';
import type { GpuCapabilities, LowbitGpu } from './device.js';
import { GpuLimitError, alignedSize, createStorage, dispatch2d } from './buffers.js';
import { getPipeline, type BindingKind, type PipelineKey } from './pipeline-cache.js';
import type { ShaderName } from '../wgsl/shader-sources.gen.js';
import type { GpuQuantizedTensor } from './gpu-tensor.js';
import type { ComputeJob, SubmitOptions, TimerKind } from './timing.js';
import type { KernelTuning, TunedFamily } from './tuning.js';

/** Kernel families (docs/KERNELS.md). */
export type KernelFamily = 'dequant' | 'lut' | 'bitserial' | 'f32';

/** An optional capability a variant needs. */
export type GpuCapabilityName = keyof GpuCapabilities;

/** What a variant is checked against on the CPU and how tightly. */
export interface VariantBoundInfo {
  /** The constant c for typical shapes (K >= 64); boundFor computes the exact per-shape value from `rule`. */
  readonly c: number;
  /** How c is derived: the f32 rounding count n per term, c = 1.01 * kappa * gamma_n / (K u). */
  readonly rule: string;
  /** The extra term, in words, when the variant has one. */
  readonly extra?: string;
}

/** Every GPU kernel variant's name ('kernel/flavour'), the order of {@link GPU_KERNEL_VARIANTS}. */
export const GPU_VARIANT_NAMES = [
  'dequant-gemv/plain',
  'dequant-gemv/subgroup',
  'dequant-gemv/f16',
  'dequant-gemv/dp4a',
  'dequant-gemm/tiled',
  'lut-gemv/f32',
  'lut-gemv/i8',
  'lut-gemm/f32',
  'lut-gemm/i8',
  'bitserial-gemv/plain',
  'bitserial-gemm/tiled',
  'f32-gemv/plain',
  'f32-gemv/subgroup',
  'f32-gemm/tiled',
] as const;

/** Name of a GPU kernel variant. */
export type GpuVariantName = (typeof GPU_VARIANT_NAMES)[number];

/** True when `name` names a GPU kernel variant. */
export function isGpuVariantName(name: string): name is GpuVariantName {
  return (GPU_VARIANT_NAMES as readonly string[]).includes(name);
}

/** One row of {@link GPU_KERNEL_VARIANTS}. */
export interface GpuKernelVariant {
  /** 'kernel/variant', e.g. 'dequant-gemv/subgroup'. */
  readonly name: GpuVariantName;
  /** Kernel name without the flavour, e.g. 'dequant-gemv'. */
  readonly kernel: string;
  readonly family: KernelFamily;
  /** The flavour, e.g. 'subgroup'. */
  readonly variant: string;
  /** 'gemv': one activation row per dispatch z, any M; 'gemm': tiled over M. */
  readonly shape: 'gemv' | 'gemm';
  /** Optional device capabilities the variant needs. */
  readonly needs: readonly GpuCapabilityName[];
  /** Name of the CPU kernel (src/cpu/kernels.ts) computing the same arithmetic. */
  readonly cpuTwin: string;
  readonly bound: VariantBoundInfo;
  readonly description: string;
  /** True when the variant can run this scheme (name) or tensor, else the reason it cannot. */
  supports(target: QuantizedTensor | string): true | string;
}

/** What a prepared kernel needs to know about its inputs to build the CPU-side bound. */
export interface BoundContext {
  readonly qt: QuantizedTensor;
  readonly m: number;
  readonly x: Float32Array;
  /** The dequantized weights (CPU `dequantize`). */
  readonly w: Float32Array;
  /**
   * The workgroup constants the kernel ran with (GpuKernelResult.tuning); without them the bound
   * holds for every valid tuning (TPR up to {@link MAX_TUNED_TPR}).
   */
  readonly tuning?: KernelTuning;
}

/** Largest TPR a bound without a known tuning allows for. */
export const MAX_TUNED_TPR = 256;

/** Result of {@link runGpuKernel}. */
export interface GpuKernelResult {
  /** Y [M, N] row-major. */
  readonly y: Float32Array;
  /** The variant that ran, e.g. 'dequant-gemv/subgroup'. */
  readonly variant: string;
  /** Kernel time in ms by `timer` (timestamp-query: GPU time of the passes; wall: submit to done). */
  readonly gpuMs?: number;
  readonly timer: TimerKind;
  /** Wall-clock ms of the call from writing X to having Y on the CPU. */
  readonly wallMs?: number;
  /** The workgroup constants the kernel ran with (pass them to gpuKernelBound). */
  readonly tuning: KernelTuning;
}

/** What one call of {@link PreparedGpuKernel.run} returns. */
export interface PreparedRun {
  readonly y: Float32Array;
  /** Kernel time by `timer`. */
  readonly ms: number;
  readonly timer: TimerKind;
  /** Wall-clock ms from writing X to Y on the CPU. */
  readonly wallMs: number;
}

/** A kernel with its buffers and bind groups built, for repeated dispatches (benchmarks). */
export interface PreparedGpuKernel {
  readonly variant: GpuKernelVariant;
  readonly m: number;
  /** The workgroup constants this kernel was compiled with. */
  readonly tuning: KernelTuning;
  /** Writes X [M, K] (converted or quantized as the variant needs). */
  setX(x: Float32Array): void;
  /**
   * Runs the passes once and waits; returns the time by the named clock. In Node (Dawn), without
   * an explicit `settleMs`, each dispatch after the first sleeps through 80% of the fastest wall
   * time seen so far before waiting (see SubmitOptions.settleMs).
   */
  dispatch(opts?: SubmitOptions): Promise<{ ms: number; timer: TimerKind; wallMs: number }>;
  /** Reads Y [M, N]. */
  readY(): Promise<Float32Array>;
  /**
   * One end-to-end call: writes X, runs the passes and copies Y to a persistent staging buffer in
   * one submission, then maps it (one queue round trip). In Node it first sleeps through most of
   * the kernel time seen so far (see SubmitOptions.settleMs).
   */
  run(x: Float32Array): Promise<PreparedRun>;
  /** Destroys the buffers this kernel created (not the GpuQuantizedTensor). */
  destroy(): void;
}

/** What a variant builder returns. */
export interface BuiltKernel {
  readonly jobs: readonly ComputeJob[];
  readonly y: GPUBuffer;
  writeX(x: Float32Array): void;
  readonly owned: readonly GPUBuffer[];
}

/** Everything a variant builder gets. */
export interface BuildContext {
  readonly gpu: LowbitGpu;
  readonly gt: GpuQuantizedTensor;
  readonly m: number;
  /** The workgroup constants to compile with. */
  readonly tuning: KernelTuning;
}

/** Internal form of a table row. */
export interface VariantDef extends GpuKernelVariant {
  /** The tuning table entry the variant's constants come from. */
  readonly tunedFamily: TunedFamily;
  build(ctx: BuildContext): Promise<BuiltKernel>;
  boundFor(ctx: BoundContext): BoundOptions;
}

// ---------------------------------------------------------------------------------------------
// Shared layout pieces.

/** Values of the KernelParams uniform every weight kernel reads (GEMV drivers and tiled GEMMs). */
export interface KernelParams {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly groupSize: number;
  readonly groupsPerRow: number;
  readonly wordsPerRow: number;
  readonly rowOffset: number;
  readonly totalN: number;
  readonly xGroups: number;
  readonly tensorScale: number;
  /** vec4 blocks per weight row (src/wgsl/block-prelude.ts). */
  readonly blocks: number;
  /** Activation row stride in elements (padded K). */
  readonly xStride: number;
  readonly aux0?: number;
  readonly aux1?: number;
}

/**
 * Field order of the KernelParams uniform: [field, WGSL name, WGSL type, comment]. Both the WGSL
 * struct ({@link KERNEL_PARAMS_WGSL}) and the bytes ({@link packParams}) come from this list.
 */
const KERNEL_PARAM_FIELDS: readonly (readonly [keyof KernelParams, string, 'u32' | 'f32', string])[] = [
  ['m', 'm', 'u32', 'activation rows'],
  ['n', 'n', 'u32', 'weight rows in this chunk'],
  ['k', 'k', 'u32', 'reduction length'],
  ['groupSize', 'group_size', 'u32', 'elements per quant group'],
  ['groupsPerRow', 'groups_per_row', 'u32', 'K / group_size'],
  ['wordsPerRow', 'words_per_row', 'u32', 'u32 words per weight row (per bit plane for plane kernels)'],
  ['rowOffset', 'row_offset', 'u32', 'first output column of this chunk'],
  ['totalN', 'total_n', 'u32', 'N of the whole weight (row stride of y)'],
  ['xGroups', 'x_groups', 'u32', 'workgroups along dispatch x (linear workgroup = wid.y * x_groups + wid.x)'],
  ['tensorScale', 'tensor_scale', 'f32', 'FP32 tensor scale (NVFP4), 1 otherwise'],
  ['blocks', 'blocks', 'u32', 'vec4 blocks per weight row (block-prelude layout)'],
  ['xStride', 'x_stride', 'u32', 'activation row stride in elements (K padded to whole blocks)'],
  ['aux0', 'aux0', 'u32', 'family-specific (LUT: 4-groups per table row)'],
  ['aux1', 'aux1', 'u32', 'family-specific (LUT int8: 4-groups per table block)'],
];

/** The WGSL struct of the KernelParams uniform, emitted before every weight kernel's bodies. */
export const KERNEL_PARAMS_WGSL = [
  'struct KernelParams {',
  ...KERNEL_PARAM_FIELDS.map(([, name, type, comment]) => `  ${name}: ${type}, // ${comment}`),
  '}',
  '',
].join('\n');

/** Packs {@link KernelParams} in the shaders' field order. */
export function packParams(p: KernelParams): ArrayBuffer {
  const buf = new ArrayBuffer(KERNEL_PARAM_FIELDS.length * 4);
  const view = new DataView(buf);
  KERNEL_PARAM_FIELDS.forEach(([field, , type], i) => {
    const v = p[field] ?? 0;
    if (type === 'f32') view.setFloat32(i * 4, v, true);
    else view.setUint32(i * 4, v, true);
  });
  return buf;
}

/** Creates a uniform buffer from raw bytes (padded to 16). */
export function uniformFrom(gpu: LowbitGpu, bytes: ArrayBuffer, label: string): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes.byteLength / 16) * 16);
  const b = gpu.device.createBuffer({ label, size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
  new Uint8Array(b.getMappedRange()).set(new Uint8Array(bytes));
  b.unmap();
  return b;
}

const RO: BindingKind = 'read-only-storage';

/**
 * One binding of a weight kernel: number, kind, and the WGSL variable it declares. The weight
 * kernels' shaders in shaders/ do not declare their bindings: {@link weightKernelKey} emits the
 * declarations and the bind group layout from the same list, so the two cannot disagree.
 */
export type KernelBinding = readonly [binding: number, kind: BindingKind, name: string, type: string];

/** A read-only storage binding. */
export function readOnly(binding: number, name: string, type: string): KernelBinding {
  return [binding, RO, name, type];
}

/** Per-group side inputs of every quantized weight: 1 scales, 2 zero points (packed bytes), 3 datatype ids (packed bytes). */
export const GROUP_INPUTS: readonly KernelBinding[] = [readOnly(1, 'scales', 'array<f32>'), readOnly(2, 'zeros', 'array<u32>'), readOnly(3, 'ids', 'array<u32>')];
/** The slot-layout codes (0, one vec4<u32> per block) and the group inputs. */
export const CODE_INPUTS: readonly KernelBinding[] = [readOnly(0, 'wcodes', 'array<vec4<u32>>'), ...GROUP_INPUTS];
/** The padded bit planes (0, one vec4<u32> per block of each plane) and the group inputs (LUT kernels). */
export const PLANE_INPUTS: readonly KernelBinding[] = [readOnly(0, 'planes', 'array<vec4<u32>>'), ...GROUP_INPUTS];
/** 5: Y [M, total_n] row-major; 6: the KernelParams uniform. */
export const KERNEL_OUTPUTS: readonly KernelBinding[] = [
  [5, 'storage', 'y', 'array<f32>'],
  [6, 'uniform', 'p', 'KernelParams'],
];
/** Code-stream kernels reading activations 4: x [M, x_stride] of the prelude's act_t, 4 per vec4. */
export const WEIGHT_BINDINGS: readonly KernelBinding[] = [...CODE_INPUTS, readOnly(4, 'x', 'array<vec4<act_t>>'), ...KERNEL_OUTPUTS];
/** The packed int8 dot product: 4 packed int8 activations, 7 their per-row scales. */
export const DP4A_BINDINGS: readonly KernelBinding[] = [...CODE_INPUTS, readOnly(4, 'xq', 'array<u32>'), ...KERNEL_OUTPUTS, readOnly(7, 'x_scale', 'array<f32>')];
/**
 * 9: per-group f32 offsets, declared only for tensors that have them (ggml's Q4_1/Q5_1 and
 * k-quants), so the kernels of every other tensor keep their bindings (7 and 8 are taken by the
 * dp4a x scales and the LUT kernels' x-sums and lut scales).
 */
export const OFFSET_INPUT: KernelBinding = readOnly(9, 'offsets', 'array<f32>');

/** `bindings` plus {@link OFFSET_INPUT} when `qt` has per-group offsets. */
export function withOffsetInput(bindings: readonly KernelBinding[], qt: QuantizedTensor): readonly KernelBinding[] {
  return qt.offsets ? [...bindings, OFFSET_INPUT] : bindings;
}

/** The f32 baselines: 0 unquantized weights [n, x_stride], 4 activations [M, x_stride]. */
export const F32_BINDINGS: readonly KernelBinding[] = [readOnly(0, 'w', 'array<vec4<f32>>'), readOnly(4, 'x', 'array<vec4<f32>>'), ...KERNEL_OUTPUTS];

/** What a weight kernel is compiled from; {@link weightKernelKey} turns it into a PipelineKey. */
export interface WeightKernelSpec {
  readonly shader: ShaderName;
  readonly parts?: readonly ShaderName[];
  /** Generated prelude (datatype tables, enables); '' for none. */
  readonly prelude: string;
  readonly constants: Readonly<Record<string, number>>;
  readonly bindings: readonly KernelBinding[];
}

/** The WGSL declarations of `bindings` (group 0). */
export function declareBindings(bindings: readonly KernelBinding[]): string {
  const space = (kind: BindingKind) => (kind === 'uniform' ? 'uniform' : kind === 'storage' ? 'storage, read_write' : 'storage, read');
  return bindings.map(([b, kind, name, type]) => `@group(0) @binding(${b}) var<${space(kind)}> ${name}: ${type};\n`).join('');
}

/** Pipeline key of a weight kernel: prelude, KernelParams, the binding declarations, then the bodies. */
export function weightKernelKey(spec: WeightKernelSpec): PipelineKey {
  return {
    shader: spec.shader,
    ...(spec.parts ? { parts: spec.parts } : {}),
    prelude: `${spec.prelude}\n${KERNEL_PARAMS_WGSL}${declareBindings(spec.bindings)}`,
    constants: spec.constants,
    bindings: spec.bindings.map(([b, kind]) => [b, kind] as const),
  };
}

/** Bindings of shaders/dequantize.wgsl: codes, scales, zeros, ids, the output W, DequantParams, offsets. */
export const DEQUANTIZE_BINDINGS: readonly (readonly [number, BindingKind])[] = [
  [0, RO],
  [1, RO],
  [2, RO],
  [3, RO],
  [4, 'storage'],
  [5, 'uniform'],
  [6, RO],
];

/** Workgroup shape of the dequantize kernel (override constant). */
export const DEQUANTIZE_TILE = { WG_SIZE: 256 } as const;

/** Weight rows one workgroup of a driver covers with these constants. */
export function rowsPerWorkgroup(shape: 'gemv' | 'gemm', t: KernelTuning): number {
  return shape === 'gemv' ? (t.WG_SIZE / t.TPR) * (t.RPT ?? 1) : t.WG_SIZE / t.TPR;
}

export function bindGroup(gpu: LowbitGpu, pipeline: GPUComputePipeline, entries: readonly (readonly [number, GPUBuffer])[], label: string): GPUBindGroup {
  return gpu.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
  });
}

/** Tracks buffers a builder creates so a failure half-way destroys them. */
export class Owned {
  readonly list: GPUBuffer[] = [];
  add<T extends GPUBuffer>(b: T): T {
    this.list.push(b);
    return b;
  }
  destroy(): void {
    for (const b of this.list) b.destroy();
  }
}

/** An activation buffer [M, stride] of `bytesPerElement`-byte elements (zero-initialised, so padding reads 0). */
export function activationBuffer(gpu: LowbitGpu, owned: Owned, m: number, stride: number, bytesPerElement: number): GPUBuffer {
  return owned.add(createStorage(gpu, alignedSize(m * stride * bytesPerElement), `x [${m}, ${stride}]`));
}

export function outputBuffer(gpu: LowbitGpu, owned: Owned, m: number, n: number): GPUBuffer {
  return owned.add(createStorage(gpu, m * n * 4, `y [${m}, ${n}]`));
}

export function writeF32(gpu: LowbitGpu, buffer: GPUBuffer, x: Float32Array): void {
  gpu.device.queue.writeBuffer(buffer, 0, x.buffer, x.byteOffset, x.byteLength);
}

export function writeU32(gpu: LowbitGpu, buffer: GPUBuffer, x: Uint32Array): void {
  gpu.device.queue.writeBuffer(buffer, 0, x.buffer, x.byteOffset, x.byteLength);
}

/**
 * X [M, K] with each row widened to `stride` elements (zeros past K), as the block kernels read
 * it; `x` itself when stride = K.
 */
export function padRows(x: Float32Array, m: number, k: number, stride: number): Float32Array {
  if (stride === k) return x;
  const out = new Float32Array(m * stride);
  for (let i = 0; i < m; i++) out.set(x.subarray(i * k, (i + 1) * k), i * stride);
  return out;
}

/** A writer of f32 activations into an [M, stride] buffer. */
export function f32Writer(gpu: LowbitGpu, buffer: GPUBuffer, m: number, k: number, stride: number): (x: Float32Array) => void {
  return (x) => writeF32(gpu, buffer, padRows(x, m, k, stride));
}

/** How a weight kernel's jobs are laid out. */
export interface JobOptions {
  readonly shape: 'gemv' | 'gemm';
  /** vec4 blocks per weight row. */
  readonly blocks: number;
  /** Activation row stride in elements. */
  readonly xStride: number;
  readonly extra?: readonly (readonly [number, GPUBuffer])[];
  readonly aux0?: number;
  readonly aux1?: number;
  /** The weight inputs of chunk i (default: slot codes, scales, zeros, ids). */
  readonly chunkInputs?: (chunkIndex: number) => readonly (readonly [number, GPUBuffer])[];
}

/**
 * Builds the jobs of a weight kernel: one per weight chunk, each with its own params uniform and
 * bind group. GEMV drivers dispatch one activation row per z; tiled GEMMs ceil(M / TILE_M).
 */
export async function buildWeightJobs(ctx: BuildContext, owned: Owned, spec: WeightKernelSpec, x: GPUBuffer, y: GPUBuffer, opts: JobOptions): Promise<ComputeJob[]> {
  const { gpu, gt, m, tuning } = ctx;
  const qt = gt.qt;
  if (opts.shape === 'gemv' && m > gpu.limits.maxComputeWorkgroupsPerDimension) {
    throw new GpuLimitError(`M = ${m} activation rows exceed maxComputeWorkgroupsPerDimension (${gpu.limits.maxComputeWorkgroupsPerDimension}) for a GEMV variant; use a tiled GEMM variant`);
  }
  const key = weightKernelKey(spec);
  const pipeline = await getPipeline(gpu, key);
  const mz = opts.shape === 'gemm' ? mTiles(gpu, m, tuning.TILE_M ?? 1) : m;
  const perWg = rowsPerWorkgroup(opts.shape, tuning);
  return gt.chunks.map((chunk, ci) => {
    const [gx, gy] = dispatch2d(gpu, Math.ceil(chunk.rows / perWg));
    const params = owned.add(
      uniformFrom(
        gpu,
        packParams({
          m,
          n: chunk.rows,
          k: qt.cols,
          groupSize: qt.groupSize,
          groupsPerRow: qt.cols / qt.groupSize,
          wordsPerRow: qt.wordsPerRow,
          rowOffset: chunk.rowStart,
          totalN: qt.rows,
          xGroups: gx,
          tensorScale: qt.tensorScale,
          blocks: opts.blocks,
          xStride: opts.xStride,
          aux0: opts.aux0 ?? 0,
          aux1: opts.aux1 ?? 0,
        }),
        'params',
      ),
    );
    const weightInputs: (readonly [number, GPUBuffer])[] = opts.chunkInputs
      ? [...opts.chunkInputs(ci)]
      : [
          [0, chunk.slots],
          [1, chunk.scales],
          [2, chunk.zeros],
          [3, chunk.ids],
        ];
    // The offsets binding is per chunk like the other weight inputs (declared only for tensors with offsets).
    const offsets: (readonly [number, GPUBuffer])[] = spec.bindings.includes(OFFSET_INPUT) ? [[OFFSET_INPUT[0], chunk.offsets]] : [];
    const entries = [...weightInputs, ...offsets, [4, x], [5, y], [6, params], ...(opts.extra ?? [])] as const;
    return { pipeline, bindGroup: bindGroup(gpu, pipeline, entries, key.shader), workgroups: [gx, gy, mz] as const, label: key.shader };
  });
}

/** The driver, its parts and constants for a shape and reduction: GEMV tree / subgroup, or the tiled GEMM. */
export function driverOf(shape: 'gemv' | 'gemm', subgroups: boolean, t: KernelTuning): { shader: ShaderName; constants: Record<string, number> } {
  if (shape === 'gemm') return { shader: 'gemm-tiled', constants: { WG_SIZE: t.WG_SIZE, TPR: t.TPR, TILE_M: t.TILE_M ?? 1 } };
  return { shader: subgroups ? 'gemv-subgroup' : 'gemv-tree', constants: { WG_SIZE: t.WG_SIZE, TPR: t.TPR, RPT: t.RPT ?? 1 } };
}

/** Workgroups along z of a tiled GEMM: ceil(M / tileM). */
export function mTiles(gpu: LowbitGpu, m: number, tileM: number): number {
  const t = Math.ceil(m / tileM);
  if (t > gpu.limits.maxComputeWorkgroupsPerDimension) throw new GpuLimitError(`M = ${m} needs ${t} workgroups in z, above maxComputeWorkgroupsPerDimension`);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Scheme facts for supports(): from a tensor, or from the scheme registry for a name.

export interface SchemeFacts {
  readonly scheme: string;
  readonly elementTypes: readonly string[];
  readonly bits: number;
  readonly hasZeros: boolean;
  /** Only known for tensors. */
  readonly groupSize?: number;
  readonly cols?: number;
}

/**
 * Why a dequant-family GPU kernel cannot take `target`'s per-group offsets, or undefined when it
 * can (or there are none). The kernels subtract offset * (activation sum) per segment and apply
 * the tensor scale once per output, so a tensor with both would scale its offsets too: no scheme
 * has both (the ggml schemes have no tensor scale), and such a tensor is refused.
 */
export function offsetRefusal(target: QuantizedTensor | string): string | undefined {
  if (typeof target === 'string' || !target.offsets) return undefined;
  if (target.offsets.length !== target.scales.length) return `${target.offsets.length} offsets for ${target.scales.length} groups (one per group)`;
  if (target.hasTensorScale || target.tensorScale !== 1) return 'per-group offsets together with a tensor scale are not supported (the GPU kernels apply the tensor scale after the offsets)';
  return undefined;
}

/** The facts supports() checks, from a tensor or a scheme name. */
export function schemeFacts(target: QuantizedTensor | string): SchemeFacts {
  if (typeof target !== 'string') {
    return { scheme: target.scheme, elementTypes: target.elementTypes, bits: target.bits, hasZeros: target.zeros !== undefined, groupSize: target.groupSize, cols: target.cols };
  }
  const sc = getScheme(target);
  return { scheme: target, elementTypes: sc.elementTypes, bits: getDType(sc.elementTypes[0] as string).bits, hasZeros: sc.scaleRule === 'minmax' };
}

// ---------------------------------------------------------------------------------------------
// Bounds.

/** How the lanes of a row are reduced: a fixed tree (log2 TPR additions) or any order (TPR - 1). */
export type ReductionKind = 'tree' | 'any';

/**
 * Roundings a term passes through after its segment sum: the lane's accumulation over its
 * ceil(blocks / TPR) blocks and the reduction of the TPR lanes. Without a known TPR, the worst
 * case over TPR = 1, 2, 4, ..., MAX_TUNED_TPR.
 */
export function laneRoundings(blocks: number, reduction: ReductionKind, tpr?: number): number {
  const at = (t: number) => Math.ceil(blocks / t) + (t === 1 ? 0 : reduction === 'tree' ? Math.log2(t) : t - 1);
  if (tpr !== undefined) return at(tpr);
  let worst = 0;
  for (let t = 1; t <= MAX_TUNED_TPR; t *= 2) worst = Math.max(worst, at(t));
  return worst;
}

/**
 * The f32 rounding count of one term in the block drivers (src/wgsl/block-prelude.ts): the
 * segment sum of `segLen` products in any order (segLen: the product and at most segLen - 1
 * additions), the segment scale (1), the block's sum of its `segsPerBlock` segments, the lane
 * accumulation and reduction ({@link laneRoundings}), plus `extra` (the oracle's rounding of w,
 * the tensor scale).
 */
export function blockRoundings(segLen: number, segsPerBlock: number, blocks: number, reduction: ReductionKind, tpr: number | undefined, extra: number): number {
  return segLen + 1 + (segsPerBlock - 1) + laneRoundings(blocks, reduction, tpr) + extra;
}

export function plainBound(roundings: (qt: QuantizedTensor, tuning?: KernelTuning) => number): (ctx: BoundContext) => BoundOptions {
  return ({ qt, tuning }) => ({ c: boundConstant(roundings(qt, tuning), qt.cols) });
}

/** Per-output sum_k |w[n, k]| (used by the activation-rounding terms). */
export function rowAbsSums(w: Float32Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += Math.abs(w[r * k + t] as number);
    out[r] = s;
  }
  return out;
}

/** Per-row absmax of X [M, K]. */
export function rowAbsMax(x: Float32Array, m: number, k: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let a = 0;
    for (let t = 0; t < k; t++) a = Math.max(a, Math.abs(x[i * k + t] as number));
    out[i] = a;
  }
  return out;
}

