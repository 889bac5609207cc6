/** Datatypes: specs, the registry, derived views, codecs and f16 helpers. */
export * from './spec.js';
export * from './registry.js';
export * from './derive.js';
export * from './codec.js';
export * from './f16.js';
export * from './rounding.js';
