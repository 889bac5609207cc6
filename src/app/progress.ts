/**
 * Progress of a run spread over several workers: each job reports done/total of its own units,
 * jobs weigh by their work (elements x schemes), and the time left is the elapsed time scaled by
 * the work left. Pure TS.
 */

/** Progress over weighted jobs. */
export class RunProgress {
  private readonly fractions: number[];
  private readonly weights: readonly number[];
  private readonly sum: number;

  /** `weights[i]`: the work of job i (any unit; elements x schemes in the app). */
  constructor(weights: readonly number[]) {
    for (const w of weights) if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`RunProgress: job weights must be finite and >= 0, got ${w}`);
    this.weights = [...weights];
    this.fractions = weights.map(() => 0);
    this.sum = weights.reduce((a, b) => a + b, 0);
  }

  /** Job `job` has done `done` of its `total` units. */
  update(job: number, done: number, total: number): void {
    if (job < 0 || job >= this.fractions.length) return;
    this.fractions[job] = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  }

  /** The job is over. */
  finish(job: number): void {
    this.update(job, 1, 1);
  }

  /** Work done / all work, in [0, 1] (1 when there is no work). */
  fraction(): number {
    if (this.sum === 0) return 1;
    let d = 0;
    this.fractions.forEach((f, i) => (d += f * (this.weights[i] as number)));
    return d / this.sum;
  }

  /** Milliseconds left at the rate so far, or undefined before any work is done. */
  etaMs(elapsedMs: number): number | undefined {
    const f = this.fraction();
    if (f <= 0) return undefined;
    return (elapsedMs * (1 - f)) / f;
  }
}

/** A duration for people: "45 s", "3 min 05 s", "2 h 07 min". */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
