// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function cosineEmbedding(..._args: unknown[]): never {
  throw new Error('cosineEmbedding: not implemented yet');
}

export function cosineEmbeddingGrad(..._args: unknown[]): never {
  throw new Error('cosineEmbeddingGrad: not implemented yet');
}

export const cosineEmbeddingInfo: KernelInfo = {
  name: 'cosineEmbedding',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => cosineEmbedding(),
};
