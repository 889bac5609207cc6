/**
 * Element-type descriptors of the WebAssembly quantize kernel `quantize_rows` (wasm/quantize.ts,
 * whose header defines the kinds and the byte layout repeated here). Each is derived from the
 * fast encoder of the type (fast-encoders.ts), which takes every tie and code from the
 * reference encoder, so the kernel decides as the reference does.
 */
import { IntEncoderFast, TableEncoderFast, type FastEncoder } from './fast-encoders.js';

/** Descriptor kinds and byte layout (wasm/quantize.ts: KIND_*, TD_*). */
export const TD = {
  BYTES: 640,
  KIND: 0,
  ZERO_CODE: 4,
  SIGN_BIT: 8,
  P0: 12,
  P1: 16,
  P2: 20,
  MAX_ABS: 24,
  MAX_VAL: 32,
  POW_EMIN: 40,
  POW_EMAX: 48,
  TABLE_TIES: 56,
  A: 64,
  B: 144,
  CODES: 224,
  VALS8: 240,
  MIDS: 256,
  VALS: 384,
  TIES: 512,
} as const;
const KIND = { int: 0, float: 1, table: 2, mids: 3 } as const;
/** Entries of a KIND_TABLE key table (five 16-byte swizzles). */
const TABLE_KEYS = 80;
/** Values a KIND_TABLE or KIND_MIDS type may have (one 16-byte swizzle of codes). */
const MAX_VALUES = 16;
const I8_MIN = -128;
const I8_MAX = 127;

/** Key range [kMin, kMax] of a KIND_TABLE type (k = floor(2x)), one beyond its values on each side. */
export interface KeyRange {
  readonly kMin: number;
  readonly kMax: number;
}

/**
 * The key range covering every integer-unit codebook among `encoders` (so types that share a
 * scale can share keys), or undefined when there is none.
 */
export function sharedKeyRange(encoders: readonly FastEncoder[]): KeyRange | undefined {
  let kMin = Infinity;
  let kMax = -Infinity;
  for (const e of encoders) {
    if (!(e instanceof TableEncoderFast) || e.kind !== 'half-units') continue;
    kMin = Math.min(kMin, Math.floor(2 * (e.vals[0] as number)) - 1);
    kMax = Math.max(kMax, Math.ceil(2 * (e.vals[e.vals.length - 1] as number)) + 1);
  }
  return kMin <= kMax ? { kMin, kMax } : undefined;
}

const cache = new Map<FastEncoder, Map<string, Uint8Array | null>>();

/**
 * The descriptor bytes of `enc` (codebook key tables over `range` when given), computed once per
 * encoder and range; undefined when the kernel cannot run the type.
 */
export function descriptorBytes(enc: FastEncoder, range?: KeyRange): Uint8Array | undefined {
  let byRange = cache.get(enc);
  if (!byRange) {
    byRange = new Map();
    cache.set(enc, byRange);
  }
  const key = range ? `${range.kMin},${range.kMax}` : '';
  let bytes = byRange.get(key);
  if (bytes === undefined) {
    const buf = new ArrayBuffer(TD.BYTES);
    bytes = writeDescriptor(enc, buf, 0, range) ? new Uint8Array(buf) : null;
    byRange.set(key, bytes);
  }
  return bytes ?? undefined;
}

/**
 * Writes the descriptor of `enc` at byte `at` of `mem` (codebook key tables over `range` when
 * given); false when the kernel cannot run the type. {@link descriptorBytes} caches the result.
 */
export function writeDescriptor(enc: FastEncoder, mem: ArrayBuffer, at: number, range?: KeyRange): boolean {
  const dv = new DataView(mem, at, TD.BYTES);
  const bytes = new Uint8Array(mem, at, TD.BYTES);
  bytes.fill(0);
  dv.setFloat64(TD.MAX_ABS, enc.maxAbs, true);
  if (enc instanceof IntEncoderFast) {
    if (enc.unit !== 1) return false;
    dv.setInt32(TD.KIND, KIND.int, true);
    dv.setInt32(TD.ZERO_CODE, enc.zeroCode, true);
    dv.setInt32(TD.P0, enc.lo, true);
    dv.setInt32(TD.P1, enc.hi, true);
    dv.setInt32(TD.P2, (1 << enc.bits) - 1, true);
    return true;
  }
  if (!(enc instanceof TableEncoderFast)) return false;
  dv.setInt32(TD.ZERO_CODE, enc.zeroCode, true);
  const n = enc.vals.length;
  if (enc.kind === 'magnitude') return writeFloat(enc, dv);
  // Codebooks: a negative x rounding to 0 must keep the 0 code (no signed zero).
  if (n > MAX_VALUES || (enc.zeroIndex >= 0 && enc.negZeroCode !== enc.codeOf[enc.zeroIndex])) return false;
  bytes.set(enc.codeOf, TD.CODES);
  if (enc.kind === 'half-units' && writeTable(enc, dv, bytes, range)) return true;
  dv.setInt32(TD.KIND, KIND.mids, true);
  dv.setInt32(TD.P0, n - 1, true);
  for (let i = 0; i < n; i++) dv.setFloat64(TD.VALS + 8 * i, enc.vals[i] as number, true);
  for (let i = 0; i + 1 < n; i++) {
    dv.setFloat64(TD.MIDS + 8 * i, enc.mids[i] as number, true);
    bytes[TD.TIES + i] = enc.tieUp[i] as number;
  }
  return true;
}

