// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function exponential(..._args: unknown[]): never {
  throw new Error('exponential: not implemented yet');
}

export function exponentialGrad(..._args: unknown[]): never {
  throw new Error('exponentialGrad: not implemented yet');
}

export const exponentialInfo: KernelInfo = {
  name: 'exponential',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => exponential(),
};
