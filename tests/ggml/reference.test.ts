// Every ggml scheme reproduces llama.cpp's quantizer bytes and dequantized values on seeded data with ties and outliers.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { quantize, dequantize } from '../../src/quant/quantize.js';
import { GGML_SCHEME_NAMES } from '../../src/quant/schemes.js';
import { dequantizeGgmlBlocks, ggmlBlocksToQuantized, ggmlCodec, newScratch, quantizeBlockIq4NlRef, quantizeBlockMxfp4Ggml } from '../../src/ggml/index.js';
import type { GgmlCodec } from '../../src/ggml/index.js';
import { referenceWeights } from './reference-data.js';
import { REFERENCE_HASHES, REFERENCE_INPUT } from './reference-fixtures.js';

const { rows, cols, seed } = REFERENCE_INPUT;
const w = referenceWeights(rows, cols, seed);

const sha = (b: Uint8Array | Float32Array): string => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');

/** Asserts `bytes` hash to the fixture, naming the first row whose hash differs. */
function expectBlocks(key: string, bytes: Uint8Array): void {
  const want = REFERENCE_HASHES[key]!;
  if (sha(bytes) === want.blocks) return;
  const rb = bytes.length / rows;
  const bad = want.rows.findIndex((h, r) => sha(bytes.subarray(r * rb, (r + 1) * rb)).slice(0, 16) !== h);
  expect.fail(`${key}: bytes differ from llama.cpp's, first in row ${bad} (pattern ${bad % 16} of reference-data.ts)`);
}

/** Runs a one-block quantizer over all blocks of w. */
function allBlocks(c: GgmlCodec, quantizeBlock: (x: Float32Array, xOff: number, out: Uint8Array, o: number) => void): Uint8Array {
  const n = (rows * cols) / c.blockSize;
  const out = new Uint8Array(n * c.blockBytes);
  for (let b = 0; b < n; b++) quantizeBlock(w, b * c.blockSize, out, b * c.blockBytes);
  return out;
}

describe("ggml schemes vs llama.cpp's reference quantizers", () => {
  it('the fixtures cover every ggml scheme', () => {
    for (const s of GGML_SCHEME_NAMES) expect(REFERENCE_HASHES[s], s).toBeDefined();
  });

  for (const scheme of GGML_SCHEME_NAMES) {
    it(`${scheme}: same bytes, same dequantized values (both paths)`, () => {
      const qt = quantize(w, rows, cols, scheme);
      const bytes = qt.blocks!.bytes;
      expectBlocks(scheme, bytes);
      const c = ggmlCodec(scheme)!;
      // ggml's dequantize_row_* emulated directly from the blocks ...
      const direct = new Float32Array(rows * cols);
      dequantizeGgmlBlocks(scheme, bytes, bytes.length / c.blockBytes, direct);
      expect(sha(direct), `${scheme} dequantize_row`).toBe(REFERENCE_HASHES[scheme]!.dequantized);
      // ... and the generic (decode - zero) * scale - offset of the QuantizedTensor form.
      expect(sha(dequantize(qt)), `${scheme} dequantize(QuantizedTensor)`).toBe(REFERENCE_HASHES[scheme]!.dequantized);
    });
  }

  it("iq4_nl: quantize_row_iq4_nl_ref (ntry = -1) too", () => {
    const c = ggmlCodec('iq4_nl')!;
    const s = newScratch();
    expectBlocks('iq4_nl_ref', allBlocks(c, (x, xOff, out, o) => quantizeBlockIq4NlRef(x, xOff, out, o, s)));
  });

  it("mxfp4: quantize_row_mxfp4_ref's bytes, and the layout decodes them as ggml does", () => {
    const c = ggmlCodec('mxfp4')!;
    const bytes = allBlocks(c, quantizeBlockMxfp4Ggml);
    expectBlocks('mxfp4_ref', bytes);
    const direct = new Float32Array(rows * cols);
    dequantizeGgmlBlocks('mxfp4', bytes, bytes.length / c.blockBytes, direct);
    expect(sha(direct)).toBe(REFERENCE_HASHES.mxfp4_ref!.dequantized);
    // As a lowbit mxfp4 tensor the same numbers come back (the -0 code decodes to -0 there, +0 in ggml).
    const viaQt = dequantize(ggmlBlocksToQuantized('mxfp4', bytes, rows, cols));
    for (let i = 0; i < direct.length; i++) if (viaQt[i] !== direct[i]) expect.fail(`mxfp4 value ${i}: ${viaQt[i]} vs ggml ${direct[i]}`);
  });
});
