// The fast quantize (WebAssembly kernels and the JavaScript path) equals quantizeReference bit for bit on every scheme and option: ties, outliers, zeros, subnormals, odd shapes.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEME_NAMES, getScheme } from '../../src/quant/schemes.js';
import { quantizeFast } from '../../src/quant/quantize-fast.js';
import { quantizeReference } from '../../src/quant/quantize-reference.js';
import { quantize } from '../../src/quant/quantize.js';
import { planQuantize, type QuantizeOptions } from '../../src/quant/quantize-plan.js';
import { setWasmQuantize, wasmCovers, wasmQuantizeStatus } from '../../src/quant/quantize-wasm.js';
import { adversarialGroups, expectSameTensor, groupsToMatrix, randomBits, seededWeights } from './exact-cases.js';
import { mulberry32 } from '../dtype/prng.js';

/** Every option combination a scheme accepts (granularity x scale mode x scale storage), small group sizes. */
function optionSets(scheme: AnySchemeName, group: number): QuantizeOptions[] {
  const sc = getScheme(scheme);
  const out: QuantizeOptions[] = [];
  const groups = sc.fixedBlock !== undefined ? [undefined] : [group, 0, -1].filter((g) => sc.granularities.includes(g > 0 ? 'group' : g === 0 ? 'channel' : 'tensor'));
  const modes: ('absmax' | 'mse')[] = sc.mseSearch ? ['absmax', 'mse'] : ['absmax'];
  const dtypes = sc.scaleDTypes.filter((d): d is 'f16' | 'f32' => d === 'f16' || d === 'f32');
  for (const g of groups) {
    for (const scale of modes) {
      for (const scaleDType of dtypes.length ? dtypes : [undefined]) {
        out.push({ ...(g === undefined ? {} : { group: g }), scale, ...(scaleDType ? { scaleDType } : {}) });
      }
    }
  }
  return out;
}

/** Runs both quantizers; equal results, or equal error messages. */
function expectSame(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions, what: string): void {
  let want;
  try {
    want = quantizeReference(w, rows, cols, scheme, opts);
  } catch (err) {
    let message = '';
    try {
      quantizeFast(w, rows, cols, scheme, opts);
    } catch (e) {
      message = (e as Error).message;
    }
    if (message !== (err as Error).message) throw new Error(`${scheme} ${what} ${JSON.stringify(opts)}: reference throws "${(err as Error).message}", fast "${message}"`);
    return;
  }
  expectSameTensor(quantizeFast(w, rows, cols, scheme, opts), want, `${scheme} ${what} [${rows}, ${cols}] ${JSON.stringify(opts)}`);
}

describe('the WebAssembly kernels', () => {
  it('run here and cover every scheme with its default options', () => {
    expect(wasmQuantizeStatus()).toEqual({ available: true, reason: '' });
    const w = seededWeights(2, 128, 1);
    expect(SCHEME_NAMES.filter((s) => !wasmCovers(planQuantize(w, 2, 128, s)))).toEqual([]);
  });
});

describe.each(['WebAssembly', 'JavaScript'])('fast quantize (%s) = reference', (mode) => {
  let was = true;
  beforeAll(() => {
    was = setWasmQuantize(mode === 'WebAssembly');
  });
  afterAll(() => {
    setWasmQuantize(was);
  });
  for (const scheme of SCHEME_NAMES) {
    const sc = getScheme(scheme);
    const g = sc.fixedBlock ?? 32;
    it(`${scheme}: seeded weights with outliers, random bit patterns, every option`, () => {
      for (const opts of optionSets(scheme, g)) {
        expectSame(seededWeights(5, 4 * g, 11), 5, 4 * g, scheme, opts, 'seeded');
        // f16 scales overflow above 65504: keep those centres lower.
        const hi = (opts.scaleDType ?? sc.defaultScaleDType) === 'f16' ? 12 : 127;
        expectSame(randomBits(7 * 3 * g, g, -149, hi, 12 + g), 7, 3 * g, scheme, opts, 'random bits');
      }
    });
    it(`${scheme}: exact ties, near-ties, zero, -0, subnormal and extreme groups`, () => {
      for (const opts of optionSets(scheme, g)) {
        if (opts.group === -1 || opts.group === 0) continue;
        const { w, rows, cols } = groupsToMatrix(adversarialGroups(scheme, g, opts), g, 3);
        expectSame(w, rows, cols, scheme, opts, 'adversarial');
      }
    });
    it(`${scheme}: odd shapes (one row, K = one group, straddling codes)`, () => {
      const base = sc.fixedBlock !== undefined ? {} : { group: 24 };
      expectSame(seededWeights(1, g, 21), 1, g, scheme, sc.fixedBlock !== undefined ? {} : { group: g }, 'K = one group');
      if (sc.fixedBlock === undefined) {
        expectSame(seededWeights(3, 72, 22), 3, 72, scheme, base, 'G = 24');
        expectSame(seededWeights(3, 5, 23), 3, 5, scheme, { group: 5 }, 'G = 5');
        expectSame(seededWeights(2, 37, 24), 2, 37, scheme, { group: 0 }, 'per channel, K = 37');
      } else {
        expectSame(seededWeights(3, 5 * g, 25), 3, 5 * g, scheme, {}, 'five blocks');
      }
    });
  }

  it('quantize dispatches to the fast path (same result as the reference)', () => {
    const w = seededWeights(4, 256, 31);
    for (const scheme of ['int4', 'bitmod4', 'nf4', 'mxfp4', 'nvfp4', 'ternary'] as const) expectSameTensor(quantize(w, 4, 256, scheme), quantizeReference(w, 4, 256, scheme), scheme);
  });

  it('mirrored groups: BitMoD +/- variants tie in exact arithmetic and the reference\'s rounding decides', () => {
    // Each group holds v and -v at shuffled positions; the _neg grid is the mirror of the _pos
    // grid, so both candidates have the same error terms in a different order.
    const g = 128;
    const groups = 48;
    const base = seededWeights(groups, g / 2, 41);
    const w = new Float32Array(groups * g);
    const rnd = mulberry32(42);
    for (let k = 0; k < groups; k++) {
      const vals = [...base.subarray(k * (g / 2), (k + 1) * (g / 2))];
      const all = [...vals, ...vals.map((v) => -v)];
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [all[i], all[j]] = [all[j] as number, all[i] as number];
      }
      w.set(all, k * g);
    }
    for (const scheme of ['bitmod4', 'bitmod3'] as const) {
      for (const opts of [{}, { scaleDType: 'f32' as const }, { group: 64 }]) expectSame(w, groups, g, scheme, opts, 'mirrored');
    }
  });

  it('errors are the reference errors', () => {
    const nan = seededWeights(2, 64, 1);
    nan[70] = Number.NaN;
    expectSame(nan, 2, 64, 'int4', { group: 32 }, 'NaN');
    expectSame(new Float32Array(128).fill(1e9), 1, 128, 'int4', {}, 'f16 overflow');
    expectSame(new Float32Array(96), 2, 48, 'int4', { group: 32 }, 'group does not divide K');
    expectSame(new Float32Array(64), 1, 64, 'mxfp4', { scale: 'mse' }, 'mse on MX');
  });
});
