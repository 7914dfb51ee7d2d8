/**
 * Runs a user's shell command in its own process group (so a timeout or abort kills everything
 * it started), streams its output line by line through a redactor, and keeps the last lines for
 * error messages. Used by the `command` deploy provider.
 */
import { spawn } from 'node:child_process';
import { waitForChildGroup } from '../local/process-group.ts';

export interface ShellRun {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Every output line (stdout and stderr), already redacted. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  redact: (text: string) => string;
  /** Lines kept for error messages (default 20). */
  keepLines?: number;
  /** Keep the whole stdout (default true); off for commands whose output may be large (logsCommand). */
  keepStdout?: boolean;
  /** Time between SIGTERM and SIGKILL of the group (default 5 s). */
  killGraceMs?: number;
}

export interface ShellResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Redacted stdout, whole. */
  stdout: string;
  /** Last lines of stdout+stderr, redacted. */
  lastLines: string[];
}

export async function runShell(opts: ShellRun): Promise<ShellResult> {
  const keep = opts.keepLines ?? 20;
  const lastLines: string[] = [];
  let stdout = '';
  const child = spawn('/bin/sh', ['-c', opts.command], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lineReader = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    const emit = (raw: string) => {
      const line = opts.redact(raw.replace(/\r$/, ''));
      if (stream === 'stdout' && opts.keepStdout !== false) stdout += `${line}\n`;
      lastLines.push(line);
      if (lastLines.length > keep) lastLines.shift();
      opts.onLine?.(line, stream);
    };
    return {
      data(chunk: Buffer) {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const p of parts) emit(p);
      },
      end() {
        if (partial) emit(partial);
        partial = '';
      },
    };
  };
  const out = lineReader('stdout');
  const err = lineReader('stderr');
  child.stdout.on('data', out.data);
  child.stderr.on('data', err.data);
  const exit = await waitForChildGroup(child, { timeoutMs: opts.timeoutMs, signal: opts.signal, graceMs: opts.killGraceMs ?? 5000 });
  out.end();
  err.end();
  return { ...exit, stdout, lastLines };
}

/** A redactor that masks the given values (e.g. the app's env values) and then applies `base`. */
export function maskingRedactor(values: Iterable<string>, base: (t: string) => string): (t: string) => string {
  const secrets = [...new Set([...values].filter((v) => v.length >= 6))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const v of secrets) if (out.includes(v)) out = out.split(v).join('***');
    return base(out);
  };
}
