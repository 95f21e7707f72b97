// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function softmaxFocal(..._args: unknown[]): never {
  throw new Error('softmaxFocal: not implemented yet');
}

export function softmaxFocalGrad(..._args: unknown[]): never {
  throw new Error('softmaxFocalGrad: not implemented yet');
}

export const softmaxFocalInfo: KernelInfo = {
  name: 'softmaxFocal',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => softmaxFocal(),
};
