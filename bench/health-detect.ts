/**
 * bench/health-detect: time from the moment a target starts serving the expected version until
 * the health gate passes (3 healthy answers in a row), over 20 runs. Reports median and p95 against
 * the configured poll interval. Loopback only, bounded.
 * Run: npx tsx bench/health-detect.ts [--runs 20] [--interval 500ms]
 */
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { pollHealth } from '../pipeline/gates/health/poll.ts';
import { parseDuration } from '../pipeline/config/duration.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, interval: { type: 'string', default: '500ms' }, consecutive: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const intervalMs = parseDuration(values.interval) ?? 500;
const consecutive = Number(values.consecutive);

async function oneRun(): Promise<number> {
  let switchedAt: number | undefined;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version: switchedAt === undefined ? '1.4.2' : '1.5.0', db: 'up' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // The new version goes live at a random moment, so it lands anywhere in the poll cycle.
    const delay = intervalMs + Math.random() * intervalMs * 3;
    const timer = setTimeout(() => (switchedAt = performance.now()), delay);
    const result = await pollHealth({ url, expectVersion: '1.5.0', intervalMs, consecutive, timeoutMs: 60_000 });
    clearTimeout(timer);
    const passedAt = performance.now();
    if (result.outcome !== 'healthy' || switchedAt === undefined) throw new Error(`run did not pass: ${result.outcome}`);
    return passedAt - switchedAt;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

async function main(): Promise<void> {
  console.log(`health-detect: ${runs} runs · poll interval ${intervalMs}ms · ${consecutive} healthy answers in a row`);
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const t = await oneRun();
    times.push(t);
    console.log(`run ${String(i).padStart(2)}: passed ${Math.round(t)}ms after the new version went live`);
  }
  const med = pct(times, 50);
  const p95 = pct(times, 95);
  const floor = (consecutive - 1) * intervalMs;
  console.log(`median ${Math.round(med)}ms (${(med / intervalMs).toFixed(2)}x interval) · p95 ${Math.round(p95)}ms (${(p95 / intervalMs).toFixed(2)}x interval)`);
  console.log(`for reference: ${consecutive} answers in a row need at least ${floor}ms (${consecutive - 1}x interval) after the first healthy one; the first comes within one interval`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
