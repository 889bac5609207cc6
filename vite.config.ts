// Vite build of the browser app: index.html at the repo root is the entry, the static site goes
// to dist-app/ with relative URLs (base './') so it works from any static host and offline, and
// the Web Worker is bundled as an ES module.
import { defineConfig } from 'vite';

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
  },
});
