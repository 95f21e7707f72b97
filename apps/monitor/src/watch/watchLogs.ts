import { stat } from 'node:fs/promises';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { Observable } from 'rxjs';
import type { LogFormat, MonitorEvent } from '../events.js';
import type { BatchSampler } from '../sources/ArrowIpcParser.js';
import { detectFormat } from '../sources/detectFormat.js';
import { FileFollower } from './FileFollower.js';
import { findLogFiles } from './findLogFiles.js';

export interface WatchOptions {
  /** Makes the per-batch sampler of Arrow files (scalar columns when absent). */
  arrowSampler?: () => BatchSampler;
  /** How often every file is checked besides file-system events (ms, default 500). */
  pollIntervalMs?: number;
}

/**
 * Follows every log file under `paths` (files as given, directories recursively) as it grows, and
 * picks up new files as they appear. A renamed file whose inode is already followed (rotation
 * into a name the monitor also reads) is not read twice. Errors of a file are reported as
 * problems; the stream never errors because of a file.
 */
export function watchLogs(
  paths: readonly string[],
  options: WatchOptions = {},
): Observable<MonitorEvent> {
  return new Observable<MonitorEvent>((subscriber) => {
    const followers = new Map<string, FileFollower>();
    const pollIntervalMs = options.pollIntervalMs ?? 500;
    let closed = false;
    let watcher: FSWatcher | null = null;
    const emit = (e: MonitorEvent) => {
      if (!closed) subscriber.next(e);
    };
    const reportedErrors = new Set<string>();
    const run = (f: FileFollower) => {
      f.poll().catch((e: unknown) => {
        const message = `read failed: ${(e as Error).message}; retrying`;
        const key = `${f.path}|${message}`;
        if (reportedErrors.has(key)) return;
        reportedErrors.add(key);
        emit({ type: 'problem', problem: { path: f.path, message } });
      });
    };
    const isAlias = async (path: string): Promise<boolean> => {
      const st = await stat(path).catch(() => null);
      if (!st) return false;
      const id = `${st.dev}:${st.ino}`;
      for (const f of followers.values()) if (f.inodes().includes(id)) return true;
      return false;
    };
    const add = async (path: string, format: LogFormat) => {
      const existing = followers.get(path);
      if (existing) return run(existing);
      if (await isAlias(path)) return;
      if (closed || followers.has(path)) return;
      const f = new FileFollower(path, format, emit, options.arrowSampler);
      followers.set(path, f);
      run(f);
    };

    const explicit = new Set(paths);
    void (async () => {
      for (const p of paths) {
        const st = await stat(p).catch(() => null);
        if (st?.isFile() && !detectFormat(p, true))
          emit({
            type: 'problem',
            problem: {
              path: p,
              message:
                'not a log format the monitor reads (events.out.tfevents.*, *.csv, trainer_state.json, *.jsonl, *.ndjson, *.arrow, *.arrows, *.ipc)',
            },
          });
      }
      for (const found of await findLogFiles(paths)) await add(found.path, found.format);
      if (closed) return;
      watcher = chokidarWatch([...paths], {
        ignoreInitial: true,
        ignored: (p: string) => /(^|[/\\])(node_modules|\.git)([/\\]|$)/.test(p),
      });
      const onFile = (p: string) => {
        const format = detectFormat(p, explicit.has(p));
        if (format) void add(p, format);
      };
      watcher.on('add', onFile);
      watcher.on('change', onFile);
      watcher.on('unlink', (p: string) => {
        const f = followers.get(p);
        if (f) run(f);
      });
      watcher.on('error', (e: unknown) =>
        emit({ type: 'problem', problem: { path: '', message: `watch: ${(e as Error).message}` } }),
      );
    })().catch((e: unknown) => subscriber.error(e));

    const timer = setInterval(() => {
      for (const f of followers.values()) run(f);
    }, pollIntervalMs);

    return () => {
      closed = true;
      clearInterval(timer);
      void watcher?.close();
      for (const f of followers.values()) void f.close();
    };
  });
}
