/**
 * GPU quantize: W[N, K] (row-major f32) -> QuantizedTensor on the GPU, bit-identical to the CPU
 * `quantize` (src/quant/quantize.ts) for every scheme and option. Two kernels:
 * - quantize.wgsl (variant 'quantize'): the symmetric integer absmax schemes (int2-int8, absmax
 *   rule) and the OCP MX schemes, by integer arithmetic on f32 bit patterns;
 * - quantize-general.wgsl (variant 'quantize-general'): everything else (asymmetric integers,
 *   minifloat and codebook grids, mixtures, the clip-ratio search, NVFP4, mean-|w| rules), with
 *   exact code decisions and the CPU's f64 scale and error arithmetic emulated in integers
 *   (quantize-f64.wgsl). `kernel: 'general'` forces it for any scheme (cross-checks).
 *
 * W is uploaded in row chunks when it exceeds maxStorageBufferBindingSize; per-tensor units and
 * the NVFP4 tensor scale share their statistics across chunks (all statistics passes run before
 * any decision pass). A per-tensor unit whose decision reads every weight (mean-|w|, mixtures,
 * clip search) needs W in one chunk.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { wordsPerRowFor } from '../format/pack.js';
import { storeScale } from '../quant/scale.js';
import { getScheme, type AnySchemeName } from '../quant/schemes.js';
import { checkInput, resolveLayout, type Layout, type QuantizeOptions } from '../quant/quantize.js';
import { generateQuantizePrelude, quantizeKernelSpec, type QuantizeKernelSpec } from '../wgsl/quantize-prelude.js';
import { generalDecideEntry, generalQuantizeSpec, generalQuantizeTables, type GeneralQuantizeSpec } from '../wgsl/quantize-general-tables.js';
import { planQuantizeShape } from '../quant/quantize-plan.js';
import { quantize } from '../quant/quantize.js';
import { nvfp4TensorScale } from '../quant/scale.js';
import { idBitsFor } from '../quant/quantize-plan.js';
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

/** Options of {@link quantizeGpu}: the CPU options, a lower binding limit for tests, the kernel. */
export interface GpuQuantizeOptions extends QuantizeOptions {
  /** Largest storage binding to use (default: the device's maxStorageBufferBindingSize); tests lower it to force row chunks. */
  readonly maxBindingBytes?: number;
  /** 'auto' (default): quantize.wgsl where it applies, else quantize-general.wgsl; 'general': always the latter. */
  readonly kernel?: 'auto' | 'general';
}

/** Result of {@link quantizeGpu}. */
export interface GpuQuantizeResult {
  /** The tensor, bit-identical to the CPU `quantize` with the same scheme and options. */
  readonly qt: QuantizedTensor;
  readonly variant: 'quantize' | 'quantize-general';
  readonly gpuMs: number;
  readonly timer: TimerKind;
}

/**
 * True when the GPU quantizer handles `scheme` with `opts` (every registered scheme does),
 * otherwise the reason. Throws for unknown schemes and for options the scheme itself rejects.
 */
