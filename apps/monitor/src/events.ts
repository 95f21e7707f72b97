// The contract between the monitor's sources (log readers and followers) and its views
// (terminal, web, JSON lines, summary). Sources produce MonitorEvents; views consume them.

/** A log format the monitor reads. */
export type LogFormat = 'arrow' | 'tfevents' | 'csv' | 'jsonl' | 'trainer-state';

/** One logged value of one series. */
export interface Point {
  /** The file the point came from (a run is a file, named by its path as given/found). */
  path: string;
  format: LogFormat;
  /** Series name: the tag / column / key, or the loss name for Arrow model outputs with `--loss`. */
  series: string;
  /** x: `step` (or `global_step`); the record index where the log has none. */
  step: number;
  /** The value; NaN and ±Infinity are kept (views flag them). */
  value: number;
  /** Seconds since the epoch when the value was logged (the file's own time, else arrival time). */
  wallTime: number;
  /** For Arrow model outputs with `--loss`: the rows of the batch this value covers. */
  rows?: number;
  /** For Arrow model outputs with `--loss`: the exact running mean over all rows so far. */
  runningMean?: number;
}

/** Something wrong with a source, reported once per occurrence; the monitor keeps running. */
export interface Problem {
  path: string;
  /** Where in the file: `line 12`, `record 40`, `byte 1024`, … */
  where?: string;
  message: string;
}

export type MonitorEvent =
  | { type: 'source'; path: string; format: LogFormat }
  | { type: 'point'; point: Point }
  | { type: 'problem'; problem: Problem }
  | { type: 'removed'; path: string };
