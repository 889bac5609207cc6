/**
 * What every quantizer (the reference, the fast paths, the threaded and the GPU quantize) shares:
 * the options, the granularity rules (Layout), the input checks with their error messages, the
 * element encoders of a scheme, and `planQuantize`, which resolves all of them once per call so
 * the quantizers agree on every error and every choice.
 */
import { createIntEncoder, getEncoder, type ElementEncoder } from '../dtype/codec.js';
import { getDType } from '../dtype/registry.js';
import type { Granularity, ScaleDType } from '../format/quantized-tensor.js';
import { getScheme, type AnySchemeName, type SchemeSpec } from './schemes.js';
import { MSE_CLIP_RATIOS } from './scale.js';

/** Options of `quantize`. */
export interface QuantizeOptions {
  /** G > 0: groups of G along K (must divide K); 0: per output channel; -1: per tensor. */
  readonly group?: number;
  /** 'absmax' (default) or 'mse': clip-ratio search minimizing each unit's squared error. */
  readonly scale?: 'absmax' | 'mse';
  /** Storage type of the scales for schemes that store f16 or f32 scales. */
  readonly scaleDType?: 'f32' | 'f16';
}

/** Where a scheme's scales apply: granularity, group size and elements per scale. */
export interface Layout {
  readonly granularity: Granularity;
  readonly groupSize: number;
  /** Elements sharing one scale (contiguous in row-major order). */
  readonly unitLen: number;
}

/** The granularity rules of a scheme and group option; the errors name the scheme and sizes. */
export function resolveLayout(name: string, sc: SchemeSpec, rows: number, cols: number, group: number | undefined): Layout {
  if (sc.fixedBlock !== undefined) {
    const b = sc.fixedBlock;
    if (group !== undefined && group !== b) {
      throw new Error(`${name} uses a fixed block of ${b} along K; group ${group} is not supported (omit it or pass ${b})`);
    }
    if (cols % b !== 0) throw new Error(`${name} needs K to be a multiple of its block size ${b}; got K=${cols}`);
    return { granularity: 'group', groupSize: b, unitLen: b };
  }
  const g = group ?? sc.defaultGroup;
  if (!Number.isInteger(g) || g < -1) {
    throw new Error(`group must be a positive group size, 0 (per channel) or -1 (per tensor); got ${g}`);
  }
  const granularity: Granularity = g > 0 ? 'group' : g === 0 ? 'channel' : 'tensor';
  if (!sc.granularities.includes(granularity)) {
    throw new Error(`${name} does not support ${granularity} granularity (supports: ${sc.granularities.join(', ')})`);
  }
  if (granularity === 'group') {
    if (cols % g !== 0) {
      throw new Error(`group size G=${g} does not divide K=${cols}; use a divisor of ${cols}, 0 (per channel) or -1 (per tensor)`);
    }
    return { granularity, groupSize: g, unitLen: g };
  }
  return { granularity, groupSize: cols, unitLen: granularity === 'channel' ? cols : rows * cols };
}

/** The scale storage type of a scheme with the requested option; throws for unsupported ones. */
export function resolveScaleDType(name: string, sc: SchemeSpec, requested: 'f32' | 'f16' | undefined): ScaleDType {
  if (requested === undefined) return sc.defaultScaleDType;
  if (!sc.scaleDTypes.includes(requested)) {
    throw new Error(`${name} stores its scales as ${sc.scaleDTypes.join(' or ')}; scaleDType '${requested}' is not supported`);
  }
  return requested;
}

/** Shape and finiteness checks of quantize's input; the error names the first bad weight. */
export function checkInput(w: Float32Array, rows: number, cols: number, scheme: string): void {
  checkShape(w, rows, cols);
  checkFinite(w, cols, scheme);
}

/** The shape half of {@link checkInput}: positive integer rows and cols, and w.length = rows * cols. */
export function checkShape(w: Float32Array, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new RangeError(`quantize: rows and cols must be positive integers, got ${rows} x ${cols}`);
  }
  if (w.length !== rows * cols) {
    throw new RangeError(`quantize: weights have ${w.length} elements, expected rows * cols = ${rows} x ${cols} = ${rows * cols}`);
  }
}

/**
 * The finiteness half of {@link checkInput}: throws naming the first NaN/Inf weight. `rowOffset`
 * is the row of w[0] in the whole tensor (for row blocks).
 */
