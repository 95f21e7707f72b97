import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import type { MonitorEvent } from '../events.js';
import { startWebServer, type WebServer } from './startWebServer.js';

let dir: string;
let assetDir: string;
const servers: WebServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'losskit-web-'));
  assetDir = await buildWeb(join(dir, 'public'));
  await writeFile(join(dir, 'secret.txt'), 'top secret');
  await mkdir(join(dir, 'private'));
  await writeFile(join(dir, 'private', 'key.txt'), 'private key');
  await symlink(join(dir, 'secret.txt'), join(assetDir, 'outside.txt'));
  await symlink(join(dir, 'private'), join(assetDir, 'linkdir'));
  await symlink(join(assetDir, 'style.css'), join(assetDir, 'inside.css'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function start(events$ = new Subject<MonitorEvent>(), options = {}) {
  const server = await startWebServer(events$, { assetDir, ...options });
  servers.push(server);
  return server;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET `path` exactly as written (no normalisation) from 127.0.0.1:port. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('startWebServer: assets', () => {
  it('binds 127.0.0.1 by default, without a token, and serves the dashboard with a strict CSP', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = portOf(server.url);
    const index = await get(port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<script src="app.js">');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await get(port, '/app.js')).status).toBe(200);
    expect((await get(port, '/uPlot.min.css')).status).toBe(200);
    // A symlink whose target stays inside the asset folder is fine.
    expect((await get(port, '/inside.css')).status).toBe(200);
  });

  it('answers 404 to traversal, encoded traversal, absolute paths and symlinks out of the folder', async () => {
    const port = portOf((await start()).url);
    const attempts = [
      '/../secret.txt',
      '/../../../../etc/passwd',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/%252e%252e/secret.txt',
      '/.%2e/secret.txt',
      '/..\\secret.txt',
      '/%5c..%5csecret.txt',
      '/app.js/../../secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/etc/passwd',
      `/${dir}/secret.txt`,
      `${dir}/secret.txt`,
      '/outside.txt',
      '/linkdir/key.txt',
      '/linkdir',
      '/app.js%00.html',
      '/%',
      '/%E0%A4%A',
      '/index.html/',
      '/.',
      '/..',
    ];
    for (const path of attempts) {
      const r = await get(port, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(r.body).not.toContain('secret');
      expect(r.body).not.toContain('root:');
    }
  });

  it('refuses a Host header that is not a loopback name when there is no token (DNS rebinding)', async () => {
    const port = portOf((await start()).url);
    expect((await get(port, '/api/state', { Host: 'evil.example' })).status).toBe(403);
    expect((await get(port, '/api/state', { Host: `evil.example:${port}` })).status).toBe(403);
    expect((await get(port, '/api/state', { Host: `localhost:${port}` })).status).toBe(200);
  });

  it('answers only GET and HEAD', async () => {
    const port = portOf((await start()).url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', method: 'POST', agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('x');
    });
    expect(status).toBe(405);
  });
});

describe('startWebServer: token', () => {
  it('requires the token on a non-loopback address; the printed URL carries it', async () => {
    const server = await start(undefined, { host: '0.0.0.0' });
    const url = new URL(server.url);
    const token = url.searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const port = Number(url.port);
    for (const path of [
      '/',
      '/index.html',
      '/app.js',
      '/api/state',
      '/api/data?series=x',
      '/api/events',
    ]) {
      expect({ path, status: (await get(port, path)).status }).toEqual({ path, status: 401 });
      expect((await get(port, `${path}${path.includes('?') ? '&' : '?'}token=wrong`)).status).toBe(
        401,
      );
    }
    const ok = await get(port, `/?token=${token}`);
    expect(ok.status).toBe(200);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0];
    expect((await get(port, '/api/state', { Cookie: cookie })).status).toBe(200);
    expect((await get(port, '/app.js', { Cookie: cookie })).status).toBe(200);
    expect((await get(port, '/api/state', { Cookie: `${cookie}x` })).status).toBe(401);
  });

  it('uses a given token, and serves without one only when told to (noAuth)', async () => {
    const given = await start(undefined, { host: '0.0.0.0', token: 's3cret-token' });
    expect(given.url).toContain('?token=s3cret-token');
    expect((await get(portOf(given.url), '/api/state?token=s3cret-token')).status).toBe(200);
    const open = await start(undefined, { host: '0.0.0.0', noAuth: true });
    expect(open.url).not.toContain('token');
    expect((await get(portOf(open.url), '/api/state')).status).toBe(200);
    // Reached by another name (a LAN address), as users of 0.0.0.0 do.
    const lan = await get(portOf(open.url), '/api/state', {
      Host: `192.168.1.5:${portOf(open.url)}`,
    });
    expect(lan.status).toBe(200);
  });
});

/** Opens /api/events on a raw socket; `read: false` never reads a byte (a stalled client). */
function openEvents(port: number, read: boolean): Promise<{ socket: Socket; text: () => string }> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      if (!read) socket.pause();
      resolve({ socket, text: () => received });
    });
    socket.setEncoding('utf8');
    if (read) socket.on('data', (c: string) => (received += c));
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe('startWebServer: slow clients and caps', () => {
  it('drops a client that stops reading once its queue passes the cap, and keeps serving the others', async () => {
    const events$ = new Subject<MonitorEvent>();
    const server = await start(events$, { maxClientQueueBytes: 64 * 1024, pushIntervalMs: 10 });
    const port = portOf(server.url);
    const stalled = await openEvents(port, false);
    const healthy = await openEvents(port, true);
    await vi.waitFor(() => expect(server.clientCount()).toBe(2));
    const longName = 'x'.repeat(2000);
    let step = 0;
    // Each push names 50 changed series of 2 kB: ~100 kB per update that the stalled client never reads.
    while (server.droppedClients() === 0) {
      for (let k = 0; k < 50; k++) {
        events$.next({
          type: 'point',
          point: {
            path: 'run.jsonl',
            format: 'jsonl',
            series: `${longName}${k}`,
            step,
            value: 1,
            wallTime: step,
          },
        });
      }
      step += 1;
      await new Promise((r) => setTimeout(r, 15));
      expect(step).toBeLessThan(2000);
    }
    expect(server.droppedClients()).toBe(1);
    expect(server.clientCount()).toBe(1);
    // The healthy client still gets updates after the drop.
    const before = healthy.text().length;
    events$.next({
      type: 'point',
      point: {
        path: 'run.jsonl',
        format: 'jsonl',
        series: 'after-drop',
        step: 0,
        value: 1,
        wallTime: 0,
      },
    });
    await vi.waitFor(() => expect(healthy.text().slice(before)).toContain('after-drop'), {
      timeout: 5000,
    });
    stalled.socket.destroy();
    healthy.socket.destroy();
  });

  it('caps live clients (503) and open connections (closed at once)', async () => {
    const server = await start(undefined, { maxClients: 2, maxConnections: 4 });
    const port = portOf(server.url);
    const a = await openEvents(port, true);
    const b = await openEvents(port, true);
    await vi.waitFor(() => expect(server.clientCount()).toBe(2));
    const third = await get(port, '/api/events');
    expect(third.status).toBe(503);
    // Two more idle connections reach the cap of 4; the next one is closed without an answer.
    const idle = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect(port, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    await vi.waitFor(async () => {
      const closed = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        let data = '';
        s.on('data', (c) => (data += c));
        s.on('error', () => resolve(true));
        s.on('close', () => resolve(data === ''));
        s.on('connect', () =>
          s.write(
            `GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
          ),
        );
      });
      expect(closed).toBe(true);
    });
    for (const s of [a.socket, b.socket, ...idle]) s.destroy();
  });
});

describe('startWebServer: data', () => {
  it('returns every run of a series downsampled per pixel, re-downsampled for a zoomed range', async () => {
    const events$ = new Subject<MonitorEvent>();
    const port = portOf((await start(events$)).url);
    const name = '<img src=x onerror=alert(1)>';
    for (const path of ['a/run.jsonl', 'b/run.jsonl']) {
      for (let i = 0; i < 10_000; i++) {
        events$.next({
          type: 'point',
          point: {
            path,
            format: 'jsonl',
            series: name,
            step: i,
            value: i === 7777 ? 99 : Math.sin(i),
            wallTime: 1e9 + i,
          },
        });
      }
    }
    const whole = JSON.parse(
      (await get(port, `/api/data?series=${encodeURIComponent(name)}&width=200&smoothing=0.6`))
        .body,
    );
    expect(whole.series).toBe(name);
    expect(whole.runs.map((r: { path: string }) => r.path)).toEqual(['a/run.jsonl', 'b/run.jsonl']);
    for (const r of whole.runs) {
      expect(r.x.length).toBeLessThanOrEqual(1000);
      expect(r.x[0]).toBe(0);
      expect(r.x[r.x.length - 1]).toBe(9999);
      expect(r.y[r.x.indexOf(7777)]).toBe(99);
      expect(r.s.length).toBe(r.x.length);
    }
    const zoom = JSON.parse(
      (await get(port, `/api/data?series=${encodeURIComponent(name)}&width=200&from=100&to=150`))
        .body,
    );
    expect(zoom.runs[0].x).toEqual(Array.from({ length: 53 }, (_, i) => 99 + i));
    expect(zoom.runs[0].s).toBeNull();
    const state = JSON.parse((await get(port, '/api/state')).body);
    expect(state.series[0].name).toBe(name);
    expect(state.series[0].runs[0].count).toBe(10_000);
    expect(state.series[0].runs[0].kept).toBe(10_000);
    expect((await get(port, '/api/data?series=x&axis=bogus')).status).toBe(400);
  });

  it('thins a series past maxPoints to its envelope: spikes and exact statistics survive', async () => {
    const events$ = new Subject<MonitorEvent>();
    const port = portOf((await start(events$, { maxPoints: 500 })).url);
    for (let i = 0; i < 50_000; i++) {
      const value = i === 31_337 ? 99 : i === 12_345 ? -99 : Math.sin(i);
      events$.next({
        type: 'point',
        point: { path: 'run.jsonl', format: 'jsonl', series: 'loss', step: i, value, wallTime: i },
      });
    }
    const run = JSON.parse((await get(port, '/api/state')).body).series[0].runs[0];
    expect(run.count).toBe(50_000);
    expect(run.kept).toBeLessThanOrEqual(500);
    expect([run.min, run.max, run.lastStep]).toEqual([-99, 99, 49_999]);
    const data = JSON.parse(
      (await get(port, '/api/data?series=loss&width=100&smoothing=0.6')).body,
    );
    const [r] = data.runs;
    expect(r.y[r.x.indexOf(31_337)]).toBe(99);
    expect(r.y[r.x.indexOf(12_345)]).toBe(-99);
    expect([r.x[0], r.x[r.x.length - 1]]).toEqual([0, 49_999]);
  });
});
