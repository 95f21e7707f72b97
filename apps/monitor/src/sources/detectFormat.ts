import { basename } from 'node:path';
import type { LogFormat } from '../events.js';

/**
 * The format of a log file by its name, or null when it is not one the monitor reads. Inside
 * directories only the names training tools write are picked up (`metrics.csv`,
 * `trainer_state.json`); a file named on the command line may be any `.csv`.
 */
export function detectFormat(path: string, explicit = false): LogFormat | null {
  const name = basename(path);
  const lower = name.toLowerCase();
  if (name.startsWith('events.out.tfevents.')) return 'tfevents';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.arrow') || lower.endsWith('.arrows') || lower.endsWith('.ipc'))
    return 'arrow';
  if (lower === 'trainer_state.json') return 'trainer-state';
  if (lower === 'metrics.csv' || (explicit && lower.endsWith('.csv'))) return 'csv';
  return null;
}
