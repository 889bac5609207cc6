/**
 * GpuQuantizedTensor: a QuantizedTensor uploaded once (codes, scales, zero points, datatype ids,
 * per-group offsets) so benchmarks time only the kernels. Weights whose buffers exceed maxStorageBufferBindingSize
 * are split by rows into chunks, each with its own buffers; kernels run once per chunk and write
 * their slice of the output (KernelParams.row_offset).
 *
 * Zero points and datatype ids are bytes packed four to a u32 word, LSB first (group g is byte
 * g & 3 of word g >> 2), matching group_zero / group_type in the prelude.
 *
 * Besides the QuantizedTensor's own code stream (read by the bit-exact dequantize kernel), each
 * chunk holds the prepared forms the GEMV / GEMM kernels read one vec4<u32> block at a time
 * (src/wgsl/block-prelude.ts): the codes in the slot layout (for 1-, 2-, 4- and 8-bit codes
 * whose rows are whole blocks this is the same buffer, nothing is copied) and, for LUT-able
 * tensors, the bit planes with each plane row padded to whole vec4s. Both are built once here,
 * the way T-MAC re-lays out weights at load; the QuantizedTensor's layout does not change.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { toBitPlanes } from '../format/bitplanes.js';
import { unpackCodes } from '../format/pack.js';
import { lutSupport } from '../cpu/lut.js';
import { blockLayout, planeBlockLayout, type BlockLayout } from '../wgsl/block-prelude.js';
import type { LowbitGpu } from './device.js';
import { GpuLimitError, alignedSize, uploadStorage } from './buffers.js';

/** One row range of the weight with its buffers. */
export interface GpuTensorChunk {
  /** First row (output channel) of the chunk. */
  readonly rowStart: number;
  readonly rows: number;
  readonly codes: GPUBuffer;
  /** Codes in the slot layout of {@link GpuQuantizedTensor.layout} (may be `codes` itself). */
  readonly slots: GPUBuffer;
  readonly scales: GPUBuffer;
  /** Packed zero points, or a 4-byte placeholder when the tensor has none. */
  readonly zeros: GPUBuffer;
  /** Packed datatype ids, or a 4-byte placeholder when the tensor has none. */
  readonly ids: GPUBuffer;
  /** Per-group f32 offsets (ggml's Q4_1/Q5_1 and k-quants), or a 4-byte placeholder when the tensor has none. */
  readonly offsets: GPUBuffer;
  /** Bit planes (src/format/bitplanes.ts layout, plane rows padded to whole vec4s) for the LUT kernels, when uploaded. */
  readonly planes?: GPUBuffer;
}

/** A QuantizedTensor resident on the GPU. Call destroy() when done. */
export interface GpuQuantizedTensor {
  /** The tensor it came from (metadata and CPU data stay available for checks). */
  readonly qt: QuantizedTensor;
  readonly chunks: readonly GpuTensorChunk[];
  /** Block layout of the slot codes (GEMV / GEMM kernels). */
  readonly layout: BlockLayout;
  /** Block layout of the padded bit planes (LUT kernels). */
  readonly planeLayout: BlockLayout;
  /** Total bytes uploaded. */
  readonly bytes: number;
  destroy(): void;
}

/** Options of {@link uploadQuantizedTensor}. */
export interface UploadOptions {
  /** Largest binding to use (default: the device's maxStorageBufferBindingSize). Tests lower it to force splits. */
  readonly maxBindingBytes?: number;
  /** Also upload bit planes for the LUT kernels (default: when the LUT kernels support the tensor). */
  readonly planes?: boolean;
}

/** Words of one row's padded bit planes: bits planes of whole vec4 blocks. */
function planeWordsPerRow(qt: QuantizedTensor): number {
  return qt.bits * planeBlockLayout(qt.cols, qt.groupSize).wordsPerRow;
}

/**
 * The codes of `qt` in the slot layout of `layout` (src/wgsl/block-prelude.ts): code k of row r in
 * bits [S (k % cpw), S (k % cpw) + bits) of word r * wordsPerRow + floor(k / cpw), S the slot
 * width, cpw = 32 / S; pad words and bits zero. Returns `qt.codes` itself when that already is
 * the layout (slot = code width and rows of whole blocks).
 */
export function slotCodes(qt: QuantizedTensor, layout: BlockLayout): Uint32Array {
  if (layout.slotBits === qt.bits && layout.wordsPerRow === qt.wordsPerRow) return qt.codes;
  const codes = unpackCodes(qt.codes, qt.rows, qt.cols, qt.bits);
  const out = new Uint32Array(qt.rows * layout.wordsPerRow);
  const cpw = layout.codesPerWord;
  for (let r = 0; r < qt.rows; r++) {
    const base = r * layout.wordsPerRow;
    for (let k = 0; k < qt.cols; k++) {
      const wi = base + Math.floor(k / cpw);
      out[wi] = ((out[wi] as number) | ((codes[r * qt.cols + k] as number) << (layout.slotBits * (k % cpw)))) >>> 0;
    }
  }
  return out;
}

