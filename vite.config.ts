// Vite build of the browser app: index.html at the repo root is the entry, the static site goes
// to dist-app/ with relative URLs (base './') so it works from any static host and offline, and
// the Web Worker is bundled as an ES module.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: '.',
  base: './',
  publicDir: false,
  resolve: {
    // src/bench/shapes.ts (reached through the GPU bench suite) imports readFileSync for its
    // Node-only table loader, which the app never calls: give the browser a stand-in that throws.
    alias: [{ find: /^node:fs$/, replacement: fileURLToPath(new URL('./src/app/shims/node-fs.ts', import.meta.url)) }],
  },
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
