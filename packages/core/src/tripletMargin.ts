// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function tripletMargin(..._args: unknown[]): never {
  throw new Error('tripletMargin: not implemented yet');
}

export function tripletMarginGrad(..._args: unknown[]): never {
  throw new Error('tripletMarginGrad: not implemented yet');
}

export const tripletMarginInfo: KernelInfo = {
  name: 'tripletMargin',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => tripletMargin(),
};