/** Bit planes with each plane row padded from ceil(K / 32) words to the plane layout's whole vec4s. */
function paddedPlanes(qt: QuantizedTensor, layout: BlockLayout): Uint32Array {
  const bp = toBitPlanes(qt);
  if (bp.wordsPerRow === layout.wordsPerRow) return bp.planes;
  const out = new Uint32Array(qt.rows * qt.bits * layout.wordsPerRow);
  for (let pr = 0; pr < qt.rows * qt.bits; pr++) out.set(bp.planes.subarray(pr * bp.wordsPerRow, (pr + 1) * bp.wordsPerRow), pr * layout.wordsPerRow);
  return out;
}

function packBytes(src: Uint8Array, from: number, count: number): Uint32Array {
  const out = new Uint32Array(Math.max(1, Math.ceil(count / 4)));
  new Uint8Array(out.buffer).set(src.subarray(from, from + count));
  return out;
}

/** Rows per chunk so that every buffer of a chunk fits `limit` bytes. */
export function rowsPerChunk(qt: QuantizedTensor, limit: number): number {
  const groupsPerRow = qt.cols / qt.groupSize;
  const slotWords = blockLayout(qt.bits, qt.cols, qt.groupSize).wordsPerRow;
  const perRow = Math.max(qt.wordsPerRow * 4, slotWords * 4, groupsPerRow * 4, planeWordsPerRow(qt) * 4);
  const rows = Math.floor(limit / perRow);
  if (rows < 1) {
    throw new GpuLimitError(
      `one row of ${qt.scheme} weights [${qt.rows}, ${qt.cols}] needs ${perRow} bytes, more than maxStorageBufferBindingSize = ${limit} bytes; ` +
        `raise the limit (requiredLimits.maxStorageBufferBindingSize) or use a smaller K`,
    );
  }
  return Math.min(rows, qt.rows);
}

/**
 * Uploads `qt`. Rows are split into chunks when a buffer would exceed the binding limit.
 * @throws GpuLimitError when a single row does not fit.
 */
export function uploadQuantizedTensor(gpu: LowbitGpu, qt: QuantizedTensor, opts: UploadOptions = {}): GpuQuantizedTensor {
  const limit = Math.min(opts.maxBindingBytes ?? Infinity, gpu.limits.maxStorageBufferBindingSize);
  if (qt.offsets && qt.offsets.length !== qt.scales.length) {
    throw new RangeError(`${qt.scheme}: ${qt.offsets.length} offsets for ${qt.scales.length} groups (one per group)`);
  }
  const perChunk = rowsPerChunk(qt, limit);
  const wantPlanes = opts.planes ?? lutSupport(qt) === true;
  const layout = blockLayout(qt.bits, qt.cols, qt.groupSize);
  const planeLayout = planeBlockLayout(qt.cols, qt.groupSize);
  const planes = wantPlanes ? paddedPlanes(qt, planeLayout) : undefined;
  const ppr = planeWordsPerRow(qt);
  const slots = slotCodes(qt, layout);
  const swpr = layout.wordsPerRow;
  const groupsPerRow = qt.cols / qt.groupSize;
  const chunks: GpuTensorChunk[] = [];
  const created: GPUBuffer[] = [];
  let bytes = 0;
  const make = (data: Uint32Array | Float32Array, label: string): GPUBuffer => {
    const b = uploadStorage(gpu, data, label);
    created.push(b);
    bytes += alignedSize(data.byteLength);
    return b;
  };
  try {
    for (let r0 = 0; r0 < qt.rows; r0 += perChunk) {
      const rows = Math.min(perChunk, qt.rows - r0);
      const g0 = r0 * groupsPerRow;
      const gn = rows * groupsPerRow;
      const tag = `${qt.scheme} rows ${r0}..${r0 + rows - 1}`;
      const codes = make(qt.codes.subarray(r0 * qt.wordsPerRow, (r0 + rows) * qt.wordsPerRow), `codes ${tag}`);
      chunks.push({
        rowStart: r0,
        rows,
        codes,
        slots: slots === qt.codes ? codes : make(slots.subarray(r0 * swpr, (r0 + rows) * swpr), `slot codes ${tag}`),
        scales: make(qt.scales.subarray(g0, g0 + gn), `scales ${tag}`),
        zeros: make(qt.zeros ? packBytes(qt.zeros, g0, gn) : new Uint32Array(1), `zeros ${tag}`),
        ids: make(qt.dtypeIds ? packBytes(qt.dtypeIds, g0, gn) : new Uint32Array(1), `ids ${tag}`),
        offsets: make(qt.offsets ? qt.offsets.subarray(g0, g0 + gn) : new Uint32Array(1), `offsets ${tag}`),
        ...(planes ? { planes: make(planes.subarray(r0 * ppr, (r0 + rows) * ppr), `bit planes ${tag}`) } : {}),
      });
    }
  } catch (err) {
    for (const b of created) b.destroy();
    throw err;
  }
  let destroyed = false;
  return {
    qt,
    chunks,
    layout,
    planeLayout,
    bytes,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const b of created) b.destroy();
    },
  };
}
