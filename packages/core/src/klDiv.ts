// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function klDiv(..._args: unknown[]): never {
  throw new Error('klDiv: not implemented yet');
}

export function klDivGrad(..._args: unknown[]): never {
  throw new Error('klDivGrad: not implemented yet');
}

export const klDivInfo: KernelInfo = {
  name: 'klDiv',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => klDiv(),
};
