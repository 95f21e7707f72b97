import type { Observable, Subscription } from 'rxjs';
import type { MonitorEvent } from '../events.js';
import type { Series } from '../store/Series.js';
import { SeriesStore } from '../store/SeriesStore.js';

export interface PlainViewOptions {
  /**
   * Points each series keeps before it is thinned to half, keeping its envelope (default
   * 100 000; 0: every point). See Series.
   */
  maxPoints?: number;
  output?: NodeJS.WritableStream;
  /** How often to print the series that changed, in ms (default 10 000). */
  intervalMs?: number;
  /** Smoothing weight of the `smooth=` field (default 0.6). */
  smoothing?: number;
}

/**
 * The view for a stdout that is not a terminal (a log file, CI): every `intervalMs`, one
 * `key=value` line per run and series that changed since the last, and each problem as soon as it
 * is reported. Names are JSON-quoted when they hold anything but plain characters, so a line
 * stays one line. On `stop()` or when the sources end, the pending lines are printed at once.
 *
 *     2026-11-28T10:00:00.000Z run=runs/a/metrics.csv series=train_loss step=1100 last=0.4123
 *       mean=0.8812 smooth=0.431 min=0.3901 max=2.3026 count=111 rate=12.3steps/s
 */
export function runPlainView(
  events$: Observable<MonitorEvent>,
  options: PlainViewOptions = {},
): { stop(): void } {
  const output = options.output ?? process.stdout;
  const smoothing = options.smoothing ?? 0.6;
  const store = new SeriesStore({ maxPoints: options.maxPoints });
  const changed = new Set<Series>();
  let stopped = false;

  const flush = () => {
    const now = new Date().toISOString();
    const lines: string[] = [];
    for (const s of [...changed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      lines.push(`${now} ${seriesLine(s, smoothing)}`);
    }
    changed.clear();
    if (lines.length > 0) output.write(`${lines.join('\n')}\n`);
  };

  store.onChange((c) => {
    if (c.type === 'series') changed.add(c.series);
    else if (c.type === 'problem') {
      const p = c.problem;
      output.write(
        `${new Date().toISOString()} problem run=${quote(p.path)}${p.where ? ` where=${quote(p.where)}` : ''} message=${quote(p.message)}\n`,
      );
    }
  });
  const timer = setInterval(flush, options.intervalMs ?? 10_000);
  timer.unref();
  let subscription: Subscription | undefined;
  subscription = events$.subscribe({
    next: (ev) => store.ingest(ev),
    error: (err: unknown) => {
      store.ingest({ type: 'problem', problem: { path: '(monitor)', message: String(err) } });
      stop();
    },
    complete: () => stop(),
  });

  function stop() {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    // (undefined when the sources ended during subscribe; nothing to unsubscribe then)
    subscription?.unsubscribe();
    flush();
  }
  return { stop };
}

function seriesLine(s: Series, smoothing: number): string {
  const sm = smoothing > 0 ? s.smoothed(smoothing) : null;
  const rate = s.rate();
  const fields = [
    `run=${quote(s.path)}`,
    `series=${quote(s.name)}`,
    `step=${num(s.lastStep)}`,
    `last=${num(s.last)}`,
    `mean=${num(s.mean)}`,
    `smooth=${num(sm ? sm[sm.length - 1] : s.last)}`,
    `min=${num(s.min)}`,
    `max=${num(s.max)}`,
    `count=${s.count}`,
  ];
  if (rate) fields.push(`rate=${num(rate.perSecond)}${rate.unit}/s`);
  if (s.nonFinite > 0)
    fields.push(`nonFinite=${s.nonFinite}`, `firstNonFiniteStep=${s.firstNonFiniteStep}`);
  if (s.diverging) fields.push('alert=diverging');
  return fields.join(' ');
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function quote(s: string): string {
  return /^[\w./@:+-]+$/.test(s) ? s : JSON.stringify(s);
}
