/** Runs the real `shipgate` command (bin/shipgate.js) as a child process, for the CLI's tests. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../mongo/embedded.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the process was still alive after `killAfterMs` and was killed. */
  killed: boolean;
}

/** Only PATH and HOME are inherited: the identity and the store come from `env`. `cwd`: where it runs (default: Shipgate's checkout). */
export function runShipgate(args: string[], env: Record<string, string | undefined>, opts: { killAfterMs?: number; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/shipgate.js'), ...args], { cwd: opts.cwd ?? repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.killAfterMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}
