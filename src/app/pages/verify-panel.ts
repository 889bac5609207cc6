/**
 * The `lowbit verify` matrix on the embedded sample, for chosen schemes, in its own worker:
 * verifyMatrix (src/gpu/verify.ts) row by row, each skipped row with its reason in a few words.
 */
import { ALL_SCHEME_NAMES } from '../../quant/schemes.js';
import type { VerifyRow } from '../../gpu/verify.js';
import { h, labelledCheckbox, replace, scrollTable, uniqueId } from '../dom.js';
import { fmtMs, fmtNum } from '../format.js';
import type { AppEnv } from '../env.js';
import { WorkerClient } from '../worker-client.js';

/** The result cell of a verify row: pass / fail / error, or "skipped: <reason>". */
export function verifyResultText(r: VerifyRow): string {
  if (r.status === 'skip') return `skipped: ${r.message}`;
  if (r.status === 'pass') return '✓ pass';
  return r.status === 'fail' ? '✗ fail' : '✗ error';
}

/** Builds the panel. */
export function verifyPanel(env: AppEnv): HTMLElement {
  const client = new WorkerClient();
  const quick = labelledCheckbox('quick (64 × 256, M = 1 and 3)', true);
  quick.input.dataset.testid = 'verify-quick';
  const schemesId = uniqueId('vschemes');
  const schemesInput = h('input', { id: schemesId, type: 'text', value: 'int4, bitmod4, mxfp4', attrs: { spellcheck: 'false' } });
  const runBtn = h('button', { type: 'button', class: 'button', id: 'run-verify', text: 'Run the verification matrix', disabled: !env.gpu.available });
  const cancelBtn = h('button', { type: 'button', class: 'button', id: 'cancel-verify', text: 'Cancel', disabled: true, on: { click: () => client.cancel() } });
  const progress = h('progress', { attrs: { max: '1', value: '0', 'aria-label': 'Verification progress' } });
  const status = h('p', { class: 'status', id: 'verify-status', role: 'status' });
  const body = h('tbody');
  const table = h('table', { class: 'results', id: 'verify-table' }, [
    h('thead', {}, [h('tr', {}, ['scheme', 'variant that ran', 'CPU twin', 'result', 'shapes M×N×K', 'err / bound', 'max |err|', 'time'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
    body,
  ]);
  const panel = h('details', { class: 'panel verify-panel', id: 'verify-panel' }, [
    h('summary', {}, [h('h3', { text: 'GPU verification matrix (lowbit verify)' })]),
    h('p', {
      class: 'muted',
      text: 'verifyMatrix (src/gpu/verify.ts), as `lowbit verify` runs it: the embedded sample quantized with each scheme, the GPU dequantize compared bit for bit, then every kernel variant that supports the scheme against the f64 oracle under its bound.',
    }),
    env.gpu.available ? null : h('p', { class: 'notice', text: 'Needs WebGPU.' }),
    h('div', { class: 'row' }, [h('div', { class: 'field' }, [h('label', { for: schemesId, text: 'Schemes (comma separated)' }), schemesInput]), quick.wrap, runBtn, cancelBtn, progress]),
    status,
    scrollTable(table, 'Verification matrix rows'),
  ]);
  const rows: VerifyRow[] = [];
  runBtn.addEventListener('click', () => {
    const schemes = schemesInput.value.split(/[\s,]+/).filter(Boolean);
    const unknown = schemes.filter((x) => !(ALL_SCHEME_NAMES as readonly string[]).includes(x));
    if (schemes.length === 0 || unknown.length) {
      status.textContent = unknown.length ? `Unknown scheme(s): ${unknown.join(', ')}` : 'Name at least one scheme.';
      return;
    }
    rows.length = 0;
    replace(body, []);
    runBtn.disabled = true;
    cancelBtn.disabled = false;
    panel.dataset.state = 'running';
    status.textContent = `Verifying ${schemes.join(', ')}…`;
    void client
      .run(
        { kind: 'verify', schemes, quick: quick.input.checked },
        {
          onMessage(msg) {
            if (msg.type === 'progress') progress.value = msg.total ? msg.done / msg.total : 1;
            else if (msg.type === 'verify') {
              const r = msg.row;
              rows.push(r);
              const bad = r.status === 'fail' || r.status === 'error';
              body.appendChild(
                h('tr', { class: `status-${r.status === 'pass' ? 'ok' : r.status === 'skip' ? 'unavailable' : 'mismatch'}`, dataset: { status: r.status } }, [
                  h('td', { text: r.scheme }),
                  h('td', {}, [h('code', { text: r.variant })]),
                  h('td', { text: r.cpuTwin }),
                  h('td', { class: 'status-cell' }, [verifyResultText(r), bad ? h('div', { class: 'note', text: r.message }) : null]),
                  h('td', { text: r.shapes.join(' ') }),
                  h('td', { class: 'num', text: fmtNum(r.worstRatio, 3) }),
                  h('td', { class: 'num', text: fmtNum(r.maxAbsErr, 3) }),
                  h('td', { class: 'num', text: r.gpuMs === undefined ? '–' : `${fmtMs(r.gpuMs)} (${r.timer ?? ''})` }),
                ]),
              );
            }
          },
        },
      )
      .then((o) => {
        runBtn.disabled = false;
        cancelBtn.disabled = true;
        const pass = rows.filter((r) => r.status === 'pass').length;
        const bad = rows.filter((r) => r.status === 'fail' || r.status === 'error').length;
        status.textContent =
          o.kind === 'done' ? `${pass} passed, ${bad} failed, ${rows.length - pass - bad} skipped on ${o.adapter ?? 'the GPU'}.` : o.kind === 'cancelled' ? 'Cancelled.' : o.message;
        panel.dataset.state = o.kind;
      });
  });
  return panel;
}
