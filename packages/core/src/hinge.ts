// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function hinge(..._args: unknown[]): never {
  throw new Error('hinge: not implemented yet');
}

export function hingeGrad(..._args: unknown[]): never {
  throw new Error('hingeGrad: not implemented yet');
}

export const hingeInfo: KernelInfo = {
  name: 'hinge',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => hinge(),
};
