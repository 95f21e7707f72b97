// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function categoricalHinge(..._args: unknown[]): never {
  throw new Error('categoricalHinge: not implemented yet');
}

export function categoricalHingeGrad(..._args: unknown[]): never {
  throw new Error('categoricalHingeGrad: not implemented yet');
}

export const categoricalHingeInfo: KernelInfo = {
  name: 'categoricalHinge',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => categoricalHinge(),
};
