import { type Neumaier, neumaierAdd, neumaierValue } from '@losskit/core';
import type { LogFormat, MonitorEvent, Point } from '../events.js';

/** One series of the summary JSON (the contract of `summarize`). */
export interface SeriesSummary {
  count: number;
  nonFinite: number;
  first: number | null;
  last: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  firstStep: number | null;
  lastStep: number | null;
}

export interface SourceSummary {
  path: string;
  format: LogFormat;
  series: Record<string, SeriesSummary>;
}

export interface SummaryJson {
  sources: SourceSummary[];
}

interface Acc {
  count: number;
  nonFinite: number;
  first: number;
  firstStep: number;
  last: number;
  lastStep: number;
  min: number;
  max: number;
  sum: Neumaier;
  finite: number;
  /** For Arrow model outputs with `--loss`: the exact running mean over all rows so far. */
  runningMean: number | null;
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
const value = (x: number): number | null => (Number.isNaN(x) ? null : x);

/**
 * Accumulates MonitorEvents into the summary of issue 5: for scalar logs `count` counts logged
 * values (non-finite included), `nonFinite` the NaN/±Inf ones, min/max/mean are over finite values,
 * first/last are at the lowest/highest step. For a loss over Arrow model outputs (points with
 * `rows`), `count` is rows and `mean` the exact running mean the stream kept.
 */
export class Summary {
  private readonly sources = new Map<string, { format: LogFormat; series: Map<string, Acc> }>();

  add(e: MonitorEvent): void {
    if (e.type === 'source') this.source(e.path, e.format);
    else if (e.type === 'point') this.point(e.point);
  }

  private source(path: string, format: LogFormat) {
    let s = this.sources.get(path);
    if (!s) {
      s = { format, series: new Map() };
      this.sources.set(path, s);
    }
    return s;
  }

  point(p: Point): void {
    const src = this.source(p.path, p.format);
    let a = src.series.get(p.series);
    if (!a) {
      a = {
        count: 0,
        nonFinite: 0,
        first: p.value,
        firstStep: p.step,
        last: p.value,
        lastStep: p.step,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        sum: { s: 0, c: 0 },
        finite: 0,
        runningMean: null,
      };
      src.series.set(p.series, a);
    }
    a.count += p.rows ?? 1;
    if (p.step < a.firstStep) {
      a.firstStep = p.step;
      a.first = p.value;
    }
    if (p.step >= a.lastStep) {
      a.lastStep = p.step;
      a.last = p.value;
    }
    if (Number.isFinite(p.value)) {
      a.finite++;
      neumaierAdd(a.sum, p.value);
      if (p.value < a.min) a.min = p.value;
      if (p.value > a.max) a.max = p.value;
    } else a.nonFinite++;
    if (p.runningMean !== undefined) a.runningMean = p.runningMean;
  }

  toJSON(): SummaryJson {
    const paths = [...this.sources.keys()].sort();
    return {
      sources: paths.map((path) => {
        const s = this.sources.get(path)!;
        const series: Record<string, SeriesSummary> = {};
        for (const name of [...s.series.keys()].sort()) {
          const a = s.series.get(name)!;
          series[name] = {
            count: a.count,
            nonFinite: a.nonFinite,
            first: value(a.first),
            last: value(a.last),
            min: a.finite ? a.min : null,
            max: a.finite ? a.max : null,
            mean:
              a.runningMean !== null
                ? value(a.runningMean)
                : a.finite
                  ? num(neumaierValue(a.sum) / a.finite)
                  : null,
            firstStep: a.firstStep,
            lastStep: a.lastStep,
          };
        }
        return { path, format: s.format, series };
      }),
    };
  }
}
