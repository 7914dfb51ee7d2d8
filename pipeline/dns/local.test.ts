import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../mongo/embedded.ts';
import { isPidAlive } from '../local/process-group.ts';
import { readLocalState } from '../local/state.ts';
import { stopAllLocal } from '../deploy/process.ts';
import { isShipgateError } from '../errors.ts';
import { startLocalRouter, type LocalRouter } from './local-router.ts';
import { createLocalDnsProvider } from './local.ts';

interface Upstream {
  id: string;
  url: string;
  server: Server;
  requests: number;
  releaseSlow: () => void;
}

/** A slot: echoes what it received and who it is; /slow waits until released. */
async function startUpstream(id: string): Promise<Upstream> {
  const waiting: Array<() => void> = [];
  const up: Upstream = { id, url: '', server: createServer(), requests: 0, releaseSlow: () => waiting.splice(0).forEach((f) => f()) };
  up.server.on('request', (req, res) => {
    up.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const respond = () => {
        res.setHeader('x-upstream', id);
        res.setHeader('content-type', 'application/json');
        res.statusCode = Number(url.searchParams.get('status') ?? 200);
        const body = Buffer.concat(chunks);
        res.end(JSON.stringify({ id, method: req.method, path: req.url, bodyLength: body.length, bodyStart: body.subarray(0, 20).toString(), header: req.headers['x-test'] ?? null }));
      };
      if (url.pathname === '/slow') waiting.push(respond);
      else respond();
    });
  });
  up.server.keepAliveTimeout = 120_000; // idle sockets close only when the router drops them
  await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()));
  up.url = `http://127.0.0.1:${(up.server.address() as AddressInfo).port}`;
  return up;
}

function call(url: string, opts: { method?: string; body?: string | Buffer; agent?: Agent; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', agent: opts.agent, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

let blue: Upstream;
let green: Upstream;
let router: LocalRouter;

beforeAll(async () => {
  blue = await startUpstream('blue');
  green = await startUpstream('green');
  router = await startLocalRouter({ listenPort: 0, target: blue.url });
});

afterAll(async () => {
  await router.close();
  blue.server.closeAllConnections();
  green.server.closeAllConnections();
  blue.server.close();
  green.server.close();
});

describe('local router (in process)', { timeout: 120_000 }, () => {
  it('proxies method, path, body, status and headers both ways', async () => {
    const big = Buffer.alloc(1_000_000, 'x');
    big.write('hello-streamed-body');
    const res = await call(`${router.url}/things/7?status=201&q=a%20b`, { method: 'POST', body: big, headers: { 'x-test': 'kept' } });
    expect(res.status).toBe(201);
    expect(res.headers['x-upstream']).toBe('blue');
    expect(res.json).toEqual({ id: 'blue', method: 'POST', path: '/things/7?status=201&q=a%20b', bodyLength: 1_000_000, bodyStart: 'hello-streamed-body\u0000'.slice(0, 19) + 'x', header: 'kept' });
  });

  it('finishes in-flight requests on the old target while new ones go to the new one', async () => {
    router.setTarget(blue.url);
    const base = blue.requests;
    const slow = call(`${router.url}/slow`);
    while (blue.requests === base) await new Promise((r) => setTimeout(r, 20)); // the slow one is at blue
    const before = blue.requests;
    expect(router.setTarget(green.url)).toBe(blue.url);
    const fresh = await call(`${router.url}/now`);
    expect(fresh.json.id).toBe('green');
    blue.releaseSlow();
    const old = await slow;
    expect(old.status).toBe(200);
    expect(old.json.id).toBe('blue');
    expect(blue.requests).toBe(before);
    // The retired blue agent is destroyed once its last request is done: no socket to blue stays open.
    const openTo = (up: Upstream) => new Promise<number>((r) => up.server.getConnections((_e, n) => r(n)));
    for (let i = 0; i < 200 && (await openTo(blue)) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await openTo(blue)).toBe(0);
    expect(await openTo(green)).toBeGreaterThan(0);
    router.setTarget(blue.url);
  });

  it('switches atomically under keep-alive load: 10 switches, no failed request, both slots hit', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    const total = 2000;
    let sent = 0;
    let done = 0;
    let failed = 0;
    const seen = new Map<string, number>();
    const worker = async () => {
      while (sent < total) {
        sent++;
        try {
          const res = await call(`${router.url}/load`, { agent });
          if (res.status !== 200) failed++;
          const id = String(res.json.id);
          seen.set(id, (seen.get(id) ?? 0) + 1);
        } catch {
          failed++;
        }
        done++;
      }
    };
    const switcher = async () => {
      for (let i = 1; i <= 10; i++) {
        while (done < (i * total) / 12) await new Promise((r) => setTimeout(r, 5));
        router.setTarget(i % 2 === 1 ? green.url : blue.url);
      }
    };
    await Promise.all([worker(), worker(), worker(), switcher()]);
    agent.destroy();
    expect(`${done} requests, ${failed} failed`).toBe(`${total} requests, 0 failed`);
    expect(seen.get('blue')).toBeGreaterThan(0);
    expect(seen.get('green')).toBeGreaterThan(0);
    expect(router.target).toBe(blue.url);
  });

  it('answers 502 JSON when the target is down, 503 when there is no target', async () => {
    const dead = await freePort();
    router.setTarget(`http://127.0.0.1:${dead}`);
    const res = await call(`${router.url}/x`);
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: 'bad_gateway', reason: 'ECONNREFUSED' });
    router.setTarget(null);
    expect((await call(`${router.url}/x`)).status).toBe(503);
    router.setTarget(blue.url);
    expect(() => router.setTarget('ftp://127.0.0.1:1')).toThrow(/http:\/\//);
  });
});

