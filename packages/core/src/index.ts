export * from './crossEntropy.js';
export * from './errors.js';
export { type Neumaier, neumaierAdd, neumaierSum, neumaierValue } from './internal/sum.js';
export type { InputInfo, KernelInfo } from './KernelInfo.js';
export { kernels } from './kernels.js';
export * from './mse.js';
export type * from './types.js';
