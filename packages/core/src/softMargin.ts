// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function softMargin(..._args: unknown[]): never {
  throw new Error('softMargin: not implemented yet');
}

export function softMarginGrad(..._args: unknown[]): never {
  throw new Error('softMarginGrad: not implemented yet');
}

export const softMarginInfo: KernelInfo = {
  name: 'softMargin',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => softMargin(),
};
