/**
 * Failure evidence, piece by piece: the bound on what is kept (100 newest lines, each cut, 16 kB in
 * all, redacted), the markdown block the Slack thread and job summary show, the process provider's
 * log of one start (not the next one's), and `logsCommand` for command/webhook deploys — its
 * lines, its failure and its time limit each becoming evidence or a note, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../config/load.ts';
import { createProcessProvider } from '../deploy/process.ts';
import { quietPort } from '../local/ports.ts';
import { registerSecret } from '../secrets/redact.ts';
import { boundEvidence, readLogs, withEvidence, EVIDENCE_LINES } from './evidence.ts';
import { deployProviderFor } from './providers.ts';
import type { GateResult } from '../gates/types.ts';
import { toJobSummary } from '../gates/render.ts';
import type { Deployment } from '../deploy/types.ts';

const failedResult: GateResult = { gate: 'health', status: 'failed', summary: 'HTTP 503 (db down)', details: 'last answer: {"db":"down"}', metrics: {}, startedAt: '2026-12-05T10:00:00.000Z', durationMs: 10 };

describe('the bound on evidence', () => {
  it('keeps the newest 100 lines, cuts long lines, stays within 16 kB, counts what it left out', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 7 === 0 ? 1000 : 20)}`);
    const e = boundEvidence({ source: 'log file a.log', lines });
    expect(e.lines.length).toBeLessThanOrEqual(EVIDENCE_LINES);
    expect(e.lines.at(-1)).toMatch(/^line 4999 /);
    expect(e.lines.every((l) => l.length <= 400)).toBe(true);
    expect(e.lines.join('\n').length).toBeLessThanOrEqual(16_000);
    expect((e.omitted ?? 0) + e.lines.length).toBe(5000);
  });

  it('redacts registered secrets, URL credentials and tokens in every line', () => {
    registerSecret('s3cr3t-jwt-value-0001');
    const e = boundEvidence({ source: 'x', lines: ['jwt=s3cr3t-jwt-value-0001', 'mongodb://app:hunter2pass@db.example.com/notes', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789'] });
    const text = e.lines.join('\n');
    expect(text).not.toContain('s3cr3t-jwt-value-0001');
    expect(text).not.toContain('hunter2pass');
    expect(text).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    // Redacted before lines are cut: a secret across the cut is still masked; control characters are dropped (review findings).
    const cut = boundEvidence({ source: 'x', lines: [`${'x'.repeat(385)}s3cr3t-jwt-value-0001 tail`, '\u001b]52;c;AAAA\u0007\u001b[2Jclear <!channel>'] });
    expect(cut.lines[0]).not.toContain('s3cr3t');
    expect(cut.lines[0]).not.toContain('s3cr3t-jwt'.slice(0, 6));
    expect(cut.lines[1]).toBe(']52;c;AAAA[2Jclear <!channel>');
  });

  it('appends a fenced block of the newest lines to the details (within Slack\'s budget), after the health body', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i} ${'y'.repeat(120)}`);
    const r = withEvidence(failedResult, boundEvidence({ source: 'log file staging.log', lines }));
    expect(r.details.startsWith('last answer: {"db":"down"}\n\n**Logs**: last ')).toBe(true);
    expect(r.details).toContain('earlier lines in the release record');
    expect(r.details.length).toBeLessThan(5_600);
    expect(r.details.trimEnd().endsWith('```')).toBe(true);
    expect(r.evidence?.lines).toHaveLength(100);
    // The job summary (the actions' reportRelease) shows the gate's report with the logs after it.
    expect(toJobSummary(r)).toMatch(/last answer: \{"db":"down"\}\n\n\*\*Logs\*\*: last \d+ lines of log file staging\.log[\s\S]*99 y+\n```/);
    expect(withEvidence(failedResult, undefined)).toBe(failedResult);
    expect(withEvidence(failedResult, { source: 'Railway', lines: [], note: 'could not read the logs: 403' }).details).toContain('**Logs** (Railway): could not read the logs: 403');
  });
});

describe('the process provider\'s logs', () => {
  it('are the lines of that start only, masked, newest last', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sg-evi-proc-'));
    try {
      const script = "console.log('hello from ' + process.env.APP_VERSION); console.log('key=' + process.env.API_KEY); setInterval(() => {}, 1000); require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')";
      const provider = createProcessProvider({ command: `node -e "${script}"`, cwd: stateDir, stateDir, ports: { staging: await quietPort(1, new Set()) }, startTimeoutMs: 20_000 });
      const first = await provider.deploy({ env: 'staging', version: '1.0.0', sha: 'a'.repeat(40), appEnv: { API_KEY: 'key-value-abcdef-123' } });
      const second = await provider.deploy({ env: 'staging', version: '2.0.0', sha: 'b'.repeat(40), appEnv: { API_KEY: 'key-value-abcdef-123' } });
      const a = await provider.logs!(first, { lines: 100 });
      const b = await provider.logs!(second, { lines: 100 });
      expect(a.lines).toContain('hello from 1.0.0');
      expect(a.lines).not.toContain('hello from 2.0.0');
      expect(b.lines).toContain('hello from 2.0.0');
      expect(b.lines).not.toContain('hello from 1.0.0');
      await provider.stop(second);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe('logsCommand of a command deploy', () => {
  const provider = (logsCommand: string) => {
    const config = parseConfigText(
      `app: { name: notes, start: x }\nenvironments:\n  staging:\n    url: http://127.0.0.1:1\n    deploy: { provider: command, run: "true", logsCommand: ${JSON.stringify(logsCommand)} }\n    database: { uriEnv: STAGING_MONGODB_URI }\n`,
      'shipgate.yml',
    );
    return deployProviderFor('staging', config.environments.staging!.deploy, { config, env: { PATH: process.env.PATH }, repoRoot: tmpdir(), localStateDir: tmpdir() });
  };
  const d: Deployment = { provider: 'command', env: 'staging', version: '1.0.0', id: 'dep-42', url: 'http://127.0.0.1:1', startedAt: '', data: {} };

  it('gives its last lines, with the deployment named in its environment', async () => {
    const e = await readLogs(provider('echo "env=$SHIPGATE_ENV id=$SHIPGATE_DEPLOYMENT_ID url=$SHIPGATE_DEPLOYMENT_URL"; for i in $(seq 1 150); do echo "log $i"; done'), d);
    expect(e?.source).toBe('logsCommand of staging');
    expect(e?.lines).toHaveLength(100);
    expect(e?.lines.at(-1)).toBe('log 150');
    const first = await readLogs(provider('echo "env=$SHIPGATE_ENV id=$SHIPGATE_DEPLOYMENT_ID url=$SHIPGATE_DEPLOYMENT_URL"'), d);
    expect(first?.lines).toEqual(['env=staging id=dep-42 url=http://127.0.0.1:1']);
  });

  it('a command that prints 200,000 lines still gives its last 100', async () => {
    const e = await readLogs(provider('yes "a long log line of a chatty platform CLI" | head -n 200000'), d);
    expect(e?.lines).toHaveLength(100);
    expect(e?.lines.at(-1)).toBe('a long log line of a chatty platform CLI');
  });

  it('a failing or stopped logsCommand is a note, not a throw', async () => {
    expect(await readLogs(provider('echo nope >&2; exit 3'), d)).toEqual({ source: 'command logs of dep-42', lines: [], note: 'could not read the logs: logsCommand exited with code 3: `nope`' });
    const stopped = await readLogs(provider('sleep 30'), d, AbortSignal.timeout(300));
    expect(stopped?.note).toBe('could not read the logs: logsCommand was stopped: its time limit is up');
  });

  it('without logsCommand a command deploy has no logs to read', async () => {
    const config = parseConfigText('app: { name: notes, start: x }\nenvironments:\n  staging: { url: "http://127.0.0.1:1", deploy: { provider: command, run: "true" }, database: { uriEnv: S_URI } }\n', 'shipgate.yml');
    const p = deployProviderFor('staging', config.environments.staging!.deploy, { config, env: {}, repoRoot: tmpdir(), localStateDir: tmpdir() });
    expect(p.logs).toBeUndefined();
    expect(await readLogs(p, d)).toBeUndefined();
  });
});
