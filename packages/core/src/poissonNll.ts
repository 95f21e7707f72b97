// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function poissonNll(..._args: unknown[]): never {
  throw new Error('poissonNll: not implemented yet');
}

export function poissonNllGrad(..._args: unknown[]): never {
  throw new Error('poissonNllGrad: not implemented yet');
}

export const poissonNllInfo: KernelInfo = {
  name: 'poissonNll',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => poissonNll(),
};
