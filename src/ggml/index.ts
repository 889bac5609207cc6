/** llama.cpp's ggml block formats: type table, codecs, the ggml schemes and GGUF-ready blocks. */
export * from './types.js';
export * from './codec.js';
export * from './codecs.js';
export * from './schemes.js';
export * from './tensor.js';
export { bestIndexIq4Nl, quantizeBlockIq4NlRef } from './iq4-nl.js';
export { quantizeBlockMxfp4Ggml, packMxfp4Block } from './mxfp4-layout.js';
