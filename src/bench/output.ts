/**
 * Writers of a run: the terminal table, CSV (one line per row, every field), JSON (the whole
 * report) and the markdown summary (environment, headlines, one table per suite). Files are
 * written to a temporary name and renamed, so a failed run never leaves a half-written file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable, sig, type Cell } from '../cli/table.js';
import type { BenchReport, BenchRow, SuiteName } from './types.js';

/** The timing line's words for the cpu and peers suites' passes ('' for one). */
function roundsNote(rounds: number | undefined): string {
  return rounds !== undefined && rounds > 1 ? `; cpu and peers: ${rounds} passes over every case, each case's median of its passes' medians` : '';
}

/** CSV columns, in order: every field of a row. */
export const CSV_COLUMNS: readonly (keyof BenchRow)[] = [
  'suite', 'role', 'name', 'layer', 'm', 'n', 'k', 'scheme', 'group', 'kernel', 'variant', 'status', 'timer', 'ms', 'samples', 'bytes',
  'gbps', 'gflops', 'copyGbps', 'fractionOfCopy', 'f32Ms', 'speedupVsF32', 'mbPerS', 'checkWorstRatio', 'peerMs', 'lowbitMs', 'lowbitOverPeer', 'note',
];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows as CSV with a header line. */
export function toCsv(rows: readonly BenchRow[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** Parses CSV text produced by {@link toCsv} (quoted fields, doubled quotes); used by the tests. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      out.push(row);
      row = [];
      cell = '';
    } else if (ch !== '\r') cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    out.push(row);
  }
  return out;
}

const num = (x: number | null, digits = 3): Cell => (x === null ? '-' : sig(x, digits));
const pct = (x: number | null): Cell => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const times = (x: number | null): Cell => (x === null ? '-' : `${sig(x, 3)}x`);
const NOTE_WIDTH = 70;

function short(note: string): string {
  return note.length > NOTE_WIDTH ? `${note.slice(0, NOTE_WIDTH - 1)}…` : note;
}

const HEADER = ['layer', 'M', 'scheme', 'kernel', 'variant', 'status', 'timer', 'ms', 'GB/s', 'GFLOP/s', 'copy GB/s', '% copy', 'vs f32', 'extra', 'note'];

function cells(r: BenchRow): Cell[] {
  const extra = r.suite === 'quantize' ? `${num(r.mbPerS)} MB/s` : r.lowbitOverPeer !== null ? `lowbit ${times(r.lowbitOverPeer)}` : r.checkWorstRatio !== null ? `err/bound ${num(r.checkWorstRatio, 2)}` : '';
  return [r.layer, r.m, r.scheme, r.kernel, r.variant, r.status, r.timer, num(r.ms), num(r.gbps), num(r.gflops), num(r.copyGbps), pct(r.fractionOfCopy), times(r.speedupVsF32), extra, short(r.note)];
}

const SUITE_TITLES: Record<SuiteName, string> = {
  quantize: 'Quantize throughput (MB/s of f32 input): fast path on 1 thread (benny), on every core, and the reference',
  cpu: 'CPU GEMV/GEMM (benny)',
  gpu: 'GPU GEMV/GEMM (kernel only)',
  peers: 'Peers: onnxruntime-node MatMulNBits on identical shapes and weights (wall clock per call)',
};

function environmentLines(r: BenchReport): string[] {
  const e = r.environment;
  const a = e.adapter;
  return [
    `date: ${e.date} (${r.durationS.toFixed(0)} s, preset ${r.preset}, suites ${r.suites.join(', ')})`,
    `adapter: ${a.available ? `${a.description} (${a.software ? 'SOFTWARE adapter: GPU numbers measure a CPU emulating a GPU' : 'hardware'}; ${a.via}; GPU timer ${a.timer})` : `none: ${a.reason}`}`,
    `CPU: ${e.cpuModel}, ${e.cpuCores} cores, ${e.memoryGiB} GiB; load average ${e.loadAvgStart.toFixed(2)} at start, ${e.loadAvgEnd.toFixed(2)} at end`,
    `versions: Node ${e.node}, ${e.chromium}, lowbit ${e.lowbit}, onnxruntime-node ${e.onnxruntime}, webgpu (Dawn) ${e.webgpuPackage}, benny ${e.benny}; ${e.os}`,
    `WebAssembly kernels: ${e.wasmSimd}`,
    `timing: GPU ${r.timing.warmup} warm-up + ${r.timing.iterations} timed dispatches (median); CPU benny maxTime ${r.timing.bennyMaxTime} s, minSamples ${r.timing.bennyMinSamples}; peers ${r.timing.warmup} + ${r.timing.iterations} session.run${roundsNote(r.timing.rounds)}`,
  ];
}

