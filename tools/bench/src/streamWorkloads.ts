import type { BenchOptions, Result, Unavailable } from './runBench.js';

/** The stream workloads (runningLoss overhead, Arrow IPC ingest, memory); filled in below. */
export async function streamWorkloads(o: BenchOptions): Promise<(Result | Unavailable)[]> {
  void o;
  return [];
}
