/** Where a run happened: CPU, cores, memory, Node/Chromium/lowbit/onnxruntime versions, the adapter, the load. */
import { wasmSimdStatus } from '../cpu/wasm-module.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { LowbitGpu } from '../gpu/device.js';
import { ortVersion } from './ort-peer.js';
import type { AdapterInfo, BenchEnvironment } from './types.js';

const BYTES_PER_GIB = 2 ** 30;
/** Chromium lowbit's browser tests use (LOWBIT_CHROMIUM overrides, as in vitest.config.ts). */
const CHROMIUM = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** lowbit's version from its package.json (two levels above src/bench and dist/bench). */
export function lowbitVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    return `not found at ${CHROMIUM}`;
  }
}

/** The adapter record of a run. */
export function adapterInfo(gpu: LowbitGpu | { readonly unavailable: string }): AdapterInfo {
  if ('unavailable' in gpu) {
    return { available: false, description: 'none', vendor: '', architecture: '', software: false, via: '', timer: 'none', features: [], reason: gpu.unavailable };
  }
  const a = gpu.adapter;
  const features = Object.entries(gpu.capabilities)
    .filter(([, on]) => on)
    .map(([name]) => name);
  return {
    available: true,
    description: [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter',
    vendor: a.vendor,
    architecture: a.architecture,
    software: a.software,
    via: a.via,
    timer: gpu.capabilities.timestampQuery ? 'timestamp-query' : 'wall',
    features,
  };
}

/** The WebAssembly kernels' SIMD level and why. */
function simdLine(): string {
  const { simd, reason } = wasmSimdStatus();
  return `${simd} SIMD (${reason})`;
}

/** Everything but the end load, taken at the start of a run. */
export function describeEnvironment(gpu: LowbitGpu | { readonly unavailable: string }, date: Date): Omit<BenchEnvironment, 'loadAvgEnd'> {
  const list = cpus();
  return {
    date: date.toISOString(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCores: list.length,
    memoryGiB: Math.round((totalmem() / BYTES_PER_GIB) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    chromium: chromiumVersion(),
    lowbit: lowbitVersion(),
    onnxruntime: ortVersion(),
    webgpuPackage: packageVersion('webgpu'),
    benny: packageVersion('benny'),
    wasmSimd: simdLine(),
    adapter: adapterInfo(gpu),
    loadAvgStart: loadavg()[0] ?? 0,
  };
}
