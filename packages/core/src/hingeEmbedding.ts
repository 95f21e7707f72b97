// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function hingeEmbedding(..._args: unknown[]): never {
  throw new Error('hingeEmbedding: not implemented yet');
}

export function hingeEmbeddingGrad(..._args: unknown[]): never {
  throw new Error('hingeEmbeddingGrad: not implemented yet');
}

export const hingeEmbeddingInfo: KernelInfo = {
  name: 'hingeEmbedding',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => hingeEmbedding(),
};
