import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { canListen, freePort, quietPort } from './ports.ts';

const ephemeralLow = (): number => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32768;
  }
};

describe('free loopback ports', () => {
  it('are below the ephemeral range (where listen(0) and outgoing connections cannot take them), free, and never handed out twice', async () => {
    const ports = await Promise.all(Array.from({ length: 60 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(10_000);
      expect(p).toBeLessThan(Math.min(ephemeralLow(), 32768));
    }
    expect(await canListen(ports[0]!)).toBe(true);
  });

  it('spans are consecutive and recorded in the caller set; canListen sees a port in use', async () => {
    const taken = new Set<number>();
    const base = await quietPort(3, taken);
    expect([...taken]).toEqual([base, base + 1, base + 2]);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(base + 5, '127.0.0.1', () => r()));
    try {
      expect(await canListen(base + 5)).toBe(false);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
