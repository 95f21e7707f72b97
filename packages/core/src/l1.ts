// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function l1(..._args: unknown[]): never {
  throw new Error('l1: not implemented yet');
}

export function l1Grad(..._args: unknown[]): never {
  throw new Error('l1Grad: not implemented yet');
}

export const l1Info: KernelInfo = {
  name: 'l1',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => l1(),
};
