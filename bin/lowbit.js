#!/usr/bin/env node
// The `lowbit` command. The TypeScript sources are compiled to dist/ by `npm run build:cli`, which
// `npm ci` / `npm install` run by themselves (the `prepare` script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error("lowbit: dist/ is missing. Run 'npm run build:cli' in the lowbit checkout (npm ci and npm install run it by themselves).");
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
