import type { Problem } from '../events.js';
import type { Series } from '../store/Series.js';
import type { SeriesStore, SourceInfo } from '../store/SeriesStore.js';

/** What the dashboard shows about one series of one run (JSON: non-finite numbers become null). */
export interface RunSummary {
  path: string;
  format: string;
  count: number;
  /** Points kept for the charts (count minus those thinned away; see Series). */
  kept: number;
  nonFinite: number;
  firstNonFiniteStep: number | null;
  last: number | null;
  lastStep: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  rate: { perSecond: number; unit: 'steps' | 'rows' } | null;
  diverging: boolean;
  /** Wall time of the run's first point (the origin of the relative-time axis). */
  t0: number | null;
}

export interface SeriesSummary {
  name: string;
  runs: RunSummary[];
}

/** The whole dashboard state a client starts from. */
export interface DashboardState {
  version: number;
  sources: SourceInfo[];
  series: SeriesSummary[];
  problems: Problem[];
  problemCount: number;
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function runSummary(s: Series): RunSummary {
  return {
    path: s.path,
    format: s.format,
    count: s.count,
    kept: s.length,
    nonFinite: s.nonFinite,
    firstNonFiniteStep: s.firstNonFiniteStep,
    last: num(s.last),
    lastStep: num(s.lastStep),
    min: num(s.min),
    max: num(s.max),
    mean: num(s.mean),
    rate: s.rate(),
    diverging: s.diverging,
    t0: num(s.firstWallTime),
  };
}

export function seriesSummary(store: SeriesStore, name: string): SeriesSummary {
  return { name, runs: store.runsOf(name).map(runSummary) };
}

/** Problems sent to a client that connects: the most recent ones. */
const PROBLEMS_SENT = 50;

export function dashboardState(store: SeriesStore): DashboardState {
  return {
    version: store.version,
    sources: store.sources(),
    series: store.seriesNames().map((name) => seriesSummary(store, name)),
    problems: store.problems().slice(-PROBLEMS_SENT),
    problemCount: store.problemCount,
  };
}
