/**
 * The lowbit browser app: four pages behind accessible tabs (Validate, Explore, Benchmark,
 * Learn). Each page is built the first time it is shown; the URL hash names the page.
 */
import { probeGpu, type AppEnv } from './env.js';
import { mountValidate } from './pages/validate.js';
import { mountExplore } from './pages/explore.js';
import { mountBench } from './pages/bench.js';
import { mountLearn } from './pages/learn.js';
import { errorMessage } from './errors.js';

const PAGES = {
  validate: mountValidate,
  explore: mountExplore,
  bench: mountBench,
  learn: mountLearn,
} as const;

type PageName = keyof typeof PAGES;

function isPage(name: string): name is PageName {
  return Object.prototype.hasOwnProperty.call(PAGES, name);
}

async function start(): Promise<void> {
  const status = document.getElementById('gpu-status') as HTMLElement;
  const gpu = await probeGpu();
  status.textContent = gpu.available ? `WebGPU: ${gpu.text}${gpu.software ? ' (software adapter: timings measure a CPU emulating a GPU)' : ''}` : `No WebGPU: CPU paths only (${gpu.text})`;
  status.classList.add(gpu.available ? 'ok' : 'off');
  document.body.dataset.gpu = gpu.available ? 'yes' : 'no';
  const env: AppEnv = { gpu };

  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
  const mounted = new Set<PageName>();

  function show(name: PageName, focus: boolean): void {
    for (const tab of tabs) {
      const page = tab.dataset.page ?? '';
      const on = page === name;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(`page-${page}`) as HTMLElement;
      panel.hidden = !on;
      if (on && focus) tab.focus();
    }
    if (!mounted.has(name)) {
      mounted.add(name);
      const panel = document.getElementById(`page-${name}`) as HTMLElement;
      try {
        PAGES[name](panel, env);
      } catch (err) {
        panel.textContent = `This page failed to start: ${errorMessage(err)}`;
      }
      panel.dataset.ready = 'true';
    }
    if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
    document.title = `lowbit · ${name[0]?.toUpperCase()}${name.slice(1)}`;
  }

  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => {
      const p = tab.dataset.page ?? '';
      if (isPage(p)) show(p, false);
    });
    // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
    tab.addEventListener('keydown', (ev) => {
      const delta = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
      const target = ev.key === 'Home' ? tabs[0] : ev.key === 'End' ? tabs[tabs.length - 1] : delta ? tabs[(i + delta + tabs.length) % tabs.length] : undefined;
      if (!target) return;
      ev.preventDefault();
      const p = target.dataset.page ?? '';
      if (isPage(p)) show(p, true);
    });
  });
  window.addEventListener('hashchange', () => {
    const p = location.hash.slice(1);
    if (isPage(p)) show(p, false);
  });
  const initial = location.hash.slice(1);
  show(isPage(initial) ? initial : 'validate', false);
  document.body.dataset.ready = 'true';
}

void start();
