// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function binaryCrossEntropy(..._args: unknown[]): never {
  throw new Error('binaryCrossEntropy: not implemented yet');
}

export function binaryCrossEntropyGrad(..._args: unknown[]): never {
  throw new Error('binaryCrossEntropyGrad: not implemented yet');
}

export const binaryCrossEntropyInfo: KernelInfo = {
  name: 'binaryCrossEntropy',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => binaryCrossEntropy(),
};