/** The terminal form: environment, one table per suite, headlines. */
export function toTerminal(r: BenchReport): string {
  const parts = [environmentLines(r).join('\n')];
  for (const suite of r.suites) {
    const rows = r.rows.filter((x) => x.suite === suite);
    if (rows.length === 0) continue;
    parts.push(`${SUITE_TITLES[suite]}\n${formatTable(HEADER, rows.map(cells))}`);
  }
  if (r.headlines.length) {
    parts.push(`Headlines\n${formatTable(['headline', 'value', 'unit', 'detail'], r.headlines.map((h) => [h.label, num(h.value), h.unit, h.detail]))}`);
  }
  if (r.tuning) parts.push(`GPU kernel tuning (${r.tuning.source})\n${formatTable(TUNING_HEADER, tuningCells(r.tuning))}`);
  return `${parts.join('\n\n')}\n`;
}

const TUNING_HEADER = ['family-shape', 'WG_SIZE', 'TPR', 'RPT / TILE_M', 'LUT tables', 'swept on', 'best ms', 'default ms', 'candidates'] as const;

/** One row per (family, shape) of the tuning in force, with the sweep's numbers when one ran. */
function tuningCells(t: NonNullable<BenchReport['tuning']>): Cell[][] {
  return Object.entries(t.table).map(([key, v]) => {
    const sw = t.sweep?.find((x) => x.key === key);
    return [key, v.WG_SIZE, v.TPR, v.RPT ?? v.TILE_M ?? '-', v.PAIRS === undefined ? '-' : v.PAIRS ? 'plane pairs' : '16-entry', sw ? `${sw.variant} ${sw.scheme} ${sw.layer} M=${sw.m}` : '-', num(sw?.bestMs ?? null), num(sw?.defaultMs ?? null), sw?.candidates ?? '-'];
  });
}

function mdEscape(c: Cell): string {
  return String(c).replace(/\|/g, '\\|');
}

function mdTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`)].join('\n');
}

/** The markdown summary (bench/results/latest.md). */
export function toMarkdown(r: BenchReport): string {
  const e = r.environment;
  const lines = [
    `# lowbit benchmarks: preset \`${r.preset}\``,
    '',
    'Generated by `npm run bench` (`lowbit bench`); see docs/BENCHMARKS.md for what each column means.',
    '',
    ...environmentLines(r).map((l) => `- ${l}`),
    '',
  ];
  if (e.adapter.available && e.adapter.software) {
    lines.push(
      '> **Software adapter.** The GPU numbers below came from SwiftShader, a CPU emulating a GPU. They show',
      '> relative costs on this machine, not what a hardware GPU does; rerun `npm run bench` on yours.',
      '',
    );
  }
  if (r.headlines.length) {
    lines.push('## Headlines', '', mdTable(['headline', 'value', 'unit', 'detail'], r.headlines.map((h) => [h.label, num(h.value), h.unit, h.detail])), '');
  }
  for (const suite of r.suites) {
    const rows = r.rows.filter((x) => x.suite === suite);
    if (rows.length === 0) continue;
    lines.push(`## ${SUITE_TITLES[suite]}`, '', mdTable(HEADER, rows.map((x) => cells(x).map((c, i) => (i === cells(x).length - 1 ? x.note : c)))), '');
  }
  if (r.tuning) lines.push(`## GPU kernel tuning (${r.tuning.source})`, '', mdTable(TUNING_HEADER, tuningCells(r.tuning)), '');
  return lines.join('\n');
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Writes latest.json, latest.csv and latest.md to `dir`; returns their names. */
export function writeReportFiles(dir: string, report: BenchReport): string[] {
  mkdirSync(dir, { recursive: true });
  const names = ['latest.json', 'latest.csv', 'latest.md'];
  const withFiles: BenchReport = { ...report, files: [...names, ...report.files] };
  writeAtomic(join(dir, 'latest.csv'), toCsv(report.rows));
  writeAtomic(join(dir, 'latest.md'), toMarkdown(withFiles));
  writeAtomic(join(dir, 'latest.json'), `${JSON.stringify(withFiles, null, 2)}\n`);
  return names;
}