/** KIND_TABLE: integer values; A/B indexed by k - kMin for k = floor(2x) (see wasm/quantize.ts). */
function writeTable(enc: TableEncoderFast, dv: DataView, bytes: Uint8Array, range?: KeyRange): boolean {
  const spec = enc.dtype.spec;
  if (spec.kind !== 'codebook' || spec.unit !== 1) return false;
  const vals = enc.vals;
  const n = vals.length;
  for (const v of vals) if (!Number.isInteger(v) || v < I8_MIN || v > I8_MAX) return false;
  const kMin = Math.min(range?.kMin ?? Infinity, Math.floor(2 * (vals[0] as number)) - 1);
  const kMax = Math.max(range?.kMax ?? -Infinity, Math.ceil(2 * (vals[n - 1] as number)) + 1);
  const entries = kMax - kMin + 1;
  if (entries > TABLE_KEYS) return false;
  const mids2 = Array.from(enc.mids.subarray(0, n - 1), (m) => 2 * m);
  for (let k = kMin; k <= kMax; k++) {
    // x in (k/2, (k+1)/2): the midpoints at or below k/2 are below x.
    bytes[TD.A + k - kMin] = mids2.filter((m) => m <= k).length;
    // x = k/2 exactly: the midpoints below it, plus one when it is a midpoint whose tie goes up.
    const at = mids2.indexOf(k);
    bytes[TD.B + k - kMin] = mids2.filter((m) => m < k).length + (at >= 0 && enc.tieUp[at] === 1 ? 1 : 0);
  }
  // The kernel's one-lookup path needs B[j] = A[j - 1] (A[-1] = 0): every tie goes down.
  let ties = 0;
  for (let j = 0; j < entries; j++) if (bytes[TD.B + j] !== (j > 0 ? bytes[TD.A + j - 1] : 0)) ties = 1;
  dv.setInt32(TD.TABLE_TIES, ties, true);
  vals.forEach((v, i) => dv.setInt8(TD.VALS8 + i, v));
  dv.setInt32(TD.KIND, KIND.table, true);
  dv.setInt32(TD.P0, kMin, true);
  dv.setInt32(TD.P1, entries, true);
  return true;
}

/**
 * KIND_FLOAT: a sign-symmetric minifloat whose non-negative codes 0..maxCode are its magnitudes
 * in order with the IEEE layout value(code) = 2^(max(E, 1) - bias) * (E > 0 ? 1 + f/2^M : f/2^M)
 * (E = code >> M, f = code & (2^M - 1)); the kernel's arithmetic rounding is then the nearest
 * value with ties to the even code, the reference's rule for minifloats.
 */
function writeFloat(enc: TableEncoderFast, dv: DataView): boolean {
  const spec = enc.dtype.spec;
  if (spec.kind !== 'float' || !spec.subnormals || spec.manBits < 1) return false;
  const M = spec.manBits;
  const emin = 1 - spec.bias;
  const vals = enc.vals;
  for (let c = 0; c < vals.length; c++) {
    const E = c >> M;
    const f = c & ((1 << M) - 1);
    const want = E === 0 ? f * 2 ** (emin - M) : (2 ** M + f) * 2 ** (E - spec.bias - M);
    if (enc.codeOf[c] !== c || vals[c] !== want) return false;
  }
  const maxVal = vals[vals.length - 1] as number;
  dv.setInt32(TD.KIND, KIND.float, true);
  dv.setInt32(TD.SIGN_BIT, enc.signBit, true);
  dv.setInt32(TD.P0, M, true);
  dv.setInt32(TD.P1, emin, true);
  dv.setInt32(TD.P2, vals.length - 1, true);
  dv.setFloat64(TD.MAX_VAL, maxVal, true);
  dv.setFloat64(TD.POW_EMIN, 2 ** emin, true);
  dv.setFloat64(TD.POW_EMAX, 2 ** Math.floor(Math.log2(maxVal)), true);
  return true;
}
