// Result rows and reports for the table and targets tests: a row with the given losskit time and
// nothing else unless `extra` says so.
import type { BenchReport, Result } from '../src/runBench.js';

export function row(workload: string, losskitMs: number, extra: Partial<Result> = {}): Result {
  return {
    workload,
    losskit_ms: losskitMs,
    peers: {},
    losskit_spread: 0,
    losskit_reps: 5,
    peer_spread: {},
    peer_reps: {},
    ...extra,
  };
}

export const report = (results: Result[]): BenchReport => ({
  results,
  unavailable: [],
  skipped: [],
  machine: {},
});
