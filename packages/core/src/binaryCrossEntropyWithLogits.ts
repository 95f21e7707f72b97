// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function binaryCrossEntropyWithLogits(..._args: unknown[]): never {
  throw new Error('binaryCrossEntropyWithLogits: not implemented yet');
}

export function binaryCrossEntropyWithLogitsGrad(..._args: unknown[]): never {
  throw new Error('binaryCrossEntropyWithLogitsGrad: not implemented yet');
}

export const binaryCrossEntropyWithLogitsInfo: KernelInfo = {
  name: 'binaryCrossEntropyWithLogits',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => binaryCrossEntropyWithLogits(),
};