describe('local DNS provider with the detached router process', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipgate-dns-'));
  });
  afterAll(async () => {
    await stopAllLocal(dir, 2000);
    await rm(dir, { recursive: true, force: true });
  });

  it('starts the router on first switch, switches, reads current, and is stopped by stopAllLocal', async () => {
    const listenPort = await freePort();
    const dns = createLocalDnsProvider({ stateDir: dir, listenPort });
    expect(dns.host).toBe(`http://127.0.0.1:${listenPort}`);
    expect(await dns.current(dns.host)).toBeNull();

    expect(await dns.switch(dns.host, blue.url)).toEqual({ previous: null });
    expect((await call(`${dns.host}/via-router`)).json.id).toBe('blue');

    // A second provider (as a later CLI run would build) finds the same router.
    const again = createLocalDnsProvider({ stateDir: dir, listenPort });
    expect(await again.current(again.host)).toBe(blue.url);
    expect(await again.switch(again.host, green.url)).toEqual({ previous: blue.url });
    expect((await call(`${dns.host}/via-router`)).json.id).toBe('green');
    const state = await readLocalState(dir);
    expect(state.router).toMatchObject({ listenPort, target: green.url });
    const pid = state.router?.pid ?? 0;
    expect(isPidAlive(pid)).toBe(true);

    await expect(dns.current('http://127.0.0.1:1')).rejects.toSatisfy((e: unknown) => isShipgateError(e) && e.code === 'SHIPGATE_DNS_LOCAL_HOST');

    const stopped = await stopAllLocal(dir);
    expect(stopped).toEqual([{ what: 'router', pid, outcome: 'terminated' }]);
    expect(isPidAlive(pid)).toBe(false);
    expect(await dns.current(dns.host)).toBeNull();
    expect((await readLocalState(dir)).router).toBeNull();
  });

  it('reports a router that cannot listen (port taken) with its log tail', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const listenPort = (taken.address() as AddressInfo).port;
    const dns = createLocalDnsProvider({ stateDir: join(dir, 'busy'), listenPort });
    const err = await dns.switch(dns.host, blue.url).catch((e: unknown) => e);
    taken.close();
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_DNS_LOCAL_ROUTER_START');
    expect((err as Error).message).toContain('EADDRINUSE');
    expect((await readLocalState(join(dir, 'busy'))).router).toBeNull();
  });
});
