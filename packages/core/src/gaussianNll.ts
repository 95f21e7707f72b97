// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function gaussianNll(..._args: unknown[]): never {
  throw new Error('gaussianNll: not implemented yet');
}

export function gaussianNllGrad(..._args: unknown[]): never {
  throw new Error('gaussianNllGrad: not implemented yet');
}

export const gaussianNllInfo: KernelInfo = {
  name: 'gaussianNll',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => gaussianNll(),
};
