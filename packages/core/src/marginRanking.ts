// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function marginRanking(..._args: unknown[]): never {
  throw new Error('marginRanking: not implemented yet');
}

export function marginRankingGrad(..._args: unknown[]): never {
  throw new Error('marginRankingGrad: not implemented yet');
}

export const marginRankingInfo: KernelInfo = {
  name: 'marginRanking',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => marginRanking(),
};
