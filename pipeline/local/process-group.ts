/**
 * Small helpers around the processes the local release leaves running: is a pid alive (zombies
 * count as dead), does a port accept TCP connections, stop a process group politely then firmly.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when `pid` exists and is not a zombie. EPERM (exists, owned by someone else) counts as alive. */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself hold spaces or parens).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false; // no /proc (macOS): trust kill(pid, 0)
  }
}

/** True when any process of the group `pgid` is still alive. */
export function isGroupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // kill(-pgid, 0) also succeeds when only zombies are left, so look for a live member.
  return isPidAlive(pgid) || groupHasLiveMember(pgid);
}

function groupHasLiveMember(pgid: number): boolean {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // rest[0] = state, rest[1] = ppid, rest[2] = pgrp
        if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') return true;
      } catch {
        // process vanished while we looked
      }
    }
    return false;
  } catch {
    return true; // no /proc: kill(-pgid, 0) said something is there
  }
}

/** Does `host:port` accept a TCP connection within `timeoutMs`? */
export function portAccepts(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface StopGroupResult {
  /** How it ended: it was not running, SIGTERM was enough, or SIGKILL was needed. */
  outcome: 'not-running' | 'terminated' | 'killed';
}

/** SIGTERM the process group `-pgid`, wait up to `graceMs`, then SIGKILL it. Idempotent. */
export async function stopProcessGroup(pgid: number, graceMs = 10_000): Promise<StopGroupResult> {
  if (!isGroupAlive(pgid)) return { outcome: 'not-running' };
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isGroupAlive(pgid)) return { outcome: 'terminated' };
    await sleep(50);
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 100 && isGroupAlive(pgid); i++) await sleep(50);
  return { outcome: 'killed' };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return; // gone, or not ours (pid reused by another user's process)
    throw err;
  }
}

export interface ChildGroupExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * Waits for a child spawned `detached` (the leader of its own process group). On timeout or
 * abort the whole group is killed — at once with SIGKILL, or with `graceMs` first SIGTERM and
 * SIGKILL after the grace — so nothing the child started outlives the wait.
 */
export async function waitForChildGroup(child: ChildProcess, opts: { timeoutMs: number; signal?: AbortSignal | undefined; graceMs?: number }): Promise<ChildGroupExit> {
  let timedOut = false;
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const send = (sig: NodeJS.Signals): boolean => {
    if (!child.pid) return false;
    try {
      process.kill(-child.pid, sig);
      return true;
    } catch {
      return false; // already gone
    }
  };
  const killGroup = () => {
    if (opts.graceMs === undefined) return void send('SIGKILL');
    if (send('SIGTERM')) killTimer = setTimeout(() => send('SIGKILL'), opts.graceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs);
  const onAbort = () => {
    aborted = true;
    killGroup();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => resolve([code, sig]));
    });
    return { exitCode, signal, timedOut, aborted };
  } finally {
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
