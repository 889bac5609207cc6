#!/usr/bin/env node
// `npm run bench:gpu`: the hardware-GPU run in one command. On a Linux machine with an NVIDIA, AMD
// or Intel GPU and its Vulkan driver it
//   1. checks Node, installs the locked npm dependencies when node_modules is missing (npm ci) and
//      builds the CLI when dist/ is missing: nothing beyond what the repository carries;
//   2. finds the Vulkan loader and the driver manifests (ICDs) and says which are hardware;
//   3. prints `lowbit gpu` (the adapter Dawn found, its features and limits, a live check);
//   4. runs `lowbit verify --quick` (every scheme x GPU kernel variant against the f64 oracle);
//   5. runs `lowbit bench --preset llm --only gpu,peers --tune` (the GPU suite and the onnxruntime
//      peers on the LLM layer shapes, after sweeping the kernels' workgroup constants);
//   6. writes bench/results/<adapter>.md and .json (and <adapter>-tuning.json) with a header of
//      what ran, how long each step took and the verify result.
// The whole run aims at about 10 minutes on a hardware GPU (--budget-min); it reports, never
// aborts, when it runs over.
//
// Options:
//   --tiny            a few-second plumbing run (tiny preset, verify on int4 only, one tuning
//                     sweep); what the test suite runs on the software adapter
//   --out DIR         write the results to DIR instead of bench/results
//   --allow-software  run even when the only adapter is a software one (SwiftShader, llvmpipe)
//   --budget-min N    the time budget to report against (default 10)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const known = new Set(['--tiny', '--out', '--allow-software', '--budget-min']);
for (const a of argv) {
  if (a.startsWith('--') && !known.has(a)) {
    console.error(`bench:gpu: unknown option ${a} (known: ${[...known].join(', ')})`);
    process.exit(2);
  }
}
const tiny = flag('--tiny');
const allowSoftware = flag('--allow-software');
const budgetMin = Number(value('--budget-min', '10'));
const outDir = value('--out', join(root, 'bench', 'results'));
const MIN_NODE = [20, 19];
const t0 = Date.now();
const steps = [];

function elapsed() {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}
function log(line) {
  process.stderr.write(`[bench:gpu ${elapsed().padStart(8)}] ${line}\n`);
}
function fail(message, code = 1) {
  log(`FAILED: ${message}`);
  process.exit(code);
}

/** Runs a command, streaming its stderr; returns { status, stdout, seconds }. */
function step(name, cmd, args, opts = {}) {
  const s = Date.now();
  log(`${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  const seconds = (Date.now() - s) / 1000;
  steps.push({ name, command: [cmd, ...args].join(' '), status: r.status, seconds });
  if (r.error) fail(`${name}: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout ?? '', seconds };
}

// 1. Node, dependencies, build.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) fail(`Node ${process.versions.node} is too old; lowbit needs ${MIN_NODE.join('.')} or newer`);
if (!existsSync(join(root, 'node_modules', 'webgpu'))) {
  if (step('install', 'npm', ['ci']).status !== 0) fail('npm ci failed');
}
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  if (step('build', 'npm', ['run', 'build:cli']).status !== 0) fail('npm run build:cli failed');
}

// 2. The Vulkan loader and drivers.
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const LOADER_PATHS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1', '/usr/local/lib/libvulkan.so.1'];
const SOFTWARE_ICD = /lvp|lavapipe|swiftshader|llvmpipe/i;
const loader = LOADER_PATHS.find((p) => existsSync(p));
const icds = ICD_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => join(d, f)) : []));
const hardwareIcds = icds.filter((p) => !SOFTWARE_ICD.test(p));
log(`Vulkan loader: ${loader ?? 'not found in the usual places'}`);
log(`Vulkan drivers: ${icds.length ? icds.map((p) => `${p}${SOFTWARE_ICD.test(p) ? ' (software)' : ''}`).join(', ') : 'none in ' + ICD_DIRS.join(', ')}`);
if (process.env.VK_ICD_FILENAMES) log(`VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES} (the Vulkan loader uses only these)`);
if (existsSync('/proc/driver/nvidia/version') && !icds.some((p) => /nvidia/i.test(p))) {
  log('an NVIDIA kernel driver is loaded but no nvidia_icd.json was found: install the driver\'s Vulkan part, or in a container set NVIDIA_DRIVER_CAPABILITIES=all (graphics includes Vulkan)');
}
if (hardwareIcds.length === 0 && !allowSoftware && !tiny) {
  log('no hardware Vulkan driver manifest found; lowbit will look for an adapter anyway and stop if it is a software one');
}

