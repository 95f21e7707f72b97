import { crossEntropyInfo } from './crossEntropy.js';
import type { KernelInfo } from './KernelInfo.js';
import { mseInfo } from './mse.js';

/** Every kernel by its exported name, for generic callers (conformance runner, streams). */
export const kernels: Readonly<Record<string, KernelInfo>> = {
  crossEntropy: crossEntropyInfo,
  mse: mseInfo,
};
