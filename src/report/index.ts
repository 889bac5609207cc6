/** The model report (runs anywhere): per tensor x scheme error over a model, totals, the bits-budget plan, JSON/CSV output, activations. */
export * from './model-report.js';
export * from './error-sums.js';
export * from './activations.js';
export * from './activation-provider.js';
export * from './budget-plan.js';
export * from './report-output.js';
export * from './tensor-quantizer.js';
