// Three test projects: `unit` (Node, no GPU), `gpu-node` (Node + Dawn) and `gpu-browser`
// (Vitest browser mode: Playwright drives the system Chromium with WebGPU on). The same
// tests/**/*.gpu.test.ts files run in both GPU projects; tests/**/*.gpu-node.test.ts (GPU tests
// that need Node, such as the CLI's file I/O) run in gpu-node only.
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_WEBGPU_FLAGS } from './tests/chromium-flags.js';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './vite.config.js';

const chromiumPath = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';
// Both GPU projects read this through inject('ci'): under CI a missing adapter fails the run.
const ci = process.env.CI === 'true' || process.env.CI === '1';

export default defineConfig({
  test: {
    reporters: ['default', './tests/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.gpu.test.ts', 'tests/**/*.gpu-node.test.ts', 'tests/app/**', 'tests/package/**', 'node_modules/**'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'gpu-node',
          provide: { ci },
          include: ['tests/**/*.gpu.test.ts', 'tests/**/*.gpu-node.test.ts'],
          environment: 'node',
          // One Dawn instance per forked process; threads share a process and Dawn is not
          // happy being torn down from worker threads.
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The test pages are cross-origin isolated (SharedArrayBuffer: the WebAssembly kernels'
        // threads): the browser server sends COOP + COEP on every response.
        server: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
        test: {
          name: 'gpu-browser',
          provide: { ci },
          include: ['tests/**/*.gpu.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: chromiumPath,
                args: [...CHROMIUM_WEBGPU_FLAGS],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          // The browser app end to end: builds dist-app with Vite, serves it, drives Chromium.
          name: 'app',
          include: ['tests/app/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The packed tarball installed into an empty project: examples/ and every CLI command.
          name: 'package',
          include: ['tests/package/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
