export * from './errors.js';
export * from './followArrowIPC.js';
export * from './fromArrowIPC.js';
export * from './LossSpec.js';
export * from './LossState.js';
export * from './lossReport.js';
export * from './RunningLossUpdate.js';
export * from './runningLoss.js';
