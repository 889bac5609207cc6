/**
 * Workgroup shapes of the weight kernels (the `override` constants of shaders/gemv-*.wgsl and
 * gemm-tiled.wgsl), per kernel family and shape, per device.
 *
 *   WG_SIZE  invocations per workgroup
 *   TPR      lanes per weight row (the K split; their partial sums are reduced)
 *   RPT      weight rows per lane (GEMV: activations loaded once per block serve RPT rows)
 *   TILE_M   activation rows per lane (tiled GEMM: weights decoded once per block serve TILE_M rows)
 *
 * Defaults come from measurement where this project could measure (SwiftShader, a CPU: one lane
 * per row, no reduction, wins by far because barriers and cross-lane sums cost more than they
 * save) and from the peers' published shapes where it could not (hardware GPUs: onnxruntime's M=1
 * MatMulNBits uses 128 invocations, 32 along K, 8 rows per workgroup). `lowbit bench --tune`
 * sweeps them on the device at hand and records the best per adapter; {@link setTuning} applies
 * such a record.
 */
import type { LowbitGpu } from './device.js';

/** Kernel families that share one generated block structure. */
export type TunedFamily = 'dequant' | 'lut' | 'bitserial' | 'f32';

/** Override constants of one weight kernel. */
export interface KernelTuning {
  readonly WG_SIZE: number;
  readonly TPR: number;
  /** GEMV: weight rows per lane. */
  readonly RPT?: number;
  /** Tiled GEMM: activation rows per lane. */
  readonly TILE_M?: number;
  /**
   * The f32 LUT kernels only: 1 = plane-pair tables at even bits (256 entries per 4-group, one
   * gather per two planes), 0 = the 16-entry tables (one gather per plane). Default 1.
   */
  readonly PAIRS?: number;
}

/** Largest RPT / TILE_M the drivers hold accumulators for (MAX_ACC in shaders/reduce-tree.wgsl). */
export const MAX_ACC = 8;

/** A tuning table: `${family}-${shape}` -> constants. */
export type TuningTable = Readonly<Record<string, KernelTuning>>;

/** Software adapters: one lane per row, 4 rows per lane (GEMV) or 8 activation rows (GEMM). */
const SOFTWARE: KernelTuning = { WG_SIZE: 64, TPR: 1, RPT: 4, TILE_M: 8 };
/** Hardware GPUs (not measured here): onnxruntime's M=1 shape, 128 invocations, 32 lanes per row, 2 rows per lane. */
const HARDWARE: KernelTuning = { WG_SIZE: 128, TPR: 32, RPT: 2, TILE_M: 8 };

/** The f32 LUT kernels' default table form: plane pairs (measured faster on SwiftShader; not yet on a hardware GPU). */
const DEFAULT_PAIRS = 1;

const overrides = new WeakMap<GPUDevice, TuningTable>();

/** The key of a (family, shape) pair in a tuning table. */
export function tuningKey(family: TunedFamily, shape: 'gemv' | 'gemm'): string {
  return `${family}-${shape}`;
}

/** Checks one entry against the drivers' preconditions and the device limits; returns the reason it is invalid. */
export function tuningProblem(gpu: LowbitGpu, t: KernelTuning): string | undefined {
  const pow2 = (v: number) => Number.isInteger(v) && v >= 1 && (v & (v - 1)) === 0;
  if (!pow2(t.WG_SIZE) || t.WG_SIZE > gpu.limits.maxComputeInvocationsPerWorkgroup || t.WG_SIZE > gpu.limits.maxComputeWorkgroupSizeX) {
    return `WG_SIZE ${t.WG_SIZE} must be a power of two within the device's workgroup limits`;
  }
  if (!pow2(t.TPR) || t.TPR > t.WG_SIZE) return `TPR ${t.TPR} must be a power of two <= WG_SIZE`;
  for (const [name, v] of [['RPT', t.RPT], ['TILE_M', t.TILE_M]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= MAX_ACC)) return `${name} ${v} must be an integer 1..${MAX_ACC}`;
  }
  if (t.PAIRS !== undefined && t.PAIRS !== 0 && t.PAIRS !== 1) return `PAIRS ${t.PAIRS} must be 0 or 1`;
  // reduce-tree.wgsl's workgroup array: WG_SIZE * MAX_ACC f32.
  if (t.WG_SIZE * MAX_ACC * 4 * 2 > gpu.limits.maxComputeWorkgroupStorageSize) return `WG_SIZE ${t.WG_SIZE} needs more workgroup memory than the device has`;
  return undefined;
}

/** The constants a (family, shape) kernel uses on `gpu`: a recorded tuning, else the default for its adapter kind. */
export function kernelTuning(gpu: LowbitGpu, family: TunedFamily, shape: 'gemv' | 'gemm'): KernelTuning {
  const base = gpu.adapter.software ? SOFTWARE : HARDWARE;
  const fit = (t: KernelTuning): KernelTuning => {
    // Keep within the device's workgroup limits.
    let wg = t.WG_SIZE;
    while (wg > 1 && tuningProblem(gpu, { ...t, WG_SIZE: wg, TPR: Math.min(t.TPR, wg) }) !== undefined) wg /= 2;
    return { ...t, WG_SIZE: wg, TPR: Math.min(t.TPR, wg) };
  };
  const own = overrides.get(gpu.device)?.[tuningKey(family, shape)];
  const t = fit(own ?? base);
  const shaped = shape === 'gemm' ? { WG_SIZE: t.WG_SIZE, TPR: t.TPR, TILE_M: t.TILE_M ?? base.TILE_M ?? 1 } : { WG_SIZE: t.WG_SIZE, TPR: t.TPR, RPT: t.RPT ?? base.RPT ?? 1 };
  return family === 'lut' ? { ...shaped, PAIRS: t.PAIRS ?? DEFAULT_PAIRS } : shaped;
}

/** Applies a tuning table to `gpu` (entries it lacks keep their defaults). @throws RangeError on an invalid entry. */
export function setTuning(gpu: LowbitGpu, table: TuningTable): void {
  for (const [key, t] of Object.entries(table)) {
    const why = tuningProblem(gpu, t);
    if (why) throw new RangeError(`tuning ${key}: ${why}`);
  }
  overrides.set(gpu.device, { ...(overrides.get(gpu.device) ?? {}), ...table });
}

/** Drops every recorded tuning of `gpu`. */
export function clearTuning(gpu: LowbitGpu): void {
  overrides.delete(gpu.device);
}

/** The tuning table in force on `gpu` for every (family, shape). */
export function tuningTable(gpu: LowbitGpu): Record<string, KernelTuning> {
  const out: Record<string, KernelTuning> = {};
  for (const f of ['dequant', 'lut', 'bitserial', 'f32'] as const) for (const s of ['gemv', 'gemm'] as const) out[tuningKey(f, s)] = kernelTuning(gpu, f, s);
  return out;
}
