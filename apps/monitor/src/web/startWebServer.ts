import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Observable } from 'rxjs';
import type { MonitorEvent } from '../events.js';
import { clampSmoothing } from '../store/debiasedEma.js';
import { queryWindow, type XAxis } from '../store/queryWindow.js';
import { SeriesStore } from '../store/SeriesStore.js';
import { type Asset, loadAssets } from './loadAssets.js';
import { dashboardState, type SeriesSummary, seriesSummary } from './seriesSummary.js';

export interface WebServerOptions {
  /**
   * Points each series keeps before it is thinned to half, keeping its envelope (default
   * 100 000; 0: every point). See Series.
   */
  maxPoints?: number;
  /** Address to bind (default 127.0.0.1). Any non-loopback address requires a token. */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** The access token; generated when a token is required and none is given. */
  token?: string | null;
  /** Serve without a token even on a non-loopback address (an explicit, dangerous choice). */
  noAuth?: boolean;
  /** Folder of built assets (default: dist/public of this package, see scripts/build-web.mjs). */
  assetDir?: string;
  /** Live-update (SSE) clients served at once (default 32); more get 503. */
  maxClients?: number;
  /** Open TCP connections (default 128); more are closed at once. */
  maxConnections?: number;
  /** Bytes a client may leave unread (beyond the OS socket buffers) before it is dropped (default 4 MiB). */
  maxClientQueueBytes?: number;
  /** How often changes are pushed to clients, in ms (default 250): changes in between coalesce. */
  pushIntervalMs?: number;
}

export interface WebServer {
  /** The URL to open (with `?token=…` when a token is required). */
  url: string;
  close(): Promise<void>;
  /** Live-update clients connected now, and dropped so far for falling behind. */
  clientCount(): number;
  droppedClients(): number;
}

/** Largest chart width honoured, in pixels (bounds the work and the reply of one data request). */
const MAX_WIDTH = 8192;
const HEARTBEAT_MS = 15_000;

/**
 * Serves the live dashboard: its own built assets, `GET /api/state` (every series' stats),
 * `GET /api/data` (one series, all runs, downsampled per pixel for a range and width) and
 * `GET /api/events` (Server-Sent Events: changed series, new sources and problems, coalesced
 * every `pushIntervalMs`).
 *
 * Security: binds 127.0.0.1 unless told otherwise; on any other address (or when a token is
 * given) every request needs the token, as `?token=` (the page then gets it as an HttpOnly,
 * SameSite=Strict cookie) unless `noAuth`. On loopback without a token, requests whose Host
 * header is not a loopback name are refused (DNS rebinding). Only files loaded from the asset
 * folder at start are served (see loadAssets). A client that leaves more than
 * `maxClientQueueBytes` unread is disconnected; live clients and connections are capped.
 */
