import { accuracyInfo } from './accuracy.js';
import { binaryCrossEntropyInfo } from './binaryCrossEntropy.js';
import { binaryCrossEntropyWithLogitsInfo } from './binaryCrossEntropyWithLogits.js';
import { categoricalHingeInfo } from './categoricalHinge.js';
import { contrastiveInfo } from './contrastive.js';
import { cosineEmbeddingInfo } from './cosineEmbedding.js';
import { crossEntropyInfo } from './crossEntropy.js';
import { distillationInfo } from './distillation.js';
import { exponentialInfo } from './exponential.js';
import { gaussianNllInfo } from './gaussianNll.js';
import { hingeInfo } from './hinge.js';
import { hingeEmbeddingInfo } from './hingeEmbedding.js';
import { huberInfo } from './huber.js';
import { infoNceInfo } from './infoNce.js';
import type { KernelInfo } from './KernelInfo.js';
import { klDivInfo } from './klDiv.js';
import { l1Info } from './l1.js';
import { logCoshInfo } from './logCosh.js';
import { marginRankingInfo } from './marginRanking.js';
import { mseInfo } from './mse.js';
import { multiMarginInfo } from './multiMargin.js';
import { nllLossInfo } from './nllLoss.js';
import { poissonNllInfo } from './poissonNll.js';
import { sigmoidFocalInfo } from './sigmoidFocal.js';
import { smoothL1Info } from './smoothL1.js';
import { softMarginInfo } from './softMargin.js';
import { softmaxFocalInfo } from './softmaxFocal.js';
import { squaredHingeInfo } from './squaredHinge.js';
import { tripletMarginInfo } from './tripletMargin.js';

/** Every kernel by its exported name, for generic callers (conformance runner, streams). */
export const kernels: Readonly<Record<string, KernelInfo>> = {
  accuracy: accuracyInfo,
  binaryCrossEntropy: binaryCrossEntropyInfo,
  binaryCrossEntropyWithLogits: binaryCrossEntropyWithLogitsInfo,
  categoricalHinge: categoricalHingeInfo,
  contrastive: contrastiveInfo,
  cosineEmbedding: cosineEmbeddingInfo,
  crossEntropy: crossEntropyInfo,
  distillation: distillationInfo,
  exponential: exponentialInfo,
  gaussianNll: gaussianNllInfo,
  hinge: hingeInfo,
  hingeEmbedding: hingeEmbeddingInfo,
  huber: huberInfo,
  infoNce: infoNceInfo,
  klDiv: klDivInfo,
  l1: l1Info,
  logCosh: logCoshInfo,
  marginRanking: marginRankingInfo,
  mse: mseInfo,
  multiMargin: multiMarginInfo,
  nllLoss: nllLossInfo,
  poissonNll: poissonNllInfo,
  sigmoidFocal: sigmoidFocalInfo,
  smoothL1: smoothL1Info,
  softMargin: softMarginInfo,
  softmaxFocal: softmaxFocalInfo,
  squaredHinge: squaredHingeInfo,
  tripletMargin: tripletMarginInfo,
};
