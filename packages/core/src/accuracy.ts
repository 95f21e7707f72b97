// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function accuracy(..._args: unknown[]): never {
  throw new Error('accuracy: not implemented yet');
}

export const accuracyInfo: KernelInfo = {
  name: 'accuracy',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => accuracy(),
};
