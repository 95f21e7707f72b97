// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function squaredHinge(..._args: unknown[]): never {
  throw new Error('squaredHinge: not implemented yet');
}

export function squaredHingeGrad(..._args: unknown[]): never {
  throw new Error('squaredHingeGrad: not implemented yet');
}

export const squaredHingeInfo: KernelInfo = {
  name: 'squaredHinge',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => squaredHinge(),
};
