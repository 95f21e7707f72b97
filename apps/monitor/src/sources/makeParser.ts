import type { LogFormat } from '../events.js';
import { ArrowIpcParser, type BatchSampler } from './ArrowIpcParser.js';
import { JsonLinesParser } from './JsonLinesParser.js';
import { LightningCsvParser } from './LightningCsvParser.js';
import { scalarColumns } from './scalarColumns.js';
import { TfEventsParser } from './TfEventsParser.js';
import { TrainerStateParser } from './TrainerStateParser.js';
import type { AppendParser, SnapshotParser } from './types.js';

export type AnyParser =
  | { kind: 'append'; parser: AppendParser }
  | { kind: 'snapshot'; parser: SnapshotParser };

/** A fresh parser for a file of `format`; Arrow files use `arrowSampler` (scalar columns by default). */
export function makeParser(format: LogFormat, arrowSampler?: () => BatchSampler): AnyParser {
  switch (format) {
    case 'tfevents':
      return { kind: 'append', parser: new TfEventsParser() };
    case 'jsonl':
      return { kind: 'append', parser: new JsonLinesParser() };
    case 'arrow':
      return {
        kind: 'append',
        parser: new ArrowIpcParser(arrowSampler ? arrowSampler() : scalarColumns()),
      };
    case 'csv':
      return { kind: 'snapshot', parser: new LightningCsvParser() };
    case 'trainer-state':
      return { kind: 'snapshot', parser: new TrainerStateParser() };
  }
}
