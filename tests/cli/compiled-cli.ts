/**
 * The CLI compiled to JavaScript for tests that must run it as a child process (signals): every
 * src/ file transpiled one by one with TypeScript (no type check; `npm test` type-checks first)
 * into a folder under node_modules/.cache, so bare imports resolve to this checkout's packages.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Transpiles src/ and writes an entry running `main`; returns its path and a cleanup. */
export function compileCli(root = process.cwd()): { entry: string; cleanup(): void } {
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'lowbit-cli-test-'));
  for (const file of tsFiles(join(root, 'src'))) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true },
      fileName: file,
    }).outputText;
    const dest = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  writeFileSync(join(out, 'package.json'), '{"type": "module"}\n');
  const entry = join(out, 'lowbit.js');
  writeFileSync(entry, "import { main } from './src/cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
  return { entry, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}
