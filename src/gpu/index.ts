/// <reference types="@webgpu/types" preserve="true" />
/**
 * `lowbit/gpu`: WebGPU device acquisition (navigator.gpu in browsers; in Node the `webgpu`
 * package, Dawn, with a software adapter found by itself when there is no GPU), the GPU kernel
 * variants, GPU quantize / dequantize, and the verification matrix against the CPU oracle.
 */
export { acquireGpu, NoAdapterError, type AcquireOptions, type AdapterDescription, type GpuCapabilities, type LowbitGpu } from './device.js';
export { GpuLimitError } from './buffers.js';
export { uploadQuantizedTensor, type GpuQuantizedTensor, type UploadOptions } from './gpu-tensor.js';
export {
  GPU_KERNEL_VARIANTS,
  GPU_VARIANT_NAMES,
  isGpuVariantName,
  type GpuVariantName,
  dequantizeGpu,
  getGpuKernelVariant,
  gpuKernelBound,
  prepareGpuKernel,
  runGpuKernel,
  variantAvailable,
  type GpuDequantizeResult,
  type GpuKernelResult,
  type GpuKernelVariant,
  type KernelFamily,
  type PreparedGpuKernel,
} from './kernels.js';
export { gpuQuantizeSupports, quantizeGpu, type GpuQuantizeOptions, type GpuQuantizeResult } from './quantize-gpu.js';
export { verifyMatrix, type VerifyOptions, type VerifyRow } from './verify.js';
export { measureCopyBandwidth, type CopyBandwidth, type CopyOptions } from './copy-bandwidth.js';
export { f32GemvGpu } from './f32-gemv.js';
export type { TimerKind } from './timing.js';
