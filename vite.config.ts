// Vite build of the browser app: index.html at the repo root is the entry, the static site goes
// to dist-app/ with relative URLs (base './') so it works from any static host and offline, and
// the Web Worker is bundled as an ES module.
//
// Both servers (`npm run dev`, `vite preview`) send the two headers that make the page
// cross-origin isolated: that gives it SharedArrayBuffer, which the WebAssembly kernels' threads
// need (src/cpu/wasm-threads.ts; without isolation they run on one thread). A static host of
// dist-app must send the same two headers on every response (README, docs/BENCHMARKS.md).
import { defineConfig } from 'vite';

/** COOP + COEP: the page becomes cross-origin isolated (crossOriginIsolated === true). */
export const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

export default defineConfig({
  root: '.',
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist-app',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: {
    format: 'es',
  },
  server: {
    // The dev server only serves this machine.
    host: '127.0.0.1',
    headers: CROSS_ORIGIN_ISOLATION_HEADERS,
  },
  preview: {
    host: '127.0.0.1',
    headers: CROSS_ORIGIN_ISOLATION_HEADERS,
  },
});
