/**
 * `lowbit/node`: the Node-only pieces: tensors read from and written to file paths (atomically),
 * byte sources over open files (any size), models opened from a path (a file, an index or a
 * directory of shards), and the WebGPU adapter search in Node (Dawn with the
 * system's Vulkan drivers, or a software driver).
 */
export { readTensorFile, readWeights, writeFileAtomic, writeNpyFile, type TensorFromFile, type Weights } from './io/files.js';
export { openFileSource } from './io/node-file-source.js';
export { openModelPath, MODEL_INPUTS } from './io/node-model.js';
export { findNodeEntry, SWIFTSHADER_ICDS, systemVulkanDriverPresent, vulkanIcdFolders } from './gpu/node-gpu.js';
