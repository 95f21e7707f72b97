import { connectable, type Observable, Subject } from 'rxjs';
import type { MonitorEvent } from '../events.js';
import { jsonLine } from './jsonLine.js';
import { problemLine } from './problemLine.js';

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
}

export interface RunningViews {
  stop(): Promise<void>;
}

// The views are built alongside (src/tui, src/web); loaded on demand so `--json` and `summarize`
// never pay for them.
const TERMINAL_VIEW = './tui/runTerminalView.js';
const PLAIN_VIEW = './tui/runPlainView.js';
const WEB_SERVER = './web/startWebServer.js';

function load(path: string): Promise<Record<string, unknown>> {
  return import(new URL(`../${path.slice(2)}`, import.meta.url).href.replace(/\.js$/, ext()));
}

/** `.ts` when running from source (tsx), `.js` when built. */
function ext(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
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
      process.stdout.write(text);
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
    const mod = await load(WEB_SERVER);
    const start = mod.startWebServer as (
      e: Observable<MonitorEvent>,
      opts: { host?: string; port?: number; token?: string | null; noAuth?: boolean },
    ) => Promise<{ url: string; close(): Promise<void> }>;
    const server = await start(shared$, {
      host: o.host,
      port: o.port,
      token: o.token,
      noAuth: o.noAuth,
    });
    process.stderr.write(`web view: ${server.url}\n`);
    stops.push(() => server.close());
  }
  if (!o.json && !o.quiet) {
    if (process.stdout.isTTY) {
      const mod = await load(TERMINAL_VIEW);
      const view = (
        mod.runTerminalView as (
          e: Observable<MonitorEvent>,
          opts: { smoothing?: number },
        ) => { stop(): void }
      )(shared$, { smoothing: o.smoothing });
      stops.push(() => view.stop());
    } else {
      const mod = await load(PLAIN_VIEW);
      const view = (
        mod.runPlainView as (
          e: Observable<MonitorEvent>,
          opts: { intervalMs?: number },
        ) => { stop(): void }
      )(shared$, { intervalMs: o.interval !== undefined ? o.interval * 1000 : undefined });
      stops.push(() => view.stop());
    }
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
