export { arrowStreamPieces } from './demo/arrowStreamPieces.js';
export { demoSchema, mulberry32, simulatedBatch } from './demo/simulatedBatch.js';
export type * from './events.js';
export { ArrowIpcParser, type BatchSampler } from './sources/ArrowIpcParser.js';
export { crc32c, maskedCrc32c } from './sources/crc32c.js';
export { detectFormat } from './sources/detectFormat.js';
export { JsonLinesParser } from './sources/JsonLinesParser.js';
export { LightningCsvParser } from './sources/LightningCsvParser.js';
export { lossSampler } from './sources/lossSampler.js';
export { parseLenientJson } from './sources/parseLenientJson.js';
export { type LossFlag, parseLossSpec } from './sources/parseLossSpec.js';
export { scalarColumns } from './sources/scalarColumns.js';
export { splitIpcMessages } from './sources/splitIpcMessages.js';
export { TfEventsParser } from './sources/TfEventsParser.js';
export { TrainerStateParser } from './sources/TrainerStateParser.js';
export type * from './sources/types.js';
export {
  type SeriesSummary,
  type SourceSummary,
  Summary,
  type SummaryJson,
} from './summarize/Summary.js';
export { summarizeLogs } from './summarize/summarizeLogs.js';
export { FileFollower } from './watch/FileFollower.js';
export { findLogFiles } from './watch/findLogFiles.js';
export { jsonLine } from './watch/jsonLine.js';
export { readLogsOnce } from './watch/readLogsOnce.js';
export { type WatchOptions, watchLogs } from './watch/watchLogs.js';
