// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function contrastive(..._args: unknown[]): never {
  throw new Error('contrastive: not implemented yet');
}

export function contrastiveGrad(..._args: unknown[]): never {
  throw new Error('contrastiveGrad: not implemented yet');
}

export const contrastiveInfo: KernelInfo = {
  name: 'contrastive',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => contrastive(),
};
