/**
 * The per-type operations of a ggml block format lowbit decodes (ggml's type traits:
 * from_float_ref and to_float), plus the split of a block into the QuantizedTensor form.
 */
import type { DTypeName } from '../dtype/registry.js';
import type { ScaleDType } from '../format/quantized-tensor.js';
import type { GgmlSchemeType } from './codecs.js';

/** Reusable scratch space of one quantizer call (one block's worth of working arrays). */
export interface QuantizeScratch {
  /** Integer levels of one super-block (L in ggml-quants.c). */
  readonly levels: Int32Array;
  /** Candidate levels of one sub-block (Laux). */
  readonly levelsAux: Int32Array;
  /** Per-element weights of one sub-block. */
  readonly weights: Float32Array;
  /** Per-sub-block scales and mins before their quantization. */
  readonly scales: Float32Array;
  readonly mins: Float32Array;
}

/** Fresh scratch space large enough for any block type (256 weights, 16 sub-blocks). */
export function newScratch(): QuantizeScratch {
  const superBlock = 256;
  const subBlocks = 16;
  return {
    levels: new Int32Array(superBlock),
    levelsAux: new Int32Array(superBlock),
    weights: new Float32Array(superBlock),
    scales: new Float32Array(subBlocks),
    mins: new Float32Array(subBlocks),
  };
}

/** One ggml block format: layout, QuantizedTensor form and its reference (de)quantizers. */
export interface GgmlCodec {
  /** ggml type name (lower case): a ggml scheme, or 'mxfp4' (ggml's block of lowbit's mxfp4). */
  readonly type: GgmlSchemeType | 'mxfp4';
  /** Weights per block. */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly blockBytes: number;
  /** Bytes per block holding element codes (qs, qh, hmask); the rest are scales and mins. */
  readonly codeBytes: number;
  /** Weights sharing one scale (and offset) in the QuantizedTensor form: the sub-block. */
  readonly groupSize: number;
  /** Element datatype of the codes (registry name). */
  readonly elementType: DTypeName;
  /** The constant zero point subtracted from every code (0 when none). */
  readonly zero: number;
  /** True when groups carry an offset (the k-quant mins, Q4_1/Q5_1's m). */
  readonly hasOffsets: boolean;
  /** How the QuantizedTensor's scales are stored: f16 block scales, or f32 products d * sc. */
  readonly scaleDType: ScaleDType;
  /**
   * The reference quantizer of one block: `blockSize` weights from x[xOff] into the block at
   * out[oOff]. Throws a RangeError when a block scale overflows f16.
   */
  quantizeBlock(x: Float32Array, xOff: number, out: Uint8Array, oOff: number, scratch: QuantizeScratch): void;
  /** ggml's dequantize_row_* of one block into y[yOff .. yOff + blockSize). */
  dequantizeBlock(b: Uint8Array, off: number, y: Float32Array, yOff: number): void;
  /**
   * Splits one block into per-element codes (weight order, one byte each, at codes[cOff]) and
   * per-group scales (and offsets) at scales[gOff] / offsets[gOff].
   */
  unpackBlock(b: Uint8Array, off: number, codes: Uint8Array, cOff: number, scales: Float32Array, offsets: Float32Array | undefined, gOff: number): void;
}
