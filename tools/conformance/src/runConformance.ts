import { checkCase } from './checkCase.js';
import { type ReferenceCase, readReferenceCases } from './referenceCase.js';
import { streamCase } from './streamCase.js';

export interface ConformanceOptions {
  /** Streaming mode: split rows into this many chunks. One-shot when absent. */
  chunks?: number;
  /** Seed for the chunk sizes (default 1). */
  seed?: number;
}

export interface ConformanceReport {
  passed: number;
  failed: number;
  skipped: number;
  /** One entry per failing case: its id and what differed. */
  failures: { id: string; problems: string[] }[];
  skips: { id: string; why: string }[];
}

/** Runs every case of the given reference files or directories. */
export async function runConformance(
  paths: readonly string[],
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const cases: ReferenceCase[] = readReferenceCases(paths);
  const report: ConformanceReport = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  for (const c of cases) {
    if (options.chunks === undefined) {
      const problems = checkCase(c);
      if (problems.length === 0) report.passed++;
      else {
        report.failed++;
        report.failures.push({ id: c.id, problems });
      }
      continue;
    }
    const r = await streamCase(c, options.chunks, options.seed ?? 1);
    if (r.status === 'passed') report.passed++;
    else if (r.status === 'skipped') {
      report.skipped++;
      report.skips.push({ id: c.id, why: r.why });
    } else {
      report.failed++;
      report.failures.push({ id: c.id, problems: r.problems });
    }
  }
  return report;
}
