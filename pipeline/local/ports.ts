/**
 * Free loopback ports that stay free until they are used.
 *
 * A port the kernel hands out for listen(0) is taken from the ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range, 32768–60999 on Linux). Between being picked and being
 * listened on — seconds for an app or a FerretDB that is still starting — such a port can be
 * handed to any other listen(0) or outgoing connection on the machine; CI then saw
 * SHIPGATE_PROCESS_PORT_BUSY ("already accepts connections") for a port picked moments before.
 * Below the ephemeral range only an explicit listen takes a port, so pick there, at random, and
 * never hand out the same port twice in one process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const handedOut = new Set<number>();

/** True when a server can listen on 127.0.0.1:`port` right now. */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolvePromise(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolvePromise(true)));
  });
}

/** Any port the kernel gives listen(0) (the ephemeral range): the fallback on unusual machines. */
export function kernelPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 0) return low;
  } catch {
    // not Linux
  }
  return process.platform === 'darwin' || process.platform === 'win32' ? 49152 : 32768;
}

/**
 * `span` consecutive free loopback ports below the ephemeral range; returns the first. `taken`
 * (default: every port this process handed out) is skipped and extended.
 */
export async function quietPort(span = 1, taken: Set<number> = handedOut): Promise<number> {
  const bottom = 10_000;
  const top = Math.min(ephemeralLow(), 32768) - span;
  if (top - bottom < 1000) {
    if (span === 1) return kernelPort(); // an unusual range: any free port
    throw new Error(`no room for ${span} consecutive ports between ${bottom} and the ephemeral range`);
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = bottom + Math.floor(Math.random() * (top - bottom));
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if (ports.some((p) => taken.has(p) || handedOut.has(p))) continue;
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) {
      for (const p of ports) {
        taken.add(p);
        handedOut.add(p);
      }
      return base;
    }
  }
  throw new Error(`no ${span} free consecutive loopback port(s) between ${bottom} and ${top + span}`);
}

/** One free loopback port (see the module comment for why not listen(0)). */
export function freePort(): Promise<number> {
  return quietPort(1);
}
