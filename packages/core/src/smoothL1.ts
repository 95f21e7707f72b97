// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function smoothL1(..._args: unknown[]): never {
  throw new Error('smoothL1: not implemented yet');
}

export function smoothL1Grad(..._args: unknown[]): never {
  throw new Error('smoothL1Grad: not implemented yet');
}

export const smoothL1Info: KernelInfo = {
  name: 'smoothL1',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => smoothL1(),
};
