/** Quantize throughput per scheme: MB/s of f32 input, timed with benny, beside a memcpy of the same bytes. */
import { getScheme } from '../quant/schemes.js';
import { quantize } from '../quant/quantize.js';
import { runBennySuite, spreadNote } from './benny-run.js';
import type { BenchContext } from './context.js';
import { cpuCopyGbps } from './suite-cpu.js';
import { errorText, makeRow, mbPerS } from './measure.js';

const F32_BYTES = 4;

/** Runs the quantize suite of the context's preset. */
export async function runQuantizeSuite(ctx: BenchContext): Promise<void> {
  const t = ctx.preset.timing;
  for (const c of ctx.preset.quantize) {
    const { layer } = c;
    const w = ctx.weightsOf(layer);
    const bytes = layer.n * layer.k * F32_BYTES;
    const copyGbps = cpuCopyGbps(ctx, bytes);
    const title = `quantize ${layer.name} ${layer.n}x${layer.k}`;
    ctx.progress(`${title}: ${c.schemes.length} schemes`);
    const failed = new Map<string, string>();
    const cases = c.schemes.flatMap((scheme) => {
      try {
        // Quantize once outside the timing: catches unsupported options and warms the JIT.
        ctx.quantized(layer, scheme);
        return [{ name: scheme, fn: () => quantize(w, layer.n, layer.k, scheme) }];
      } catch (err) {
        failed.set(scheme, errorText(err));
        return [];
      }
    });
    const timings = await runBennySuite(title, cases, {
      maxTime: t.bennyMaxTime,
      minSamples: c.bennyMinSamples ?? t.bennyMinSamples,
      ...(ctx.charts && ctx.outDir ? { chart: { folder: `${ctx.outDir}/charts`, file: `quantize-${layer.name}` } } : {}),
      onCase: (name, done, total) => ctx.progress(`  [${done}/${total}] quantize ${name}`),
    });
    if (ctx.charts && ctx.outDir && cases.length) ctx.files.push(`charts/quantize-${layer.name}.chart.html`);
    for (const scheme of c.schemes) {
      const timing = timings.get(scheme);
      const group = failed.has(scheme) ? getScheme(scheme).defaultGroup : ctx.quantized(layer, scheme).groupSize;
      ctx.rows.push(
        makeRow({
          suite: 'quantize',
          role: 'kernel',
          layer: layer.name,
          m: 1,
          n: layer.n,
          k: layer.k,
          scheme,
          group,
          kernel: 'quantize',
          status: failed.has(scheme) ? 'error' : 'ok',
          note: failed.get(scheme) ?? `MB/s of f32 input; GB/s counts the f32 input read once${timing ? `; ${spreadNote(timing)}` : ''}`,
          timer: timing ? 'benny' : 'none',
          ms: timing?.medianMs ?? null,
          samples: timing?.samples ?? 0,
          bytes,
          flops: 0,
          copyGbps,
          mbPerS: timing ? mbPerS(bytes, timing.medianMs) : null,
        }),
      );
    }
  }
}
