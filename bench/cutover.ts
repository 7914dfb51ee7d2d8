/**
 * Cutover bench: 20 switches of the local router (the detached router-main process, driven
 * through the `local` DNS provider) between two upstream node servers in child processes, under
 * keep-alive load. Prints requests/failures, the median switch latency (the `switch()` call) and
 * the median time until the first response from the new slot. Loopback only, bounded in time.
 *
 *   npx tsx bench/cutover.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../pipeline/mongo/embedded.ts';
import { stopAllLocal } from '../pipeline/deploy/process.ts';
import { createLocalDnsProvider } from '../pipeline/dns/local.ts';

const CUTOVERS = 20;
const CONNECTIONS = 4;
const DEADLINE_MS = 90_000;

const UPSTREAM = `
const http = require('node:http');
const id = process.argv[1];
const server = http.createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ id })); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startUpstream(id: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', UPSTREAM, id], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolvePromise, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolvePromise);
    child.once('exit', (code) => reject(new Error(`upstream ${id} exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${line.trim()}` };
}

function get(url: string, agent: Agent): Promise<{ status: number; id: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolvePromise({ status: res.statusCode ?? 0, id: String((JSON.parse(body) as { id?: string }).id) });
        } catch {
          resolvePromise({ status: res.statusCode ?? 0, id: '?' });
        }
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'shipgate-bench-cutover-'));
  const blue = await startUpstream('blue');
  const green = await startUpstream('green');
  const dns = createLocalDnsProvider({ stateDir, listenPort: await freePort() });
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  try {
    await dns.switch(dns.host, blue.url); // starts the router process
    let requests = 0;
    let failed = 0;
    let lastId = 'blue';
    let wantId = 'blue';
    let firstSeenAt: ((t: number) => void) | null = null;
    let stop = false;
    const started = Date.now();
    const worker = async () => {
      while (!stop && Date.now() - started < DEADLINE_MS) {
        try {
          const res = await get(`${dns.host}/`, agent);
          requests++;
          if (res.status !== 200) failed++;
          lastId = res.id;
          if (res.id === wantId && firstSeenAt) {
            firstSeenAt(performance.now());
            firstSeenAt = null;
          }
        } catch {
          requests++;
          failed++;
        }
      }
    };
    const workers = Array.from({ length: CONNECTIONS }, () => worker());
    const switchMs: number[] = [];
    const firstResponseMs: number[] = [];
    for (let i = 0; i < CUTOVERS && Date.now() - started < DEADLINE_MS; i++) {
      await new Promise((r) => setTimeout(r, 100)); // let load run on the current slot
      const next = i % 2 === 0 ? green : blue;
      wantId = next === green ? 'green' : 'blue';
      const seen = new Promise<number>((r) => (firstSeenAt = r));
      const t0 = performance.now();
      await dns.switch(dns.host, next.url);
      switchMs.push(performance.now() - t0);
      firstResponseMs.push((await Promise.race([seen, new Promise<number>((r) => setTimeout(() => r(NaN), 10_000))])) - t0);
    }
    stop = true;
    await Promise.all(workers);
    console.log(`${requests} requests, ${failed} failed (${CONNECTIONS} keep-alive connections, ${switchMs.length} cutovers, last answer from ${lastId})`);
    console.log(`switch latency (dns.switch → router PUT): median ${median(switchMs).toFixed(2)} ms, max ${Math.max(...switchMs).toFixed(2)} ms`);
    console.log(`first response from the new slot after switch: median ${median(firstResponseMs).toFixed(2)} ms`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    await stopAllLocal(stateDir, 2000);
    blue.child.kill();
    green.child.kill();
    await rm(stateDir, { recursive: true, force: true });
  }
}

await main();
