// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function multiMargin(..._args: unknown[]): never {
  throw new Error('multiMargin: not implemented yet');
}

export function multiMarginGrad(..._args: unknown[]): never {
  throw new Error('multiMarginGrad: not implemented yet');
}

export const multiMarginInfo: KernelInfo = {
  name: 'multiMargin',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => multiMargin(),
};
