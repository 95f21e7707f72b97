// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function logCosh(..._args: unknown[]): never {
  throw new Error('logCosh: not implemented yet');
}

export function logCoshGrad(..._args: unknown[]): never {
  throw new Error('logCoshGrad: not implemented yet');
}

export const logCoshInfo: KernelInfo = {
  name: 'logCosh',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => logCosh(),
};
