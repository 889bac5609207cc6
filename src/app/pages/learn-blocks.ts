/**
 * Learn: block scaling (OCP MX v1.0, NVFP4) on one block of the sample, step by step: the block
 * maximum, the scale from it by the library's rules (MX: shared exponent floor(log2 amax) − emax
 * of the element type, stored as E8M0; NVFP4: amax / 6 / tensor scale rounded to E4M3), the block
 * on the element grid with saturation, and the result against the library's quantize.
 */
import { getScheme } from '../../quant/schemes.js';
import { getDType } from '../../dtype/registry.js';
import { h, labelledSelect, replace, uniqueId } from '../dom.js';
import { chartFrame } from '../charts/frame.js';
import { numberLinePlot } from '../charts/number-line.js';
import { COLOR_MAIN, COLOR_REF } from '../charts/palette.js';
import { stepper, type Step } from '../stepper.js';
import { BLOCK_SCHEMES, SAMPLE_ROWS, blockCount, blockExample, type BlockExample } from '../learn/block-example.js';
import { codeBits, encodingName } from '../learn/encoding.js';
import { bitBoxes, fmt, formula, miniTable, para } from './learn-common.js';

/** Mounts the lesson into `box`. */
export function mountBlockLesson(box: HTMLElement): void {
  const walk = h('div');
  const sel = labelledSelect('Scheme', BLOCK_SCHEMES.map((s) => [s, `${s}: ${getScheme(s).description}`] as const), 'mxfp4', () => render());
  sel.select.id = 'learn-block-scheme';
  const blockId = uniqueId('blk');
  const block = h('input', { id: blockId, type: 'number', value: '3', attrs: { min: '0' } });
  block.addEventListener('change', () => render());
  const blockLabel = h('label', { for: blockId });
  replace(box, [
    para(
      'Block formats give a small block of weights one shared scale chosen from the block maximum and store each element in a tiny float. OCP MX uses blocks of 32 with a power-of-two scale (E8M0: an 8-bit exponent, no sign, no mantissa); NVFP4 uses blocks of 16 with an E4M3 scale and one FP32 scale for the whole tensor.',
    ),
    h('div', { class: 'row' }, [sel.wrap, h('div', { class: 'field' }, [blockLabel, block])]),
    walk,
  ]);
  function render(): void {
    const n = blockCount(sel.select.value);
    block.max = String(n - 1);
    blockLabel.textContent = `Block of the sample (0–${n - 1})`;
    const ex = blockExample(sel.select.value, Number(block.value) || 0);
    block.value = String(ex.block);
    replace(walk, [stepper('blocks', blockSteps(ex))]);
  }
  render();
}

