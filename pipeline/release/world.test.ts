/**
 * The release world's ports (testing/world.ts): apps start tens of seconds after their ports are
 * picked, so the ports must be ones no outgoing connection can take meanwhile — below the
 * kernel's ephemeral range — and free, green (blue + 1) included.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { parse } from 'yaml';
import { useTestDatabase } from '../testing/mongo.ts';
import { createReleaseWorld, quietPort, type World } from './testing/world.ts';

const t = useTestDatabase('world');
const worlds: World[] = [];
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()));
});

const ephemeralLow = async () => Number((await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/)[0]);
const canListen = (port: number) =>
  new Promise<boolean>((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });

describe('release world ports', () => {
  it('are free and below the ephemeral range, for every env and slot and the router', async () => {
    const w = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
    worlds.push(w);
    const config = parse(await readFile(w.configFile, 'utf8')) as { environments: Record<string, { deploy: { basePort: number; slots?: string[] }; dns?: { listenPort: number } }> };
    const ports = [w.routerPort];
    for (const e of Object.values(config.environments)) (e.deploy.slots ?? ['']).forEach((_, i) => ports.push(e.deploy.basePort + i));
    expect(new Set(ports).size).toBe(4);
    const low = await ephemeralLow();
    for (const p of ports) {
      expect(p, `port ${p}`).toBeLessThan(low);
      expect(await canListen(p), `port ${p} free`).toBe(true);
    }
  });

  it('a port the kernel gives an outgoing connection cannot be listened on: why the world avoids that range', async () => {
    const server = createServer((s) => s.resume());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    try {
      expect(socket.localPort).toBeGreaterThanOrEqual(await ephemeralLow());
      expect(await canListen(socket.localPort!)).toBe(false); // EADDRINUSE: the app "exited during start-up"
    } finally {
      socket.destroy();
      server.close();
    }
  });

  it('quietPort hands out distinct spans', async () => {
    const taken = new Set<number>();
    const spans = [await quietPort(2, taken), await quietPort(2, taken), await quietPort(1, taken)];
    expect(taken.size).toBe(5);
    expect(spans.every((p) => taken.has(p))).toBe(true);
  });
});
