// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function huber(..._args: unknown[]): never {
  throw new Error('huber: not implemented yet');
}

export function huberGrad(..._args: unknown[]): never {
  throw new Error('huberGrad: not implemented yet');
}

export const huberInfo: KernelInfo = {
  name: 'huber',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => huber(),
};
