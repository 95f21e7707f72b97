import type { Problem } from '../events.js';
import type { BatchSampler } from '../sources/ArrowIpcParser.js';
import { readLogsOnce } from '../watch/readLogsOnce.js';
import { Summary, type SummaryJson } from './Summary.js';

/** Reads the logs under `paths` once and summarizes them (the `summarize` command). */
export async function summarizeLogs(
  paths: readonly string[],
  options: { arrowSampler?: () => BatchSampler; onProblem?: (p: Problem) => void } = {},
): Promise<SummaryJson> {
  const summary = new Summary();
  await readLogsOnce(
    paths,
    (e) => {
      if (e.type === 'problem') options.onProblem?.(e.problem);
      else summary.add(e);
    },
    { arrowSampler: options.arrowSampler },
  );
  return summary.toJSON();
}
