/**
 * Activations for a model report from a model of activation tensors (a .npy, a .safetensors, an
 * index or a directory): one tensor is X shared by every weight; several are X per layer, found
 * by the weight's name or by the name without its `.weight` suffix (the module name that forward
 * hooks record). Pure TS.
 */
import type { Model, ModelTensor } from '../io/model.js';
import { quoteString } from '../io/quote.js';
import { activationShape, type Activations } from './activations.js';
import type { ActivationProvider } from './model-report.js';

const WEIGHT_SUFFIX = /\.weight$/;

/** The names under which the activations of weight tensor `name` are looked up, in order. */
export function activationNames(name: string): string[] {
  const bare = name.replace(WEIGHT_SUFFIX, '');
  return bare === name ? [name] : [name, bare];
}

async function load(model: Model, t: ModelTensor): Promise<Activations | string> {
  const shape = activationShape(t.shape);
  if (typeof shape === 'string') return `${quoteString(t.name)}: ${shape}`;
  if (t.kind === undefined) return `${quoteString(t.name)}: dtype ${t.dtype} cannot be read as f32`;
  return { name: t.name, x: await model.read(t), m: shape.m, k: shape.k };
}

/**
 * A provider over `model` (see the module comment). A shared X is read once and kept; per-layer
 * X are read when their weight comes up. Read errors reject (they are the user's file, not the
 * weight's problem).
 */
export function activationProvider(model: Model): ActivationProvider {
  if (model.tensors.length === 1) {
    const only = model.tensors[0]!;
    let shared: Promise<Activations | string> | undefined;
    return () => (shared ??= load(model, only));
  }
  const byName = new Map(model.tensors.map((t) => [t.name, t]));
  return async (weight) => {
    for (const n of activationNames(weight.name)) {
      const t = byName.get(n);
      if (t !== undefined) return load(model, t);
    }
    return undefined;
  };
}
