/**
 * One way to get a GPUDevice, in a browser (navigator.gpu) and in Node (the `webgpu` package,
 * Dawn). Optional features are requested only when the adapter has them, limits are raised only
 * as far as the adapter allows, and what was obtained is recorded on the returned handle so every
 * result can say which adapter and which capabilities produced it.
 */

/** Optional capabilities kernel variants may use; every variant has a plain f32 fallback. */
export interface GpuCapabilities {
  /** 'subgroups' feature: subgroupAdd and friends in compute shaders. */
  readonly subgroups: boolean;
  /** 'shader-f16' feature: f16 arithmetic in WGSL. */
  readonly shaderF16: boolean;
  /** 'timestamp-query' feature: GPU-side kernel timing. */
  readonly timestampQuery: boolean;
  /** WGSL language feature packed_4x8_integer_dot_product (dot4I8Packed / dot4U8Packed). */
  readonly packed4x8IntegerDotProduct: boolean;
}

/** What the adapter says about itself, plus how lowbit reached it. */
export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for software or fallback adapters (SwiftShader, WARP, llvmpipe). */
  readonly software: boolean;
  /** 'browser' (navigator.gpu) or 'node-dawn' (the `webgpu` package). */
  readonly runtime: 'browser' | 'node-dawn';
  /** How the adapter was found, e.g. 'default' or 'swiftshader via VK_ICD_FILENAMES=...'. */
  readonly via: string;
}

/** The device plus everything lowbit learned while acquiring it. */
export interface LowbitGpu {
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  readonly capabilities: GpuCapabilities;
  readonly limits: {
    readonly maxStorageBufferBindingSize: number;
    readonly maxBufferSize: number;
    readonly maxComputeWorkgroupStorageSize: number;
    readonly maxComputeInvocationsPerWorkgroup: number;
    readonly maxComputeWorkgroupSizeX: number;
    readonly maxComputeWorkgroupsPerDimension: number;
    readonly maxStorageBuffersPerShaderStage: number;
  };
  /**
   * The GPU entry point the device came from. Held so Dawn's instance outlives the device: in
   * Node, a garbage-collected instance takes its devices' pending work down with it.
   */
  readonly gpu: GPU;
  /** A one-line human summary: adapter, runtime and capabilities. */
  describe(): string;
  /** Destroys the device. Safe to call twice. In Node, call it before the process exits. */
  destroy(): void;
}

/** Options for {@link acquireGpu}. */
export interface AcquireOptions {
  readonly powerPreference?: GPUPowerPreference;
  /** Ask for these optional capabilities when present (default: all of them). */
  readonly want?: Partial<Record<keyof GpuCapabilities, boolean>>;
}

/** Thrown when no WebGPU adapter can be found; the message says what to install. */
export class NoAdapterError extends Error {
  override readonly name = 'NoAdapterError';
}

/** Limits lowbit raises to the adapter's maximum (large weight matrices need big bindings). */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
] as const;

/** A GPU entry point plus how it was obtained (the Node side may have had to find a software driver). */
export interface GpuEntry {
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly runtime: AdapterDescription['runtime'];
  readonly via: string;
}

function isBrowserLike(): boolean {
  return typeof navigator !== 'undefined' && typeof (navigator as Navigator).gpu !== 'undefined';
}

async function findEntry(powerPreference: GPUPowerPreference | undefined): Promise<GpuEntry> {
  if (isBrowserLike()) {
    const gpu = navigator.gpu;
    const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : undefined);
    if (!adapter) {
      throw new NoAdapterError(
        'navigator.gpu is present but requestAdapter() returned null: WebGPU is disabled or no ' +
          'adapter is available. Enable WebGPU (chrome://flags/#enable-unsafe-webgpu, or start ' +
          'Chromium with --enable-unsafe-webgpu) or use a browser/GPU that supports it.',
      );
    }
    return { gpu, adapter, runtime: 'browser', via: 'navigator.gpu' };
  }
  if (typeof process !== 'undefined' && process.versions?.node) {
    // Kept out of the browser bundle: the specifier is not a literal Vite could follow.
    const nodeModule = './node-gpu.js';
    const { findNodeEntry } = (await import(/* @vite-ignore */ nodeModule)) as typeof import('./node-gpu.js');
    return findNodeEntry(powerPreference);
  }
  throw new NoAdapterError(
    'WebGPU is not available here: navigator.gpu is undefined. Use a browser with WebGPU ' +
      '(Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu), or run in Node with the `webgpu` package.',
  );
}

/**
 * Returns a GPUDevice wrapped with what lowbit knows about it.
 *
 * Node: tries the default Vulkan drivers first; without a hardware adapter it looks for the
 * SwiftShader driver shipped by Debian's chromium package and says so in `adapter.via`.
 * @throws NoAdapterError with installation advice when no adapter exists.
 */
export async function acquireGpu(options: AcquireOptions = {}): Promise<LowbitGpu> {
  const entry = await findEntry(options.powerPreference);
  const { adapter } = entry;
  const want = { subgroups: true, shaderF16: true, timestampQuery: true, ...options.want };
  const requiredFeatures: GPUFeatureName[] = [];
  const maybe = (flag: boolean, name: GPUFeatureName): boolean => {
    const ok = flag && adapter.features.has(name);
    if (ok) requiredFeatures.push(name);
    return ok;
  };
  const subgroups = maybe(want.subgroups, 'subgroups');
  const shaderF16 = maybe(want.shaderF16, 'shader-f16');
  const timestampQuery = maybe(want.timestampQuery, 'timestamp-query');
  const packed4x8IntegerDotProduct =
    (want.packed4x8IntegerDotProduct ?? true) && entry.gpu.wgslLanguageFeatures.has('packed_4x8_integer_dot_product');

  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];

  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const info = adapter.info;
  const description: AdapterDescription = {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software:
      info.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(
        `${info.vendor} ${info.architecture} ${info.device} ${info.description}`,
      ),
    runtime: entry.runtime,
    via: entry.via,
  };
  const capabilities: GpuCapabilities = { subgroups, shaderF16, timestampQuery, packed4x8IntegerDotProduct };
  const l = device.limits;
  let destroyed = false;
  return {
    device,
    gpu: entry.gpu,
    adapter: description,
    capabilities,
    limits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
    describe() {
      const name = [description.vendor, description.architecture, description.description].filter(Boolean).join(' / ');
      const caps = Object.entries(capabilities)
        .filter(([, on]) => on)
        .map(([k]) => k)
        .join(', ');
      return `${name || 'unknown adapter'} (${description.software ? 'software' : 'hardware'}, ${description.runtime}, ${description.via}); features: ${caps || 'none'}`;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      device.destroy();
    },
  };
}
