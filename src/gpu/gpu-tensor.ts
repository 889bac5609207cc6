/**
 * GpuQuantizedTensor: a QuantizedTensor uploaded once (codes, scales, zero points, datatype ids)
 * so benchmarks time only the kernels. Weights whose buffers exceed maxStorageBufferBindingSize
 * are split by rows into chunks, each with its own buffers; kernels run once per chunk and write
 * their slice of the output (KernelParams.row_offset).
 *
 * Zero points and datatype ids are bytes packed four to a u32 word, LSB first (group g is byte
 * g & 3 of word g >> 2), matching group_zero / group_type in the prelude.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { toBitPlanes } from '../format/bitplanes.js';
import { lutSupport } from '../cpu/lut.js';
import type { LowbitGpu } from './device.js';
import { GpuLimitError, alignedSize, uploadStorage } from './buffers.js';

/** One row range of the weight with its buffers. */
export interface GpuTensorChunk {
  /** First row (output channel) of the chunk. */
  readonly rowStart: number;
  readonly rows: number;
  readonly codes: GPUBuffer;
  readonly scales: GPUBuffer;
  /** Packed zero points, or a 4-byte placeholder when the tensor has none. */
  readonly zeros: GPUBuffer;
  /** Packed datatype ids, or a 4-byte placeholder when the tensor has none. */
  readonly ids: GPUBuffer;
  /** Bit planes (src/format/bitplanes.ts layout) for the LUT kernels, when uploaded. */
  readonly planes?: GPUBuffer;
}

/** A QuantizedTensor resident on the GPU. Call destroy() when done. */
export interface GpuQuantizedTensor {
  /** The tensor it came from (metadata and CPU data stay available for checks). */
  readonly qt: QuantizedTensor;
  readonly chunks: readonly GpuTensorChunk[];
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

/** Words of one row's bit planes: bits planes of ceil(K / 32) words. */
function planeWordsPerRow(qt: QuantizedTensor): number {
  return qt.bits * Math.ceil(qt.cols / 32);
}

function packBytes(src: Uint8Array, from: number, count: number): Uint32Array {
  const out = new Uint32Array(Math.max(1, Math.ceil(count / 4)));
  new Uint8Array(out.buffer).set(src.subarray(from, from + count));
  return out;
}

/** Rows per chunk so that every buffer of a chunk fits `limit` bytes. */
export function rowsPerChunk(qt: QuantizedTensor, limit: number): number {
  const groupsPerRow = qt.cols / qt.groupSize;
  const perRow = Math.max(qt.wordsPerRow * 4, groupsPerRow * 4, planeWordsPerRow(qt) * 4);
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
  const perChunk = rowsPerChunk(qt, limit);
  const wantPlanes = opts.planes ?? lutSupport(qt) === true;
  const planes = wantPlanes ? toBitPlanes(qt).planes : undefined;
  const ppr = planeWordsPerRow(qt);
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
      chunks.push({
        rowStart: r0,
        rows,
        codes: make(qt.codes.subarray(r0 * qt.wordsPerRow, (r0 + rows) * qt.wordsPerRow), `codes ${tag}`),
        scales: make(qt.scales.subarray(g0, g0 + gn), `scales ${tag}`),
        zeros: make(qt.zeros ? packBytes(qt.zeros, g0, gn) : new Uint32Array(1), `zeros ${tag}`),
        ids: make(qt.dtypeIds ? packBytes(qt.dtypeIds, g0, gn) : new Uint32Array(1), `ids ${tag}`),
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
    bytes,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const b of created) b.destroy();
    },
  };
}
