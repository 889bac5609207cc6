/**
 * Node-only: a WebGPU entry point from the `webgpu` package (Dawn). Never imported by browser
 * code (device.ts loads it lazily). Without a hardware adapter, Dawn's Vulkan backend is pointed
 * at a software driver: SwiftShader from Debian's chromium package, or the ICD file named in
 * LOWBIT_VK_ICD.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
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

/**
 * Folders where the Linux Vulkan loader looks for driver manifests (ICD json files) when
 * VK_ICD_FILENAMES / VK_DRIVER_FILES are unset: $XDG_CONFIG_DIRS, /etc, $XDG_DATA_DIRS,
 * ~/.local/share, each + /vulkan/icd.d (the loader's documented search order).
 */
export function vulkanIcdFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const home = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return [...config, '/usr/local/etc', '/etc', ...data, home].filter(Boolean).map((d) => join(d, 'vulkan', 'icd.d'));
}

/**
 * True when the system's Vulkan loader has a driver to try: an explicit VK_ICD_FILENAMES /
 * VK_DRIVER_FILES, a manifest in one of its folders, or a platform whose loader lowbit does not
 * second-guess (Windows, macOS). Without one, Dawn's probe can only fail, and it prints native
 * "vkCreateInstance: Found no drivers!" warnings while doing so; lowbit then skips it.
 */
export function systemVulkanDriverPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return true;
  return vulkanIcdFolders(env).some((dir) => {
    try {
      return readdirSync(dir).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/** Finds an adapter in Node: the system's Vulkan drivers first, then a software one. */
export async function findNodeEntry(powerPreference: GPUPowerPreference | undefined): Promise<GpuEntry> {
  const mod = await loadDawn();
  const explicit = process.env.LOWBIT_VK_ICD;
  // Set when the system's drivers were tried and gave nothing: Dawn then printed why (natively,
  // to stderr), and the adapter lowbit settles on says so once, in its `via`.
  let systemFailed = '';
  if (!explicit && systemVulkanDriverPresent()) {
    const found = await tryAdapter(mod, powerPreference);
    if (found) {
      const via = process.env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : 'default drivers';
      return { ...found, runtime: 'node-dawn', via };
    }
    systemFailed = " (the system's Vulkan drivers gave no adapter; the Vulkan/Dawn warnings above, if any, say why)";
  }
  const candidates = explicit ? [explicit] : SWIFTSHADER_ICDS.filter((p) => existsSync(p));
  for (const icd of candidates) {
    // The Vulkan loader reads this when Dawn creates its instance, so a fresh instance sees it.
    process.env.VK_ICD_FILENAMES = icd;
    const found = await tryAdapter(mod, powerPreference);
    if (found) return { ...found, runtime: 'node-dawn', via: `software Vulkan driver ${icd}${systemFailed}` };
  }
  const tried = explicit ? `LOWBIT_VK_ICD=${explicit}` : `the default drivers and ${SWIFTSHADER_ICDS.join(', ')}`;
  throw new NoAdapterError(
    `No WebGPU adapter found (tried ${tried}). Install a Vulkan driver for your GPU, or the ` +
      `software one: on Debian/Ubuntu 'apt-get install chromium libvulkan1' (SwiftShader ships with ` +
      `chromium), or point LOWBIT_VK_ICD at a Vulkan ICD json file.`,
  );
}
