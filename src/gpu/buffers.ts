/** Small buffer helpers: upload typed arrays, read results back, check binding limits. */
import type { LowbitGpu } from './device.js';

/** Typed arrays lowbit moves to and from the GPU. */
export type GpuData = Float32Array | Uint32Array | Int32Array | Uint8Array;

/** Thrown when a buffer would exceed a device limit; the message names the limit and how to raise it. */
export class GpuLimitError extends Error {
  override readonly name = 'GpuLimitError';
}

/** Rounds a byte size up to the 4-byte multiple WebGPU buffers need (and at least 4). */
export function alignedSize(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

/** Checks that a storage binding of `bytes` fits the device; `what` names the tensor in the error. */
export function checkBindingSize(gpu: LowbitGpu, bytes: number, what: string): void {
  const limit = gpu.limits.maxStorageBufferBindingSize;
  if (bytes > limit) {
    throw new GpuLimitError(
      `${what} needs a ${bytes}-byte storage binding but this device allows ${limit} bytes ` +
        `(maxStorageBufferBindingSize; the adapter's maximum was already requested). Use a smaller shape, ` +
        `a lower-bit scheme, or a GPU with a larger limit.`,
    );
  }
}

/** Creates a storage buffer holding `data` (padded to 4 bytes). */
export function uploadStorage(gpu: LowbitGpu, data: GpuData, label: string, extraUsage = 0): GPUBuffer {
  checkBindingSize(gpu, data.byteLength, label);
  const buffer = gpu.device.createBuffer({
    label,
    size: alignedSize(data.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** Creates an uninitialised (zeroed) storage buffer of `bytes` bytes. */
export function createStorage(gpu: LowbitGpu, bytes: number, label: string): GPUBuffer {
  checkBindingSize(gpu, bytes, label);
  return gpu.device.createBuffer({
    label,
    size: alignedSize(bytes),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
}

/** Creates a uniform buffer from 32-bit words (padded to 16 bytes as uniform structs need). */
export function uploadUniform(gpu: LowbitGpu, words: Uint32Array | Float32Array, label: string): GPUBuffer {
  const size = Math.max(16, Math.ceil(words.byteLength / 16) * 16);
  const buffer = gpu.device.createBuffer({ label, size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  buffer.unmap();
  return buffer;
}

/** Copies `bytes` bytes of `source` to the CPU and returns them. */
export async function readBytes(gpu: LowbitGpu, source: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const size = alignedSize(bytes);
  const staging = gpu.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = gpu.device.createCommandEncoder({ label: 'readback' });
    encoder.copyBufferToBuffer(source, 0, staging, 0, size);
    gpu.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange().slice(0, bytes);
  } finally {
    staging.destroy();
  }
}

/** Reads `count` f32 values from `source`. */
export async function readF32(gpu: LowbitGpu, source: GPUBuffer, count: number): Promise<Float32Array> {
  return new Float32Array(await readBytes(gpu, source, count * 4));
}

/** Reads `count` u32 values from `source`. */
export async function readU32(gpu: LowbitGpu, source: GPUBuffer, count: number): Promise<Uint32Array> {
  return new Uint32Array(await readBytes(gpu, source, count * 4));
}

/**
 * Splits a 1-D dispatch of `groups` workgroups into (x, y) within maxComputeWorkgroupsPerDimension;
 * shaders recover the linear index as y * x_count + x.
 */
export function dispatch2d(gpu: LowbitGpu, groups: number): [number, number] {
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= max) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / max);
  if (y > max) throw new GpuLimitError(`dispatch of ${groups} workgroups exceeds ${max}^2 (maxComputeWorkgroupsPerDimension)`);
  return [max, y];
}