export async function startWebServer(
  events$: Observable<MonitorEvent>,
  options: WebServerOptions = {},
): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const requireToken = !options.noAuth && (typeof options.token === 'string' || !loopback);
  const token = requireToken
    ? typeof options.token === 'string' && options.token !== ''
      ? options.token
      : randomBytes(24).toString('base64url')
    : null;
  const tokenDigest = token === null ? null : sha256(token);
  const maxClients = options.maxClients ?? 32;
  const maxQueue = options.maxClientQueueBytes ?? 4 * 1024 * 1024;
  const pushInterval = options.pushIntervalMs ?? 250;
  const assets = await loadAssets(options.assetDir ?? defaultAssetDir());

  const store = new SeriesStore({ maxPoints: options.maxPoints });
  const changedNames = new Set<string>();
  let sourcesChanged = false;
  let lastProblemCount = 0;
  store.onChange((c) => {
    if (c.type === 'series') changedNames.add(c.series.name);
    else if (c.type === 'source') sourcesChanged = true;
  });
  const subscription = events$.subscribe({
    next: (ev) => store.ingest(ev),
    error: (err: unknown) =>
      store.ingest({
        type: 'problem',
        problem: { path: '(monitor)', message: `event stream failed: ${String(err)}` },
      }),
  });

  const clients = new Set<ServerResponse>();
  let dropped = 0;
  const send = (res: ServerResponse, chunk: string) => {
    if (res.destroyed) return;
    if (res.writableLength > maxQueue) {
      // More than the cap still unread from earlier pushes: the client reads slower than we push
      // (or is gone). Drop it rather than buffer more; a live page reconnects and resyncs.
      dropped += 1;
      clients.delete(res);
      res.destroy();
      return;
    }
    res.write(chunk);
  };
  const broadcast = (chunk: string) => {
    for (const res of clients) send(res, chunk);
  };

  const pushTimer = setInterval(() => {
    const problemCount = store.problemCount;
    if (clients.size === 0) {
      // Nobody to tell: a client that connects later gets the whole state in its hello.
      changedNames.clear();
      sourcesChanged = false;
      lastProblemCount = problemCount;
      return;
    }
    if (changedNames.size === 0 && !sourcesChanged && problemCount === lastProblemCount) return;
    const series: SeriesSummary[] = [...changedNames].sort().map((n) => seriesSummary(store, n));
    const newProblems = Math.min(problemCount - lastProblemCount, store.problems().length);
    const message = {
      version: store.version,
      series,
      sources: sourcesChanged ? store.sources() : undefined,
      problems: newProblems > 0 ? store.problems().slice(-newProblems) : [],
      problemCount,
    };
    changedNames.clear();
    sourcesChanged = false;
    lastProblemCount = problemCount;
    broadcast(`event: update\ndata: ${JSON.stringify(message)}\n\n`);
  }, pushInterval);
  pushTimer.unref();
  const heartbeat = setInterval(() => broadcast(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) reply(res, 500, 'text/plain; charset=utf-8', 'internal error');
      else res.destroy(err instanceof Error ? err : undefined);
    }
  });
  server.maxConnections = options.maxConnections ?? 128;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  let port = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    if (token === null && loopback && !hostAllowed(req.headers.host, port)) {
      return reply(res, 403, 'text/plain; charset=utf-8', 'forbidden host');
    }
    if (tokenDigest !== null) {
      const given = params.get('token') ?? cookie(req.headers.cookie, cookieName(port));
      if (given === null || !timingSafeEqual(sha256(given), tokenDigest)) {
        return reply(
          res,
          401,
          'text/plain; charset=utf-8',
          'token required: open the URL losskit-monitor printed',
        );
      }
      if (params.has('token')) {
        res.setHeader(
          'Set-Cookie',
          `${cookieName(port)}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
        );
      }
    }
    if (rawPath === '/api/state') return replyJson(res, dashboardState(store));
    if (rawPath === '/api/data') return replyData(res, params);
    if (rawPath === '/api/events') return openEvents(req, res);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return notFound(res);
    }
    const asset: Asset | undefined = assets.get(path === '/' ? '/index.html' : path);
    if (asset === undefined) return notFound(res);
    res.setHeader('Cache-Control', 'no-cache');
    return reply(res, 200, asset.contentType, asset.body, req.method === 'HEAD');
  };

  const replyData = (res: ServerResponse, params: URLSearchParams) => {
    const name = params.get('series');
    if (name === null) return reply(res, 400, 'text/plain; charset=utf-8', 'series missing');
    const axisParam = params.get('axis') ?? 'step';
    if (axisParam !== 'step' && axisParam !== 'relative' && axisParam !== 'wall') {
      return reply(res, 400, 'text/plain; charset=utf-8', 'axis must be step, relative or wall');
    }
    const axis: XAxis = axisParam;
    const width = Math.min(
      MAX_WIDTH,
      Math.max(1, Math.floor(Number(params.get('width') ?? 800)) || 800),
    );
    const smoothing = clampSmoothing(Number(params.get('smoothing') ?? 0));
    const from = optionalNumber(params.get('from'));
    const to = optionalNumber(params.get('to'));
    const runs = store.runsOf(name).map((s) => ({
      path: s.path,
      ...queryWindow(s, { axis, from, to, width, smoothing }),
    }));
    return replyJson(res, { series: name, axis, smoothing, runs });
  };

  const openEvents = (req: IncomingMessage, res: ServerResponse) => {
    if (clients.size >= maxClients) {
      res.setHeader('Retry-After', '5');
      return reply(res, 503, 'text/plain; charset=utf-8', 'too many live clients');
    }
    securityHeaders(res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
    });
    clients.add(res);
    const forget = () => clients.delete(res);
    req.on('close', forget);
    res.on('close', forget);
    res.on('error', forget);
    send(res, `retry: 2000\nevent: hello\ndata: ${JSON.stringify(dashboardState(store))}\n\n`);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

  let closed: Promise<void> | null = null;
  return {
    url,
    clientCount: () => clients.size,
    droppedClients: () => dropped,
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(pushTimer);
        clearInterval(heartbeat);
        subscription.unsubscribe();
        for (const res of clients) res.destroy();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function defaultAssetDir(): string {
  // From dist/web/ (built) and from src/web/ (tests, tsx) alike, the built assets are in dist/public.
  for (const rel of ['../public/', '../../dist/public/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(
    'startWebServer: the dashboard assets are not built (dist/public/index.html missing): run the monitor build',
  );
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (hostHeader === undefined) return true;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (m === null) return false;
  if (m[2] !== undefined && Number(m[2]) !== port) return false;
  return isLoopback(m[1]);
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function cookieName(port: number): string {
  // Cookies ignore ports: name it per port so two monitors on one host keep their own tokens.
  return `losskit_token_${port}`;
}

function cookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

function optionalNumber(s: string | null): number | undefined {
  if (s === null || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

function reply(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headOnly = false,
): void {
  securityHeaders(res);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

function replyJson(res: ServerResponse, value: unknown): void {
  res.setHeader('Cache-Control', 'no-store');
  reply(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}

function notFound(res: ServerResponse): void {
  reply(res, 404, 'text/plain; charset=utf-8', 'not found');
}
