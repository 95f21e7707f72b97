// Placeholder: replaced by the real kernel (issue 3). Throws so nothing mistakes it for done.
import type { KernelInfo } from './KernelInfo.js';

export function distillation(..._args: unknown[]): never {
  throw new Error('distillation: not implemented yet');
}

export function distillationGrad(..._args: unknown[]): never {
  throw new Error('distillationGrad: not implemented yet');
}

export const distillationInfo: KernelInfo = {
  name: 'distillation',
  inputs: [],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: () => distillation(),
};
