/**
 * The numbers of the Learn page's block-scaling lesson (OCP MX v1.0, NVFP4) on one block of the
 * embedded sample: the scale from the block maximum by the library's own rules (mxSharedExp and
 * e8m0Code; nvfp4TensorScale and roundToE4M3), each element divided by the scale and encoded on
 * the element grid (the registry codec, saturating), and the library's quantize of the whole
 * sample for comparison: its stored scale and codes for this block must be the same.
 */
import { getDType } from '../../dtype/registry.js';
import { decode, encode } from '../../dtype/codec.js';
import { unpackCodes } from '../../format/pack.js';
import { sampleWeights } from '../../io/sample.js';
import { quantize } from '../../quant/quantize.js';
import type { QuantizedTensor } from '../../format/quantized-tensor.js';
import { getScheme } from '../../quant/schemes.js';
import { e8m0Code, mxSharedExp, nvfp4TensorScale, NVFP4_ELEMENT_MAX, roundToE4M3 } from '../../quant/scale.js';

/** Schemes of the lesson. */
export const BLOCK_SCHEMES: readonly string[] = ['mxfp4', 'mxfp6_e2m3', 'mxfp8_e4m3', 'mxint8', 'nvfp4'];
/** Rows of the sample the lesson quantizes (whole rows; blocks run along K). */
export const SAMPLE_ROWS = 4;

/** One element of the block. */
export interface BlockElement {
  readonly k: number;
  readonly w: number;
  /** w / scale: the value the element grid must hold. */
  readonly scaled: number;
  /** |scaled| beyond the element maximum: it saturates. */
  readonly saturated: boolean;
  readonly code: number;
  /** The element grid's value of the code. */
  readonly element: number;
  /** element · scale: the dequantized weight. */
  readonly deq: number;
}

/** The lesson's numbers for one block. */
export interface BlockExample {
  readonly scheme: string;
  readonly kind: 'mx' | 'nvfp4';
  readonly elementType: string;
  readonly blockSize: number;
  readonly block: number;
  readonly blocks: number;
  readonly amax: number;
  /** MX: emax of the element type, the shared exponent e and its E8M0 code. */
  readonly emaxElem?: number;
  readonly sharedExp?: number;
  readonly e8m0?: number;
  /** NVFP4: the tensor amax, the FP32 tensor scale, the raw and the E4M3-rounded block scale. */
  readonly tensorAmax?: number;
  readonly tensorScale?: number;
  readonly rawBlockScale?: number;
  readonly blockScale?: number;
  /** The scale the elements are divided by (MX: 2^e; NVFP4: block scale · tensor scale). */
  readonly scale: number;
  readonly elementMax: number;
  readonly elements: readonly BlockElement[];
  /** The library's quantize of the sample: the stored scale of this block and whether its codes match. */
  readonly libraryScale: number;
  readonly libraryCodesMatch: boolean;
}

let cachedSample: { data: Float32Array; rows: number; cols: number } | undefined;
const cachedQuantized = new Map<string, QuantizedTensor>();

/** The sample the lesson draws blocks from (made once). */
function sample(): { data: Float32Array; rows: number; cols: number } {
  if (!cachedSample) {
    const s = sampleWeights();
    cachedSample = { data: s.data.slice(0, SAMPLE_ROWS * s.cols), rows: SAMPLE_ROWS, cols: s.cols };
  }
  return cachedSample;
}

/** The library's quantize of the sample with `scheme` (made once per scheme). */
function quantized(scheme: string): QuantizedTensor {
  let qt = cachedQuantized.get(scheme);
  if (!qt) {
    const s = sample();
    qt = quantize(s.data, s.rows, s.cols, getScheme(scheme).name);
    cachedQuantized.set(scheme, qt);
  }
  return qt;
}

/** Number of blocks the lesson offers for `scheme`. */
export function blockCount(scheme: string): number {
  const s = sample();
  return (s.rows * s.cols) / (getScheme(scheme).fixedBlock ?? 1);
}

function absmax(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** Computes the lesson for block `block` (row-major blocks of the sample) of `scheme`. */
export function blockExample(scheme: string, block: number): BlockExample {
  const sc = getScheme(scheme);
  const bs = sc.fixedBlock;
  if (bs === undefined) throw new Error(`${scheme} is not a block-scaled scheme`);
  const s = sample();
  const blocks = (s.rows * s.cols) / bs;
  const b = Math.min(Math.max(0, Math.floor(block)), blocks - 1);
  const w = s.data.subarray(b * bs, (b + 1) * bs);
  const elementType = sc.elementTypes[0] as string;
  const dt = getDType(elementType);
  const amax = absmax(w);
  const qt = quantized(scheme);
  const libCodes = unpackCodes(qt.codes, s.rows, s.cols, qt.bits).subarray(b * bs, (b + 1) * bs);
  let scale: number;
  let extra: Partial<BlockExample>;
  // Dequantize as the library does (src/quant/quantize.ts dequantize: left to right in f32).
  let deqOf: (element: number) => number;
  if (sc.scaleRule === 'mx') {
    const e = mxSharedExp(amax, dt.info.emax);
    scale = 2 ** e;
    extra = { kind: 'mx', emaxElem: dt.info.emax, sharedExp: e, e8m0: e8m0Code(e) };
    deqOf = (v) => Math.fround(v * scale);
  } else {
    const tensorAmax = absmax(s.data);
    const ts = nvfp4TensorScale(tensorAmax);
    const raw = amax / NVFP4_ELEMENT_MAX / ts;
    const bsc = roundToE4M3(raw);
    scale = bsc * ts;
    extra = { kind: 'nvfp4', tensorAmax, tensorScale: ts, rawBlockScale: raw, blockScale: bsc };
    deqOf = (v) => Math.fround(Math.fround(v * bsc) * ts);
  }
  const elements: BlockElement[] = Array.from(w, (x, k) => {
    const scaled = x / scale;
    const code = encode(dt, scaled, { saturate: true });
    const element = decode(dt, code);
    return { k, w: x, scaled, saturated: Math.abs(scaled) > dt.info.max, code, element, deq: deqOf(element) };
  });
  return {
    scheme,
    kind: sc.scaleRule === 'mx' ? 'mx' : 'nvfp4',
    elementType,
    blockSize: bs,
    block: b,
    blocks,
    amax,
    ...extra,
    scale,
    elementMax: dt.info.max,
    elements,
    libraryScale: qt.scales[b] as number,
    libraryCodesMatch: elements.every((el, i) => el.code === libCodes[i]),
  };
}
