import { connectable, type Observable, Subject } from 'rxjs';
import type { MonitorEvent } from '../events.js';
import { runPlainView } from '../tui/runPlainView.js';
import { runTerminalView } from '../tui/runTerminalView.js';
import { startWebServer } from '../web/startWebServer.js';
import { jsonLine } from './jsonLine.js';
import { problemLine } from './problemLine.js';

/** The web view's port unless `--port` says otherwise (TensorBoard's 6006, plus one). */
export const DEFAULT_PORT = 6007;

export interface ViewOptions {
  json?: boolean;
  web?: boolean;
  host?: string;
  port?: number;
  token?: string | null;
  noAuth?: boolean;
  /** No terminal or plain view (e.g. with only `--web`). */
  quiet?: boolean;
  smoothing?: number;
  /** Seconds between plain lines when stdout is not a terminal. */
  interval?: number;
  /** Points each series keeps in a view before it is thinned (0: all). See Series. */
  maxPoints?: number;
}

export interface RunningViews {
  stop(): Promise<void>;
}

/**
 * Connects one event stream to the chosen outputs: JSON lines on stdout (`--json`), or the
 * terminal view (stdout a TTY) / plain lines (not a TTY), and optionally the web view. Problems go
 * to stderr as lines in JSON mode (the views show them themselves).
 */
export async function runWatch(
  events$: Observable<MonitorEvent>,
  o: ViewOptions,
): Promise<RunningViews> {
  // Every output subscribes first; the files are read only once all are listening.
  const shared$ = connectable(events$, { connector: () => new Subject<MonitorEvent>() });
  const stops: (() => Promise<void> | void)[] = [];
  if (o.json) {
    let buffered: string[] = [];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (buffered.length === 0) return;
      const text = `${buffered.join('\n')}\n`;
      buffered = [];
      if (!process.stdout.destroyed) process.stdout.write(text);
    };
    const sub = shared$.subscribe((e) => {
      if (e.type === 'point') {
        buffered.push(jsonLine(e.point));
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      } else if (e.type === 'problem') process.stderr.write(`${problemLine(e.problem)}\n`);
    });
    stops.push(() => {
      sub.unsubscribe();
      flush();
    });
  }
  if (o.web) {
    const web = (port: number) =>
      startWebServer(shared$, {
        host: o.host,
        port,
        token: o.token ?? undefined,
        noAuth: o.noAuth,
        maxPoints: o.maxPoints,
      });
    let server: Awaited<ReturnType<typeof startWebServer>>;
    if (o.port !== undefined) server = await web(o.port);
    else {
      // The default port, or any free one when it is taken (say, by another monitor).
      try {
        server = await web(DEFAULT_PORT);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
        server = await web(0);
      }
    }
    process.stderr.write(`web view: ${server.url}\n`);
    stops.push(() => server.close());
  }
  if (!o.json && !o.quiet) {
    const view = process.stdout.isTTY
      ? runTerminalView(shared$, { smoothing: o.smoothing, maxPoints: o.maxPoints })
      : runPlainView(shared$, {
          intervalMs: o.interval !== undefined ? o.interval * 1000 : undefined,
          maxPoints: o.maxPoints,
        });
    stops.push(() => view.stop());
  }
  // When only the web view listens (quiet), problems still go to stderr.
  if (o.quiet && !o.json) {
    const sub = shared$.subscribe((e) => {
      if (e.type === 'problem') process.stderr.write(`${problemLine(e.problem)}\n`);
    });
    stops.push(() => sub.unsubscribe());
  }
  const connection = shared$.connect();
  return {
    async stop() {
      connection.unsubscribe();
      for (const s of stops.reverse()) await s();
    },
  };
}
