/**
 * GPU quantize: W[N, K] (row-major f32) -> QuantizedTensor on the GPU, bit-identical to the CPU
 * `quantize` (src/quant/quantize.ts) for the schemes {@link gpuQuantizeSupports} accepts: the
 * symmetric integer absmax schemes (int2/int3/int4/int8, f32 or f16 scales, per group, channel
 * or tensor) and the OCP MX schemes. The kernel (shaders/quantize.wgsl) decides every rounding
 * with integer arithmetic on f32 bit patterns; see its header for how.
 *
 * W is uploaded in row chunks when it exceeds maxStorageBufferBindingSize; per-tensor scales
 * share one amax word across chunks (all amax passes run before any scale pass).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { wordsPerRowFor } from '../format/pack.js';
import { storeScale } from '../quant/scale.js';
import { getScheme } from '../quant/schemes.js';
import { checkInput, resolveLayout, type Layout, type QuantizeOptions } from '../quant/quantize.js';
import { generateQuantizePrelude, quantizeKernelSpec, type QuantizeKernelSpec } from '../wgsl/quantize-prelude.js';
import type { LowbitGpu } from './device.js';
import { GpuLimitError, createStorage, dispatch2d, readBytes, uploadStorage } from './buffers.js';
import type { BindingKind } from './pipeline-cache.js';
import { getPipeline } from './pipeline-cache.js';
import { Owned, bindGroup, uniformFrom } from './kernel-common.js';
import { submitJobs, type ComputeJob, type TimerKind } from './timing.js';

/** Workgroup size and elements per amax invocation (override constants of quantize.wgsl). */
export const QUANTIZE_TILE = { WG_SIZE: 64, AMAX_SPAN: 32 } as const;

/** Bindings of quantize.wgsl: w, amax, scales, codes, params (one layout for the three passes). */
const QUANTIZE_BINDINGS: readonly (readonly [number, BindingKind])[] = [
  [0, 'read-only-storage'],
  [1, 'storage'],
  [2, 'storage'],
  [3, 'storage'],
  [4, 'uniform'],
];

/** Words of the QuantParams uniform. */
const PARAM_WORDS = 12;
/** Bytes of one f32 weight / scale / code word. */
const WORD_BYTES = 4;
/** The kernel's index math stays in i32/u32: bit offsets within a row and element counts below 2^31. */
const INDEX_LIMIT = 2 ** 31;

/** Options of {@link quantizeGpu}: the CPU options plus a lower binding limit for tests. */
export interface GpuQuantizeOptions extends QuantizeOptions {
  /** Largest storage binding to use (default: the device's maxStorageBufferBindingSize); tests lower it to force row chunks. */
  readonly maxBindingBytes?: number;
}

/** Result of {@link quantizeGpu}. */
export interface GpuQuantizeResult {
  /** The tensor, bit-identical to the CPU `quantize` with the same scheme and options. */
  readonly qt: QuantizedTensor;
  readonly variant: 'quantize';
  readonly gpuMs: number;
  readonly timer: TimerKind;
}

/**
 * True when the GPU quantizer handles `scheme` with `opts`, otherwise the reason (mixtures, clip
 * search, asymmetric zero points, NVFP4, non-integer absmax grids and mean-|w| rules run on the
 * CPU only). Throws for unknown schemes and for options the scheme itself rejects.
 */
export function gpuQuantizeSupports(scheme: string, opts: QuantizeOptions = {}): true | string {
  const spec = quantizeKernelSpec(scheme, opts);
  return typeof spec === 'string' ? spec : true;
}

/** Rows per chunk so that the chunk's W (the largest buffer) fits `limit` bytes and its indices fit the kernel. */
function chunkRows(scheme: string, rows: number, cols: number, bits: number, limit: number): number {
  if (cols * bits >= INDEX_LIMIT) throw new GpuLimitError(`quantizeGpu (${scheme}): K=${cols} is too long for the kernel's 32-bit bit offsets (K * ${bits} bits must stay below 2^31)`);
  const rowBytes = cols * WORD_BYTES;
  const perChunk = Math.min(Math.floor(limit / rowBytes), Math.floor((INDEX_LIMIT - 1) / cols));
  if (perChunk < 1) {
    throw new GpuLimitError(
      `quantizeGpu (${scheme}): one row of W [${rows}, ${cols}] needs ${rowBytes} bytes of f32, more than maxStorageBufferBindingSize = ${limit} bytes; ` +
        `raise the limit (requiredLimits.maxStorageBufferBindingSize), use a smaller K, or quantize on the CPU`,
    );
  }
  return Math.min(perChunk, rows);
}

/** Rethrows the CPU's f16 overflow error for the first group whose scale came back as +inf. */
function throwScaleOverflow(w: Float32Array, cols: number, spec: QuantizeKernelSpec, layout: Layout, scales: Float32Array): never {
  const g = scales.findIndex((s) => !Number.isFinite(s));
  const groupsPerRow = cols / layout.groupSize;
  const row = Math.floor(g / groupsPerRow);
  const [off, len] =
    layout.granularity === 'group' ? [g * layout.groupSize, layout.groupSize] : layout.granularity === 'channel' ? [row * cols, cols] : [0, w.length];
  let amax = 0;
  for (let i = off; i < off + len; i++) amax = Math.max(amax, Math.abs(w[i] as number));
  storeScale(amax / spec.qmax, spec.scaleDType === 'f16' ? 'f16' : 'f32');
  throw new RangeError(`quantizeGpu (${spec.scheme}): the scale of group ${g} overflowed ${spec.scaleDType}`);
}