export function checkFinite(w: Float32Array, cols: number, scheme: string, rowOffset = 0): void {
  for (let i = 0; i < w.length; i++) {
    const x = w[i] as number;
    if (x - x !== 0) {
      throw new RangeError(`quantize (${scheme}): weight at (row ${rowOffset + Math.floor(i / cols)}, col ${i % cols}) is ${x}; NaN/Inf weights cannot be quantized`);
    }
  }
}

/** The encoder of one element type in a scheme: signed integers use the symmetric range. */
export function elementEncoder(name: string): ElementEncoder {
  const dt = getDType(name);
  if (dt.spec.kind === 'int' && dt.spec.signed) {
    const qmax = 2 ** (dt.bits - 1) - 1;
    return createIntEncoder(dt, -qmax, qmax);
  }
  return getEncoder(dt);
}


/** Bits needed to store an id into a list of n datatypes. */
export function idBitsFor(n: number): number {
  return n > 1 ? Math.ceil(Math.log2(n)) : 0;
}

/** Everything a quantizer needs to know about one call, resolved and checked. */
export interface QuantizePlan {
  readonly scheme: AnySchemeName;
  readonly spec: SchemeSpec & { readonly name: AnySchemeName };
  readonly rows: number;
  readonly cols: number;
  readonly layout: Layout;
  readonly scaleMode: 'absmax' | 'mse';
  readonly scaleDType: ScaleDType;
  /** Storage rounding of f16/f32 scales ('f32' for the rules that store e8m0/e4m3 scales). */
  readonly storeDType: 'f32' | 'f16';
  /** Clip ratios tried per unit: MSE_CLIP_RATIOS for 'mse', [1] otherwise. */
  readonly ratios: readonly number[];
  /** One reference encoder per element type, in `spec.elementTypes` order. */
  readonly encoders: readonly ElementEncoder[];
  /** Code width shared by the element types. */
  readonly bits: number;
  /** Units sharing one scale: rows * cols / layout.unitLen. */
  readonly units: number;
  /** Groups per row and in total (scales are stored per group). */
  readonly groupsPerRow: number;
  readonly groups: number;
}

/**
 * Checks the input and options of a quantize call and resolves them. Throws, in this order, for
 * unknown schemes, bad shapes and NaN/Inf weights, granularity and group-size errors, scale
 * modes, scale storage types, and element types of different widths.
 */
export function planQuantize(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions = {}): QuantizePlan {
  const sc = getScheme(scheme);
  checkInput(w, rows, cols, scheme);
  return planQuantizeShape(sc, rows, cols, opts);
}

/** {@link planQuantize} without the weight checks (the caller checked them or has no weights yet). */
export function planQuantizeShape(sc: SchemeSpec & { readonly name: AnySchemeName }, rows: number, cols: number, opts: QuantizeOptions = {}): QuantizePlan {
  const scheme = sc.name;
  const layout = resolveLayout(scheme, sc, rows, cols, opts.group);
  const scaleMode = opts.scale ?? 'absmax';
  if (scaleMode !== 'absmax' && scaleMode !== 'mse') throw new Error(`scale must be 'absmax' or 'mse', got '${String(scaleMode)}'`);
  if (scaleMode === 'mse' && !sc.mseSearch) throw new Error(`${scheme} has a fixed scale rule (${sc.scaleRule}); scale 'mse' is not supported`);
  const scaleDType = resolveScaleDType(scheme, sc, opts.scaleDType);
  const encoders = sc.elementTypes.map(elementEncoder);
  const bits = (encoders[0] as ElementEncoder).dtype.bits;
  for (const e of encoders) if (e.dtype.bits !== bits) throw new Error(`${scheme}: element types differ in width`);
  const groupsPerRow = cols / layout.groupSize;
  return {
    scheme,
    spec: sc,
    rows,
    cols,
    layout,
    scaleMode,
    scaleDType,
    storeDType: scaleDType === 'f32' ? 'f32' : 'f16',
    ratios: scaleMode === 'mse' ? MSE_CLIP_RATIOS : [1],
    encoders,
    bits,
    units: (rows * cols) / layout.unitLen,
    groupsPerRow,
    groups: rows * groupsPerRow,
  };
}
