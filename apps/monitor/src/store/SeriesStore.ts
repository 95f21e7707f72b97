import type { LogFormat, MonitorEvent, Problem } from '../events.js';
import { DEFAULT_MAX_POINTS, maxPointsArg, Series } from './Series.js';

/** A run (one log file) as the views list it. */
export interface SourceInfo {
  path: string;
  format: LogFormat;
  removed: boolean;
}

/** What changed, passed to {@link SeriesStore.onChange} listeners. */
export type StoreChange =
  | { type: 'series'; series: Series; created: boolean }
  | { type: 'source'; source: SourceInfo }
  | { type: 'problem'; problem: Problem };

/** Problems kept for display; older ones are dropped (the count is kept). */
const MAX_PROBLEMS = 200;

/** Options of {@link SeriesStore}. */
export interface SeriesStoreOptions {
  /**
   * Points each series keeps before it is thinned to half of them, keeping its envelope (see
   * {@link Series}); 0 keeps every point. Default {@link DEFAULT_MAX_POINTS}.
   */
  maxPoints?: number;
}

/**
 * Every series of every run, fed by MonitorEvents (each series bounded by `maxPoints`). Shared
 * by the terminal, plain and web views: each keeps its own store and asks it for stats, smoothed
 * values and downsampled windows.
 */
export class SeriesStore {
  private readonly byKey = new Map<string, Series>();
  /** Runs of each series name, kept sorted by path. */
  private readonly byName = new Map<string, Series[]>();
  /** Every series sorted by name then path; rebuilt only after a series is created. */
  private sorted: Series[] | null = null;
  private readonly sourceMap = new Map<string, SourceInfo>();
  private readonly problemList: Problem[] = [];
  private readonly listeners = new Set<(change: StoreChange) => void>();
  /** Problems seen in total (the list keeps only the last 200). */
  problemCount = 0;
  /** Bumped on every change. */
  version = 0;
  private readonly maxPoints: number;

  constructor(options: SeriesStoreOptions = {}) {
    this.maxPoints = maxPointsArg('SeriesStore', options.maxPoints ?? DEFAULT_MAX_POINTS);
  }

  ingest(event: MonitorEvent): void {
    this.version += 1;
    switch (event.type) {
      case 'point': {
        const p = event.point;
        const key = seriesKey(p.path, p.series);
        let series = this.byKey.get(key);
        const created = series === undefined;
        if (series === undefined) {
          series = new Series(p.path, p.format, p.series, this.maxPoints);
          this.byKey.set(key, series);
          const runs = this.byName.get(p.series) ?? [];
          runs.push(series);
          runs.sort((a, b) => compare(a.path, b.path));
          this.byName.set(p.series, runs);
          this.sorted = null;
          if (!this.sourceMap.has(p.path)) {
            this.setSource({ path: p.path, format: p.format, removed: false });
          }
        }
        series.push(p);
        this.emit({ type: 'series', series, created });
        return;
      }
      case 'source':
        this.setSource({ path: event.path, format: event.format, removed: false });
        return;
      case 'removed': {
        const known = this.sourceMap.get(event.path);
        if (known) this.setSource({ ...known, removed: true });
        return;
      }
      case 'problem':
        this.problemCount += 1;
        this.problemList.push(event.problem);
        if (this.problemList.length > MAX_PROBLEMS) this.problemList.shift();
        this.emit({ type: 'problem', problem: event.problem });
        return;
      default:
        // A newer source may send event types this store does not know: ignore them.
        event satisfies never;
    }
  }

  /** Every series, ordered by series name, then run path. */
  series(): Series[] {
    this.sorted ??= [...this.byKey.values()].sort(
      (a, b) => compare(a.name, b.name) || compare(a.path, b.path),
    );
    return [...this.sorted];
  }

  /** The series named `name` in every run, ordered by path. */
  runsOf(name: string): Series[] {
    return [...(this.byName.get(name) ?? [])];
  }

  /** Distinct series names, sorted. */
  seriesNames(): string[] {
    return [...this.byName.keys()].sort(compare);
  }

  get(path: string, name: string): Series | undefined {
    return this.byKey.get(seriesKey(path, name));
  }

  sources(): SourceInfo[] {
    return [...this.sourceMap.values()].sort((a, b) => compare(a.path, b.path));
  }

  /** The last (up to) 200 problems, oldest first. */
  problems(): readonly Problem[] {
    return this.problemList;
  }

  /** Calls `listener` after every change; returns the function that removes it. */
  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setSource(source: SourceInfo): void {
    this.sourceMap.set(source.path, source);
    this.emit({ type: 'source', source });
  }

  private emit(change: StoreChange): void {
    for (const l of this.listeners) l(change);
  }
}

function seriesKey(path: string, name: string): string {
  return `${path}\u0000${name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