/**
 * Quantizes W[rows, cols] (row-major f32) on the GPU. The result equals `quantize(w, rows, cols,
 * scheme, opts)` bit for bit (codes, scales and every other field).
 * @throws Error naming the reason for schemes or options the GPU quantizer does not handle
 *   (see {@link gpuQuantizeSupports}); the CPU's errors for bad shapes, NaN/Inf weights, group
 *   sizes and f16 scale overflow; GpuLimitError when one row exceeds the binding limit.
 */
export async function quantizeGpu(gpu: LowbitGpu, w: Float32Array, rows: number, cols: number, scheme: string, opts: GpuQuantizeOptions = {}): Promise<GpuQuantizeResult> {
  const spec = quantizeKernelSpec(scheme, opts);
  if (typeof spec === 'string') throw new Error(`quantizeGpu: ${scheme} is not supported on the GPU: ${spec}; use the CPU quantize`);
  checkInput(w, rows, cols, scheme);
  const layout = resolveLayout(scheme, getScheme(scheme), rows, cols, opts.group);
  const { bits } = spec;
  const groupsPerRow = cols / layout.groupSize;
  const wordsPerRow = wordsPerRowFor(cols, bits);
  const limit = Math.min(opts.maxBindingBytes ?? Infinity, gpu.limits.maxStorageBufferBindingSize);
  const perChunk = chunkRows(scheme, rows, cols, bits, limit);

  const prelude = generateQuantizePrelude(spec);
  const pipelineFor = (entryPoint: string) => getPipeline(gpu, { shader: 'quantize', prelude, constants: QUANTIZE_TILE, bindings: QUANTIZE_BINDINGS, entryPoint });
  const [amaxPipe, scalePipe, encodePipe] = await Promise.all([pipelineFor('quant_amax'), pipelineFor('quant_scale'), pipelineFor('quant_encode')]);

  const owned = new Owned();
  try {
    // Per-tensor scales: one amax word shared by every chunk.
    const sharedAmax = layout.granularity === 'tensor' ? owned.add(createStorage(gpu, WORD_BYTES, 'quantize amax (tensor)')) : undefined;
    const chunks: { rowStart: number; rows: number; scales: GPUBuffer; codes: GPUBuffer }[] = [];
    const passes: ComputeJob[][] = [[], [], []];
    for (let rowStart = 0; rowStart < rows; rowStart += perChunk) {
      const n = Math.min(perChunk, rows - rowStart);
      const what = `W rows ${rowStart}..${rowStart + n - 1} [${n}, ${cols}]`;
      const wBuf = owned.add(uploadStorage(gpu, w.subarray(rowStart * cols, (rowStart + n) * cols), `quantize ${what}`));
      const unitLen = layout.granularity === 'group' ? layout.groupSize : layout.granularity === 'channel' ? cols : n * cols;
      const units = (n * cols) / unitLen;
      const amax = sharedAmax ?? owned.add(createStorage(gpu, units * WORD_BYTES, `quantize amax, ${what}`));
      const scales = owned.add(createStorage(gpu, n * groupsPerRow * WORD_BYTES, `quantize scales, ${what}`));
      const codes = owned.add(createStorage(gpu, n * wordsPerRow * WORD_BYTES, `quantize codes, ${what}`));
      const partsPerUnit = Math.ceil(unitLen / QUANTIZE_TILE.AMAX_SPAN);
      const grids = [units * partsPerUnit, n * groupsPerRow, n * wordsPerRow].map((inv) => dispatch2d(gpu, Math.ceil(inv / QUANTIZE_TILE.WG_SIZE)));
      const u = new Uint32Array(PARAM_WORDS);
      u.set([n, cols, layout.groupSize, groupsPerRow, wordsPerRow, unitLen, units, partsPerUnit, ...grids.map((g) => g[0])]);
      const params = owned.add(uniformFrom(gpu, u.buffer, 'quantize params'));
      const entries = [[0, wBuf], [1, amax], [2, scales], [3, codes], [4, params]] as const;
      [amaxPipe, scalePipe, encodePipe].forEach((pipeline, i) => {
        const [gx, gy] = grids[i] as [number, number];
        (passes[i] as ComputeJob[]).push({ pipeline, bindGroup: bindGroup(gpu, pipeline, entries, 'quantize'), workgroups: [gx, gy, 1], label: `quantize ${i}` });
      });
      chunks.push({ rowStart, rows: n, scales, codes });
    }
    const t = await submitJobs(gpu, 'quantize', passes.flat());
    const scaleBits = new Uint32Array(rows * groupsPerRow);
    const codeWords = new Uint32Array(rows * wordsPerRow);
    for (const ch of chunks) {
      scaleBits.set(new Uint32Array(await readBytes(gpu, ch.scales, ch.rows * groupsPerRow * WORD_BYTES)), ch.rowStart * groupsPerRow);
      codeWords.set(new Uint32Array(await readBytes(gpu, ch.codes, ch.rows * wordsPerRow * WORD_BYTES)), ch.rowStart * wordsPerRow);
    }
    const scales = new Float32Array(scaleBits.buffer);
    if (!spec.mx && scales.some((s) => !Number.isFinite(s))) throwScaleOverflow(w, cols, spec, layout, scales);
    const qt: QuantizedTensor = {
      scheme,
      rows,
      cols,
      bits,
      groupSize: layout.groupSize,
      granularity: layout.granularity,
      codes: codeWords,
      wordsPerRow,
      elementTypes: [spec.elementType],
      idBits: 0,
      scales,
      scaleDType: spec.scaleDType,
      tensorScale: 1,
      hasTensorScale: false,
    };
    return { qt, variant: 'quantize', gpuMs: t.ms, timer: t.timer };
  } finally {
    owned.destroy();
  }
}
