/**
 * Node-only: a WebGPU entry point from the `webgpu` package (Dawn). Never imported by browser
 * code (device.ts loads it lazily). Without a hardware adapter, Dawn's Vulkan backend is pointed
 * at a software driver: SwiftShader from Debian's chromium package, or the ICD file named in
 * LOWBIT_VK_ICD.
 */
import { existsSync } from 'node:fs';
import { NoAdapterError, type GpuEntry } from './device.js';

/** Vulkan ICD manifests of SwiftShader builds lowbit knows where to find. */
export const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
] as const;

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | undefined;

/**
 * Every Dawn instance created here stays referenced for the life of the process: when one is
 * garbage-collected, pending work of its devices (async pipeline creation, mapAsync) never
 * completes and the process can abort.
 */
const instances: GPU[] = [];

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (err) {
    throw new NoAdapterError(
      `The 'webgpu' package (Dawn for Node) could not be loaded: ${(err as Error).message}. Run 'npm ci' in the lowbit checkout.`,
    );
  }
  // GPUBufferUsage, GPUShaderStage, GPUMapMode ... as in a browser.
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  return dawn;
}

async function tryAdapter(
  mod: DawnModule,
  powerPreference: GPUPowerPreference | undefined,
): Promise<{ gpu: GPU; adapter: GPUAdapter } | null> {
  const gpu = mod.create([]);
  instances.push(gpu);
  const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : undefined);
  return adapter ? { gpu, adapter } : null;
}

/** Finds an adapter in Node: the system's Vulkan drivers first, then a software one. */
export async function findNodeEntry(powerPreference: GPUPowerPreference | undefined): Promise<GpuEntry> {
  const mod = await loadDawn();
  const explicit = process.env.LOWBIT_VK_ICD;
  if (!explicit) {
    const found = await tryAdapter(mod, powerPreference);
    if (found) {
      const via = process.env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : 'default drivers';
      return { ...found, runtime: 'node-dawn', via };
    }
  }
  const candidates = explicit ? [explicit] : SWIFTSHADER_ICDS.filter((p) => existsSync(p));
  for (const icd of candidates) {
    // The Vulkan loader reads this when Dawn creates its instance, so a fresh instance sees it.
    process.env.VK_ICD_FILENAMES = icd;
    const found = await tryAdapter(mod, powerPreference);
    if (found) return { ...found, runtime: 'node-dawn', via: `software Vulkan driver ${icd}` };
  }
  const tried = explicit ? `LOWBIT_VK_ICD=${explicit}` : `the default drivers and ${SWIFTSHADER_ICDS.join(', ')}`;
  throw new NoAdapterError(
    `No WebGPU adapter found (tried ${tried}). Install a Vulkan driver for your GPU, or the ` +
      `software one: on Debian/Ubuntu 'apt-get install chromium libvulkan1' (SwiftShader ships with ` +
      `chromium), or point LOWBIT_VK_ICD at a Vulkan ICD json file.`,
  );
}
