/**
 * A step-by-step walkthrough control for the Learn page: a list of numbered steps (each a button
 * that jumps there), the current step's content, "Previous" / "Next step" buttons and a "Show all
 * steps" switch. Every control is a native button or checkbox, so the keyboard reaches them all.
 */
import { h, replace, uniqueId, type HChild } from './dom.js';

/** One step: a short title and its content, rendered when shown. */
export interface Step {
  readonly title: string;
  render(): HChild[];
}

/** Builds a stepper over `steps`; `name` labels it for assistive technology and tests (data-walk). */
export function stepper(name: string, steps: readonly Step[]): HTMLElement {
  let at = 0;
  let all = false;
  const listId = uniqueId('steps');
  const body = h('div', { class: 'step-body', role: 'region', attrs: { 'aria-live': 'polite', 'aria-label': `${name}: current step` } });
  const prev = h('button', { type: 'button', class: 'button', text: '← Previous', dataset: { act: 'prev' }, on: { click: () => go(at - 1) } });
  const next = h('button', { type: 'button', class: 'button primary', text: 'Next step →', dataset: { act: 'next' }, on: { click: () => go(at + 1) } });
  const pos = h('span', { class: 'step-pos muted' });
  const allId = uniqueId('all');
  const allBox = h('input', { id: allId, type: 'checkbox', dataset: { act: 'all' } });
  allBox.addEventListener('change', () => {
    all = allBox.checked;
    render();
  });
  const jumps = steps.map((s, i) =>
    h('li', {}, [h('button', { type: 'button', class: 'step-jump', text: `${i + 1}. ${s.title}`, dataset: { step: String(i) }, on: { click: () => go(i) } })]),
  );
  const list = h('ol', { class: 'step-list', id: listId, attrs: { 'aria-label': `${name}: steps` } }, jumps);
  const root = h('div', { class: 'stepper', dataset: { walk: name, step: '0', steps: String(steps.length) } }, [
    list,
    h('div', { class: 'step-controls' }, [prev, pos, next, h('span', { class: 'check' }, [allBox, h('label', { for: allId, text: 'Show all steps' })])]),
    body,
  ]);

  function go(i: number): void {
    at = Math.min(Math.max(0, i), steps.length - 1);
    render();
  }

  function section(i: number): HTMLElement {
    const s = steps[i] as Step;
    return h('section', { class: 'step', dataset: { index: String(i) } }, [h('h4', { text: `Step ${i + 1} of ${steps.length}: ${s.title}` }), ...s.render()]);
  }

  function render(): void {
    root.dataset.step = String(at);
    prev.disabled = all || at === 0;
    next.disabled = all || at === steps.length - 1;
    pos.textContent = all ? `all ${steps.length} steps` : `${at + 1} / ${steps.length}`;
    jumps.forEach((li, i) => {
      const b = li.firstElementChild as HTMLElement;
      if (i === at && !all) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
    });
    replace(body, all ? steps.map((_, i) => section(i)) : [section(at)]);
    // Where the step list scrolls sideways (narrow screens), bring the current step into view.
    const current = jumps[at]?.firstElementChild as HTMLElement | undefined;
    if (current && list.scrollWidth > list.clientWidth) list.scrollLeft = Math.max(0, current.offsetLeft - list.offsetLeft - list.clientWidth / 3);
  }

  render();
  return root;
}