export function gpuQuantizeSupports(scheme: string, opts: QuantizeOptions = {}): true | string {
  const spec = quantizeKernelSpec(scheme, opts);
  if (typeof spec !== 'string') return true;
  const general = generalQuantizeSpec(scheme, opts);
  return typeof general === 'string' ? general : true;
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
export async function quantizeGpu(gpu: LowbitGpu, w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: GpuQuantizeOptions = {}): Promise<GpuQuantizeResult> {
  const spec = quantizeKernelSpec(scheme, opts);
  if (typeof spec === 'string' || opts.kernel === 'general') {
    const general = generalQuantizeSpec(scheme, opts);
    if (typeof general === 'string') throw new Error(`quantizeGpu: ${scheme} is not supported on the GPU: ${general}; use the CPU quantize`);
    return quantizeGpuGeneral(gpu, w, rows, cols, general, opts);
  }
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

/** Workgroup size and elements per statistics invocation (override constants of quantize-general.wgsl). */
export const GENERAL_QUANTIZE_TILE = { WG_SIZE: 64, STATS_SPAN: 32 } as const;
/** Bindings of quantize-general.wgsl: w, stats, decisions, codes, params, tables. */
const GENERAL_QUANTIZE_BINDINGS: readonly (readonly [number, BindingKind])[] = [...QUANTIZE_BINDINGS, [5, 'read-only-storage']];
/** Words of the general kernel's QuantParams uniform, statistics per unit, decision words per group. */
const GENERAL_PARAM_WORDS = 16;
const STAT_WORDS = 3;
const DEC_WORDS = 6;
const DEC_SCALE = 0;
const DEC_ZERO = 4;
const DEC_ID = 5;
const F32_INF_BITS = 0x7f800000;
const F32_ABS_BITS = 0x7fffffff;

/** The general kernel (quantize-general.wgsl): every scheme; see the module comment. */
async function quantizeGpuGeneral(gpu: LowbitGpu, w: Float32Array, rows: number, cols: number, spec: GeneralQuantizeSpec, opts: GpuQuantizeOptions): Promise<GpuQuantizeResult> {
  const { scheme, bits } = spec;
  const sc = getScheme(scheme);
  checkInput(w, rows, cols, scheme);
  const plan = planQuantizeShape(sc, rows, cols, opts);
  const layout = plan.layout;
  const groupsPerRow = plan.groupsPerRow;
  const wordsPerRow = wordsPerRowFor(cols, bits);
  const limit = Math.min(opts.maxBindingBytes ?? Infinity, gpu.limits.maxStorageBufferBindingSize);
  const perChunk = chunkRows(scheme, rows, cols, bits, limit);
  const perTensor = layout.granularity === 'tensor';
  const readsUnit = spec.rule === 'mean' || plan.encoders.length > 1 || plan.ratios.length > 1;
  if (perTensor && readsUnit && perChunk < rows) {
    throw new GpuLimitError(
      `quantizeGpu (${scheme}): the per-tensor ${spec.rule === 'mean' ? 'mean-|w| scale' : 'candidate search'} reads all of W [${rows}, ${cols}] in one pass, ` +
        `but W exceeds maxStorageBufferBindingSize = ${limit} bytes; raise the limit, quantize per group or channel, or quantize on the CPU`,
    );
  }
  const pipelineFor = (entryPoint: string) =>
    getPipeline(gpu, { shader: 'quantize-general', parts: ['quantize-f64'], constants: GENERAL_QUANTIZE_TILE, bindings: GENERAL_QUANTIZE_BINDINGS, entryPoint });
  const [statsPipe, decidePipe, encodePipe] = await Promise.all([pipelineFor('qg_stats'), pipelineFor(generalDecideEntry(spec)), pipelineFor('qg_encode')]);

  const owned = new Owned();
  try {
    // One statistics buffer for the tensor: per-tensor units share unit 0; the tensor's max |w| follows the units.
    const totalUnits = perTensor ? 1 : plan.units;
    const stats = owned.add(createStorage(gpu, (totalUnits * STAT_WORDS + 1) * WORD_BYTES, 'quantize-general stats'));
    const tables = owned.add(uploadStorage(gpu, generalQuantizeTables(spec), `quantize-general tables (${scheme})`));
    const chunks: { rowStart: number; rows: number; dec: GPUBuffer; codes: GPUBuffer }[] = [];
    const passes: ComputeJob[][] = [[], [], []];
    for (let rowStart = 0; rowStart < rows; rowStart += perChunk) {
      const n = Math.min(perChunk, rows - rowStart);
      const what = `W rows ${rowStart}..${rowStart + n - 1} [${n}, ${cols}]`;
      const wBuf = owned.add(uploadStorage(gpu, w.subarray(rowStart * cols, (rowStart + n) * cols), `quantize-general ${what}`));
      const unitLen = perTensor ? n * cols : layout.unitLen;
      const units = (n * cols) / unitLen;
      const unitBase = perTensor ? 0 : (rowStart * cols) / unitLen;
      const dec = owned.add(createStorage(gpu, n * groupsPerRow * DEC_WORDS * WORD_BYTES, `quantize-general decisions, ${what}`));
      const codes = owned.add(createStorage(gpu, n * wordsPerRow * WORD_BYTES, `quantize-general codes, ${what}`));
      const partsPerUnit = Math.ceil(unitLen / GENERAL_QUANTIZE_TILE.STATS_SPAN);
      const grids = [units * partsPerUnit, units, n * wordsPerRow].map((inv) => dispatch2d(gpu, Math.ceil(inv / GENERAL_QUANTIZE_TILE.WG_SIZE)));
      const u = new Uint32Array(GENERAL_PARAM_WORDS);
      u.set([n, cols, layout.groupSize, groupsPerRow, wordsPerRow, unitLen, units, partsPerUnit, ...grids.map((g) => g[0]), unitBase, totalUnits]);
      const params = owned.add(uniformFrom(gpu, u.buffer, 'quantize-general params'));
      const entries = [[0, wBuf], [1, stats], [2, dec], [3, codes], [4, params], [5, tables]] as const;
      [statsPipe, decidePipe, encodePipe].forEach((pipeline, i) => {
        const [gx, gy] = grids[i] as [number, number];
        (passes[i] as ComputeJob[]).push({ pipeline, bindGroup: bindGroup(gpu, pipeline, entries, 'quantize-general'), workgroups: [gx, gy, 1], label: `quantize-general ${i}` });
      });
      chunks.push({ rowStart, rows: n, dec, codes });
    }
    const t = await submitJobs(gpu, 'quantize-general', passes.flat());
    const groups = rows * groupsPerRow;
    const scaleBits = new Uint32Array(groups);
    const zeros = sc.scaleRule === 'minmax' ? new Uint8Array(groups) : undefined;
    const ids = plan.encoders.length > 1 ? new Uint8Array(groups) : undefined;
    const codeWords = new Uint32Array(rows * wordsPerRow);
    for (const ch of chunks) {
      const d = new Uint32Array(await readBytes(gpu, ch.dec, ch.rows * groupsPerRow * DEC_WORDS * WORD_BYTES));
      const g0 = ch.rowStart * groupsPerRow;
      for (let g = 0; g < ch.rows * groupsPerRow; g++) {
        scaleBits[g0 + g] = d[g * DEC_WORDS + DEC_SCALE] as number;
        if (zeros) zeros[g0 + g] = d[g * DEC_WORDS + DEC_ZERO] as number;
        if (ids) ids[g0 + g] = d[g * DEC_WORDS + DEC_ID] as number;
      }
      codeWords.set(new Uint32Array(await readBytes(gpu, ch.codes, ch.rows * wordsPerRow * WORD_BYTES)), ch.rowStart * wordsPerRow);
    }
    if (scaleBits.some((b) => (b & F32_ABS_BITS) === F32_INF_BITS)) {
      // An f16 scale overflow: the CPU quantize raises the reference's error for it.
      quantize(w, rows, cols, scheme, opts);
      throw new Error(`quantizeGpu (${scheme}): a scale overflowed on the GPU but not on the CPU (internal error)`);
    }
    let tensorScale = 1;
    if (spec.rule === 'nvfp4') {
      const amaxBits = new Uint32Array(await readBytes(gpu, stats, (totalUnits * STAT_WORDS + 1) * WORD_BYTES))[totalUnits * STAT_WORDS] as number;
      tensorScale = nvfp4TensorScale(new Float32Array(new Uint32Array([amaxBits]).buffer)[0] as number);
    }
    const qt: QuantizedTensor = {
      scheme,
      rows,
      cols,
      bits,
      groupSize: layout.groupSize,
      granularity: layout.granularity,
      codes: codeWords,
      wordsPerRow,
      elementTypes: sc.elementTypes.slice(),
      ...(ids ? { dtypeIds: ids } : {}),
      idBits: idBitsFor(plan.encoders.length),
      scales: new Float32Array(scaleBits.buffer),
      scaleDType: spec.scaleDType,
      ...(zeros ? { zeros } : {}),
      tensorScale,
      hasTensorScale: spec.rule === 'nvfp4',
    };
    return { qt, variant: 'quantize-general', gpuMs: t.ms, timer: t.timer };
  } finally {
    owned.destroy();
  }
}
