// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function sigmoidFocal(..._args: unknown[]): never {
  throw new Error('sigmoidFocal: not implemented yet');
}

export function sigmoidFocalGrad(..._args: unknown[]): never {
  throw new Error('sigmoidFocalGrad: not implemented yet');
}

export const sigmoidFocalInfo: KernelInfo = {
  name: 'sigmoidFocal',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => sigmoidFocal(),
};