// 3. lowbit gpu.
const lowbit = join(root, 'bin', 'lowbit.js');
const gpuJson = step('lowbit gpu', process.execPath, [lowbit, 'gpu', '--json']);
let gpuInfo;
try {
  gpuInfo = JSON.parse(gpuJson.stdout);
} catch {
  fail(`lowbit gpu did not find a WebGPU adapter (exit ${gpuJson.status}); see the message above. Install the GPU's Vulkan driver and libvulkan1.`);
}
const adapter = gpuInfo.adapter;
const adapterName = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' / ');
log(`adapter: ${adapterName} (${adapter.software ? 'software' : 'hardware'}, ${adapter.via}); features: ${Object.entries(gpuInfo.capabilities).filter(([, on]) => on).map(([k]) => k).join(', ')}`);
const gpuText = step('lowbit gpu', process.execPath, [lowbit, 'gpu']);
process.stdout.write(gpuText.stdout);
if (adapter.software && !allowSoftware && !tiny) {
  fail('the only WebGPU adapter is a software one: this run is meant for a hardware GPU (use --allow-software to run it anyway)', 3);
}

// 4. lowbit verify --quick.
const verifyArgs = [lowbit, 'verify', '--quick', ...(tiny ? ['--schemes', 'int4'] : [])];
const verify = step('lowbit verify', process.execPath, verifyArgs);
const verifyLine = verify.stdout.trim().split('\n').filter((l) => /pass.*fail/.test(l)).pop() ?? `exit ${verify.status}`;
log(`verify: ${verifyLine}`);

// 5. lowbit bench.
const work = mkdtempSync(join(tmpdir(), 'lowbit-bench-gpu-'));
const benchArgs = tiny
  ? [lowbit, 'bench', '--preset', 'tiny', '--only', 'gpu,peers', '--peers', 'webgpu', '--tune-only', 'dequant-gemv', '--out', work]
  : [lowbit, 'bench', '--preset', 'llm', '--only', 'gpu,peers', '--tune', '--out', work];
const bench = step('lowbit bench', process.execPath, benchArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
if (bench.status !== 0 && !existsSync(join(work, 'latest.json'))) fail(`lowbit bench failed (exit ${bench.status}) without results`);

// 6. Results named after the adapter.
const tuningName = readdirSync(work).find((f) => f.startsWith('tuning-') && f.endsWith('.json'));
const slug = tuningName
  ? tuningName.slice('tuning-'.length, -'.json'.length)
  : adapterName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'unknown-adapter';
mkdirSync(outDir, { recursive: true });
const totalS = (Date.now() - t0) / 1000;
const header = [
  `# lowbit bench:gpu on ${adapterName}`,
  '',
  `- adapter: ${adapterName} (${adapter.software ? 'SOFTWARE' : 'hardware'}; ${adapter.via})`,
  `- features: ${Object.entries(gpuInfo.capabilities).filter(([, on]) => on).map(([k]) => k).join(', ') || 'none'}`,
  `- lowbit verify${tiny ? ' (int4 only)' : ''} --quick: ${verifyLine}`,
  `- total ${totalS.toFixed(0)} s (budget ${budgetMin} min${totalS > budgetMin * 60 ? ', OVER' : ''}); steps: ${steps.map((s) => `${s.name} ${s.seconds.toFixed(0)} s (exit ${s.status})`).join(', ')}`,
  `- command: npm run bench:gpu${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  '',
  '```',
  gpuText.stdout.trim(),
  '```',
  '',
].join('\n');
const md = readFileSync(join(work, 'latest.md'), 'utf8');
writeFileSync(join(outDir, `${slug}.md`), `${header}\n${md}`);
const report = JSON.parse(readFileSync(join(work, 'latest.json'), 'utf8'));
writeFileSync(join(outDir, `${slug}.json`), `${JSON.stringify({ ...report, benchGpu: { adapter: adapterName, verify: verifyLine, verifyExit: verify.status, steps, totalS, budgetMin } }, null, 2)}\n`);
if (tuningName) copyFileSync(join(work, tuningName), join(outDir, `${slug}-tuning.json`));
rmSync(work, { recursive: true, force: true });
log(`wrote ${join(outDir, `${slug}.md`)}, ${slug}.json${tuningName ? `, ${slug}-tuning.json` : ''}`);
if (totalS > budgetMin * 60) log(`the run took ${(totalS / 60).toFixed(1)} min, over the ${budgetMin} min budget`);
process.exit(verify.status === 0 && bench.status === 0 ? 0 : 1);
