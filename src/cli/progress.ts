/** Progress of a long command on stderr: one updating line on a terminal, a line every few seconds otherwise. */
import type { ReportProgress } from '../report/model-report.js';

/** Least milliseconds between two progress lines when stderr is not a terminal (logs, CI). */
const LOG_INTERVAL_MS = 5000;
/** Least milliseconds between two redraws of the terminal line. */
const TTY_INTERVAL_MS = 100;

/** "1h02m", "3m12s", "42s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** "512 MB", "1.50 GB". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)} MB`;
  return `${(n / 1e3).toFixed(0)} kB`;
}

/** The text of one progress line. */
export function progressLine(p: ReportProgress): string {
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
  const what = p.phase === 'read' ? `reading ${p.tensor}` : `${p.tensor} ${p.scheme ?? ''}`;
  const eta = p.etaMs === undefined ? '' : `, ${formatDuration(p.etaMs)} left`;
  return `[${p.index + 1}/${p.tensors}] ${pct}% ${what} (${formatBytes(p.bytesRead)} read, ${formatDuration(p.elapsedMs)}${eta})`;
}

/** Writes progress to `out` (see the module comment); `finish` clears the terminal line. */
export function progressPrinter(out: NodeJS.WriteStream): { update(p: ReportProgress): void; finish(): void } {
  const tty = out.isTTY === true;
  let last = -Infinity;
  let drawn = false;
  return {
    update(p) {
      const t = performance.now();
      if (t - last < (tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
      last = t;
      const line = progressLine(p);
      if (tty) {
        const width = out.columns ?? 100;
        out.write(`\r\x1b[K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
        drawn = true;
      } else {
        out.write(`lowbit report: ${line}\n`);
      }
    },
    finish() {
      if (tty && drawn) out.write('\r\x1b[K');
    },
  };
}
