import type { Point, Problem } from '../events.js';

/** A point before the follower stamps it with its file's path and format. */
export type Sample = Omit<Point, 'path' | 'format'>;

/** A problem before the follower stamps it with its file's path. */
export type SampleProblem = Omit<Problem, 'path'>;

/** What a parser produced from the bytes it was given. */
export interface ParseOutput {
  samples: Sample[];
  problems: SampleProblem[];
}

/**
 * A parser for an append-only format (tfevents, JSON lines, Arrow IPC): bytes are pushed as the
 * file grows; a partial trailing record is held back until the rest arrives.
 */
export interface AppendParser {
  push(bytes: Uint8Array): ParseOutput;
  /** Bytes of the file that made complete records (or were skipped as bad): the safe offset. */
  readonly consumed: number;
  /** Bytes held back as the start of an unfinished record. */
  readonly pending: number;
  /** Forget held-back bytes (the file shrank below them) and continue at `consumed`. */
  dropPending(): void;
}

/**
 * A parser for a format that is rewritten as a whole (Lightning `metrics.csv`,
 * `trainer_state.json`): every read passes the whole file; only values not seen before are
 * returned.
 */
export interface SnapshotParser {
  read(bytes: Uint8Array): ParseOutput;
}

/** Seconds since the epoch, now. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** Keys that are the x axis or a clock, never a series. */
export const STEP_KEYS = ['step', 'global_step'] as const;
export const TIME_KEYS = ['wall_time', 'wallTime', 'walltime', 'time', 'timestamp'] as const;

/** A logged wall time in seconds: milliseconds (anything past year 5138 in seconds) are scaled. */
export function toSeconds(t: number): number {
  return t > 1e11 ? t / 1000 : t;
}
