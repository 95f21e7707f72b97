// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function infoNce(..._args: unknown[]): never {
  throw new Error('infoNce: not implemented yet');
}

export function infoNceGrad(..._args: unknown[]): never {
  throw new Error('infoNceGrad: not implemented yet');
}

export const infoNceInfo: KernelInfo = {
  name: 'infoNce',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => infoNce(),
};
