/**
 * What the suites share during a run: the preset, seeded weights and activations per layer,
 * quantized tensors and oracle results cached across suites (quantizing a 4096 x 4096 mixture
 * takes seconds), copy baselines cached by byte count, the rows collected so far, and progress.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { AnySchemeName } from '../quant/schemes.js';
import type { LowbitGpu } from '../gpu/device.js';
import { matmulRefDense, type RefResult } from '../cpu/matmul-ref.js';
import { seededRandn } from '../io/random.js';
import { dequantize, quantize } from '../quant/quantize.js';
import type { PairedRatio } from './paired.js';
import type { Layer, Preset } from './shapes.js';
import type { BenchRow } from './types.js';

/** Seeds: weights by layer, activations by (layer, M), so every suite sees the same data. */
const WEIGHT_SEED = 0x10b17;
const ACT_SEED = 0xac7;
/** Weights ~ N(0, 0.02^2), activations ~ N(0, 1): LLM-like magnitudes. */
const WEIGHT_STD = 0.02;

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** The run's shared state. */
export class BenchContext {
  readonly rows: BenchRow[] = [];
  readonly files: string[] = [];
  private readonly weights = new Map<string, Float32Array>();
  private readonly acts = new Map<string, Float32Array>();
  private readonly qts = new Map<string, QuantizedTensor>();
  private readonly dequantized = new Map<string, Float32Array>();
  private readonly refs = new Map<string, RefResult>();
  /** Memo of copy measurements by (device, bytes). */
  readonly copyCache = new Map<string, number>();
  /** The cpu suite's paired measurements of the WebAssembly target ratios (paired.ts). */
  readonly pairs: PairedRatio[] = [];

  constructor(
    readonly preset: Preset,
    /** The GPU, or the reason there is none. */
    readonly gpu: LowbitGpu | { readonly unavailable: string },
    /** Output folder; benny charts go to its charts/ subfolder when `charts` is set. */
    readonly outDir: string | undefined,
    readonly charts: boolean,
    private readonly progressSink: (line: string) => void,
  ) {}

  /** A progress line (stderr). */
  progress(line: string): void {
    this.progressSink(line);
  }

  /** W [N, K] of a layer. */
  weightsOf(layer: Layer): Float32Array {
    let w = this.weights.get(layer.name);
    if (!w) {
      w = seededRandn(layer.n * layer.k, (WEIGHT_SEED ^ hash(layer.name)) >>> 0, WEIGHT_STD);
      this.weights.set(layer.name, w);
    }
    return w;
  }

  /** X [M, K] of a layer. */
  activationsOf(layer: Layer, m: number): Float32Array {
    const key = `${layer.name}|${m}`;
    let x = this.acts.get(key);
    if (!x) {
      x = seededRandn(m * layer.k, (ACT_SEED ^ hash(key)) >>> 0);
      this.acts.set(key, x);
    }
    return x;
  }

  /** The quantized weight of a layer (group: the scheme's default unless given). */
  quantized(layer: Layer, scheme: AnySchemeName, group?: number): QuantizedTensor {
    const key = `${layer.name}|${scheme}|${group ?? 'default'}`;
    let qt = this.qts.get(key);
    if (!qt) {
      qt = quantize(this.weightsOf(layer), layer.n, layer.k, scheme, group === undefined ? {} : { group });
      this.qts.set(key, qt);
    }
    return qt;
  }

  /** The CPU-dequantized weight of a quantized tensor from {@link quantized}. */
  dequantizedOf(qt: QuantizedTensor, layer: Layer): Float32Array {
    const key = `${layer.name}|${qt.scheme}|${qt.groupSize}`;
    let w = this.dequantized.get(key);
    if (!w) {
      w = dequantize(qt);
      this.dequantized.set(key, w);
    }
    return w;
  }

  /** lowbit's f64 oracle for X [M, K] of the layer and `qt`. */
  oracle(qt: QuantizedTensor, layer: Layer, m: number): RefResult {
    const key = `${layer.name}|${qt.scheme}|${qt.groupSize}|${m}`;
    let r = this.refs.get(key);
    if (!r) {
      r = matmulRefDense(this.activationsOf(layer, m), this.dequantizedOf(qt, layer), m, qt.rows, qt.cols);
      this.refs.set(key, r);
    }
    return r;
  }

  /** Drops the cached data of a layer (the llm preset's layers are large). */
  release(layer: Layer): void {
    const drop = <T>(map: Map<string, T>) => {
      for (const key of [...map.keys()]) if (key === layer.name || key.startsWith(`${layer.name}|`)) map.delete(key);
    };
    drop(this.weights);
    drop(this.acts);
    drop(this.qts);
    drop(this.dequantized);
    drop(this.refs);
  }
}

/** True when the context has a GPU. */
export function hasGpu(gpu: BenchContext['gpu']): gpu is LowbitGpu {
  return !('unavailable' in gpu);
}
