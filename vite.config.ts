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
    // The worker imports verifyMatrix from src/cli/cmd-verify.ts, whose module pulls in the CLI's
    // argument parser (node:util parseArgs, never called there): give the browser a stand-in.
    alias: { 'node:util': fileURLToPath(new URL('./src/app/shims/node-util.ts', import.meta.url)) },
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
