/**
 * "Did you mean" suggestions for names a user typed: schemes, datatypes, kernels, commands.
 * A candidate is suggested when it equals the name ignoring case, starts with it (3 or more
 * characters typed), or is within a small edit distance (optimal string alignment: insertions,
 * deletions, substitutions and adjacent transpositions, ignoring case).
 */

/** Edit distance between a and b (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d = new Uint32Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min((d[(i - 1) * cols + j] as number) + 1, (d[i * cols + j - 1] as number) + 1, (d[(i - 1) * cols + j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, (d[(i - 2) * cols + j - 2] as number) + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1] as number;
}

/**
 * Most similar candidates to `name`, best first (at most `max`); empty when none is close. A
 * candidate equal to `name` ignoring case is the only suggestion.
 */
export function nearestNames(name: string, candidates: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same !== undefined) return [same];
  const limit = Math.max(1, Math.floor(name.length / 3));
  const scored: { c: string; score: number }[] = [];
  for (const c of candidates) {
    const cl = c.toLowerCase();
    let score: number;
    if (cl === lower) score = 0;
    else if (lower.length >= 3 && cl.startsWith(lower)) score = 0.5;
    else {
      const dist = editDistance(lower, cl);
      if (dist > limit) continue;
      score = dist;
    }
    scored.push({ c, score });
  }
  scored.sort((x, y) => x.score - y.score || x.c.localeCompare(y.c));
  // Only the closest tier (within one edit of the best) is worth naming.
  const best = scored[0]?.score ?? 0;
  return scored
    .filter((s) => s.score <= best + 1)
    .slice(0, max)
    .map((s) => s.c);
}

/** "did you mean a or b?" for the nearest candidates, or '' when none is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = nearestNames(name, candidates);
  if (near.length === 0) return '';
  const list = near.length === 1 ? (near[0] as string) : `${near.slice(0, -1).join(', ')} or ${near[near.length - 1]}`;
  return `did you mean ${list}?`;
}

/**
 * The error text for an unknown name: `Unknown <kind> "x"; did you mean y? Known <kinds>: ...`
 * (the known list only when it is short enough to read, `listLimit` names).
 */
export function unknownNameMessage(kind: string, name: string, candidates: readonly string[], known: readonly string[] = candidates, listLimit = 64): string {
  const dym = didYouMean(name, candidates);
  const list = known.length <= listLimit ? ` Known ${kind}s: ${known.join(', ')}` : '';
  return `Unknown ${kind} "${name}"${dym ? `; ${dym}` : '.'}${list}`;
}
