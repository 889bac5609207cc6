/** What every page knows about the environment: whether WebGPU is usable here, and its adapter. */

/** The result of probing navigator.gpu once at start-up. */
export interface GpuProbe {
  readonly available: boolean;
  /** Adapter description, or why WebGPU is unavailable. */
  readonly text: string;
  readonly software: boolean;
}

/** Asks navigator.gpu for an adapter (no device); never throws. */
export async function probeGpu(): Promise<GpuProbe> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { available: false, text: 'this browser has no WebGPU (navigator.gpu is undefined)', software: false };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, text: 'WebGPU is present but no adapter is available (requestAdapter() returned null)', software: false };
    const i = adapter.info;
    const name = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / ') || 'unnamed adapter';
    const software = i.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(name);
    return { available: true, text: name, software };
  } catch (err) {
    return { available: false, text: `requestAdapter() failed: ${err instanceof Error ? err.message : String(err)}`, software: false };
  }
}

/** Shared state handed to each page. */
export interface AppEnv {
  readonly gpu: GpuProbe;
}
