import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MonitorEvent, Point, Problem } from '../src/events.js';
import { Summary } from '../src/summarize/Summary.js';
import { type WatchOptions, watchLogs } from '../src/watch/watchLogs.js';

export async function tempDir(prefix = 'losskit-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs` (a hang guard). */
export async function until(check: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the real watcher over real files and records every event. */
export function watchHarness(paths: string[], options: WatchOptions = {}) {
  const events: MonitorEvent[] = [];
  const sub = watchLogs(paths, { pollIntervalMs: 100, ...options }).subscribe((e) =>
    events.push(e),
  );
  const points = (path?: string, series?: string): Point[] =>
    events
      .filter((e): e is Extract<MonitorEvent, { type: 'point' }> => e.type === 'point')
      .map((e) => e.point)
      .filter(
        (p) =>
          (path === undefined || p.path === path) && (series === undefined || p.series === series),
      );
  const problems = (path?: string): Problem[] =>
    events
      .filter((e): e is Extract<MonitorEvent, { type: 'problem' }> => e.type === 'problem')
      .map((e) => e.problem)
      .filter((p) => path === undefined || p.path === path);
  return {
    events,
    points,
    problems,
    /** Waits until `series` of `path` has exactly `count` points (and fails if it passes it). */
    async count(path: string, series: string, count: number) {
      await until(
        () => points(path, series).length >= count,
        `${count} points of ${series} in ${path}`,
      );
    },
    summary() {
      const s = new Summary();
      for (const e of events) s.add(e);
      return s.toJSON();
    },
    stop() {
      sub.unsubscribe();
    },
  };
}

/** A brief pause so the watcher has had several polls (used before asserting "nothing more"). */
export function settle(ms = 400): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