function blockSteps(ex: BlockExample): Step[] {
  const dt = getDType(ex.elementType);
  const saturated = ex.elements.filter((e) => e.saturated);
  const scaleStep: Step =
    ex.kind === 'mx'
      ? {
          title: 'The shared exponent from the block maximum',
          render: () => [
            para(`OCP MX v1.0 section 6.3: the shared exponent puts the block maximum at the top binade of the element type (${ex.elementType}: largest normal ${dt.info.max} = 1.x · 2^${ex.emaxElem}).`),
            formula(`e = floor(log2(amax)) − emax_elem = floor(log2(${fmt(ex.amax)})) − ${ex.emaxElem} = ${ex.sharedExp}`),
            formula(`scale = 2^${ex.sharedExp} = ${fmt(ex.scale)};   E8M0 code = e + 127 = ${ex.e8m0} (0x${(ex.e8m0 as number).toString(16)})`),
            h('p', {}, ['E8M0 bits: ', bitBoxes(codeBits(ex.e8m0 as number, 8).map((b) => ({ label: `b${b.pos}`, bit: b.bit })), 'E8M0 code')]),
          ],
        }
      : {
          title: 'Tensor scale, then the E4M3 block scale',
          render: () => [
            para('NVFP4 first divides the whole tensor by one FP32 scale so that every block scale fits E4M3, then gives each block of 16 the scale that puts its maximum at 6, the largest E2M1 value, rounded to E4M3.'),
            formula(`tensor scale = amax(W) / (6 · 448) = ${fmt(ex.tensorAmax as number)} / 2688 = ${fmt(ex.tensorScale as number)}`),
            formula(`block scale = amax(block) / 6 / tensor scale = ${fmt(ex.amax)} / 6 / ${fmt(ex.tensorScale as number)} = ${fmt(ex.rawBlockScale as number)}  →  E4M3 ${fmt(ex.blockScale as number)}`),
            formula(`elements are divided by ${fmt(ex.blockScale as number)} × ${fmt(ex.tensorScale as number)} = ${fmt(ex.scale)}`),
          ],
        };
  return [
    {
      title: 'The block and its maximum',
      render: () => [
        para(
          `The lesson quantizes the first ${SAMPLE_ROWS} rows of the sample weights as one tensor. Block ${ex.block} of its ${ex.blocks}: ${ex.blockSize} consecutive weights of one row (listed in step 3). Its largest magnitude is amax = max |w| = ${fmt(ex.amax)}, at k = ${ex.elements.findIndex((e) => Math.abs(e.w) === ex.amax)}. `,
          'Everything about the scale follows from this one number.',
        ),
      ],
    },
    scaleStep,
    {
      title: 'Onto the element grid, with saturation',
      render: () => [
        para(
          `Each weight is divided by the scale and rounded to the nearest ${ex.elementType} value (${encodingName(ex.elementType)}; ties to even). Values beyond ±${ex.elementMax} saturate to it: `,
          h('strong', { text: saturated.length ? `${saturated.length} here (k = ${saturated.map((e) => e.k).join(', ')})` : 'none here' }),
          '.',
        ),
        chartFrame({
          title: `Block ${ex.block} ÷ scale on the ${ex.elementType} grid`,
          filename: `lowbit-${ex.scheme}-block-${ex.block}`,
          axes: 'xy',
          legend: [
            { label: `${ex.elementType} values`, color: COLOR_MAIN, shape: 'tick' },
            { label: 'w / scale', color: COLOR_REF, shape: 'dot' },
          ],
          caption: ['Top: the values the element type can store. Bottom: the block divided by its scale. Hover for exact values.'],
          render: (w) =>
            numberLinePlot(
              {
                rows: [
                  { label: ex.elementType, values: Array.from(dt.values), mark: 'tick', color: COLOR_MAIN },
                  { label: 'w / scale', values: ex.elements.map((e) => e.scaled), mark: 'dot', color: COLOR_REF, title: (v, i) => `k=${i}: ${ex.elements[i]?.w} / ${ex.scale} = ${v}` },
                ],
                scale: dt.info.max / dt.info.smallestPositive > 64 ? 'symlog' : 'linear',
                constant: dt.info.smallestPositive,
                domain: [Math.min(-ex.elementMax, ...ex.elements.map((e) => e.scaled)), Math.max(ex.elementMax, ...ex.elements.map((e) => e.scaled))],
                xLabel: 'value in element units',
                ariaLabel: `The block divided by its scale over the ${ex.elementType} values`,
              },
              w,
            ),
        }),
        miniTable(
          'Each element',
          ['k', 'w', 'w / scale', 'code', 'element', 'saturated'],
          ex.elements.map((e) => [String(e.k), fmt(e.w), fmt(e.scaled), bitBoxes(codeBits(e.code, dt.bits).map((b) => ({ label: `b${b.pos}`, bit: b.bit })), `code ${e.code}`), fmt(e.element), e.saturated ? 'yes' : '']),
        ),
      ],
    },
    {
      title: 'Dequantize and compare with the library',
      render: () => [
        formula(ex.kind === 'mx' ? `ŵ = element × 2^${ex.sharedExp}` : `ŵ = element × ${fmt(ex.blockScale as number)} × ${fmt(ex.tensorScale as number)}`),
        miniTable('Dequantized block', ['k', 'w', 'ŵ', 'error'], ex.elements.map((e) => [String(e.k), fmt(e.w), fmt(e.deq), fmt(e.deq - e.w, 3)])),
        h('p', { class: ex.libraryCodesMatch && ex.libraryScale === Math.fround(ex.kind === 'mx' ? ex.scale : (ex.blockScale as number)) ? 'ok-line' : 'error' }, [
          `quantize(sample, '${ex.scheme}') stored scale ${fmt(ex.libraryScale)} for this block and the same ${ex.blockSize} codes: `,
          ex.libraryCodesMatch ? '✓ identical' : '✗ different',
        ]),
      ],
    },
  ];
}
