/**
 * The shapes table (bench/shapes.json): named LLM layers W[N, K] and the presets that pick layers,
 * M values and schemes for each suite, validated here so a typo names the preset, suite and field.
 * No Node imports: the browser app uses this module too; shapes-file.ts reads the file in Node.
 */
import { isSchemeName, type AnySchemeName } from '../quant/schemes.js';
import type { TimingSettings } from './types.js';

/** One named layer. */
export interface Layer {
  readonly name: string;
  readonly n: number;
  readonly k: number;
  readonly source: string;
}

/** One suite entry of a preset: a layer, its M values (not for quantize) and the schemes to run. */
export interface SuiteCase {
  readonly layer: Layer;
  readonly m: readonly number[];
  readonly schemes: readonly AnySchemeName[];
  /** benny minSamples for this entry instead of the preset's (slow cases such as quantizing 4096 x 4096). */
  readonly bennyMinSamples?: number;
  /** GPU warm-up / timed dispatches for this entry instead of the preset's (slow software-adapter cases). */
  readonly warmup?: number;
  readonly iterations?: number;
}

/** The GPU warm-up and iteration counts of an entry: its own, else the preset's. */
export function caseTiming(preset: Preset, c: SuiteCase): { warmup: number; iterations: number } {
  return { warmup: c.warmup ?? preset.timing.warmup, iterations: c.iterations ?? preset.timing.iterations };
}

/** A resolved preset. */
export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly timing: TimingSettings;
  readonly quantize: readonly SuiteCase[];
  readonly cpu: readonly SuiteCase[];
  readonly gpu: readonly SuiteCase[];
  readonly peers: readonly SuiteCase[];
}

type Json = unknown;

function obj(v: Json, where: string): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`bench/shapes.json: ${where} must be an object`);
  return v as Record<string, Json>;
}

function posInt(v: Json, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`bench/shapes.json: ${where} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function nonNegInt(v: Json, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`bench/shapes.json: ${where} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function posNum(v: Json, where: string): number {
  if (typeof v !== 'number' || !(v > 0)) throw new Error(`bench/shapes.json: ${where} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function str(v: Json, where: string): string {
  if (typeof v !== 'string') throw new Error(`bench/shapes.json: ${where} must be a string`);
  return v;
}

/** Parses and validates the table's text; exported for tests. */
export function parseShapesTable(text: string): { layers: ReadonlyMap<string, Layer>; presets: ReadonlyMap<string, Preset> } {
  const root = obj(JSON.parse(text) as Json, 'the file');
  const layers = new Map<string, Layer>();
  for (const [name, v] of Object.entries(obj(root.layers, 'layers'))) {
    const l = obj(v, `layers.${name}`);
    layers.set(name, { name, n: posInt(l.n, `layers.${name}.n`), k: posInt(l.k, `layers.${name}.k`), source: str(l.source ?? '', `layers.${name}.source`) });
  }
  const presets = new Map<string, Preset>();
  for (const [name, v] of Object.entries(obj(root.presets, 'presets'))) {
    const p = obj(v, `presets.${name}`);
    const t = obj(p.timing, `presets.${name}.timing`);
    const timing: TimingSettings = {
      warmup: nonNegInt(t.warmup, `presets.${name}.timing.warmup`),
      iterations: posInt(t.iterations, `presets.${name}.timing.iterations`),
      bennyMaxTime: posNum(t.bennyMaxTime, `presets.${name}.timing.bennyMaxTime`),
      bennyMinSamples: posInt(t.bennyMinSamples, `presets.${name}.timing.bennyMinSamples`),
      ...(t.rounds !== undefined ? { rounds: posInt(t.rounds, `presets.${name}.timing.rounds`) } : {}),
    };
    const cases = (suite: 'quantize' | 'cpu' | 'gpu' | 'peers'): SuiteCase[] => {
      const list = p[suite] ?? [];
      if (!Array.isArray(list)) throw new Error(`bench/shapes.json: presets.${name}.${suite} must be an array`);
      return list.map((c: Json, i: number) => {
        const where = `presets.${name}.${suite}[${i}]`;
        const o = obj(c, where);
        const layerName = str(o.layer, `${where}.layer`);
        const layer = layers.get(layerName);
        if (!layer) throw new Error(`bench/shapes.json: ${where}.layer '${layerName}' is not in layers (${[...layers.keys()].join(', ')})`);
        const mList = suite === 'quantize' ? [1] : o.m;
        if (!Array.isArray(mList) || mList.length === 0) throw new Error(`bench/shapes.json: ${where}.m must be a non-empty array of M values`);
        const schemes = o.schemes;
        if (!Array.isArray(schemes) || schemes.length === 0) throw new Error(`bench/shapes.json: ${where}.schemes must be a non-empty array`);
        for (const s of schemes) {
          if (typeof s !== 'string' || !isSchemeName(s)) throw new Error(`bench/shapes.json: ${where}.schemes has unknown scheme ${JSON.stringify(s)}`);
        }
        const minSamples = o.bennyMinSamples === undefined ? undefined : posInt(o.bennyMinSamples, `${where}.bennyMinSamples`);
        const warmup = o.warmup === undefined ? undefined : nonNegInt(o.warmup, `${where}.warmup`);
        const iterations = o.iterations === undefined ? undefined : posInt(o.iterations, `${where}.iterations`);
        return {
          layer,
          m: mList.map((m: Json, j: number) => posInt(m, `${where}.m[${j}]`)),
          schemes: schemes as AnySchemeName[],
          ...(minSamples !== undefined ? { bennyMinSamples: minSamples } : {}),
          ...(warmup !== undefined ? { warmup } : {}),
          ...(iterations !== undefined ? { iterations } : {}),
        };
      });
    };
    presets.set(name, {
      name,
      description: str(p.description ?? '', `presets.${name}.description`),
      timing,
      quantize: cases('quantize'),
      cpu: cases('cpu'),
      gpu: cases('gpu'),
      peers: cases('peers'),
    });
  }
  return { layers, presets };
}
