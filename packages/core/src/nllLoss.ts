// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function nllLoss(..._args: unknown[]): never {
  throw new Error('nllLoss: not implemented yet');
}

export function nllLossGrad(..._args: unknown[]): never {
  throw new Error('nllLossGrad: not implemented yet');
}

export const nllLossInfo: KernelInfo = {
  name: 'nllLoss',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => nllLoss(),
};
