/**
 * The one-screen summary `shipgate config check` prints for a valid config: the release path, how
 * each environment deploys and where its data lives, the gates, who approves. Env vars are shown
 * by name with whether they are set here — never their values.
 */
import { formatDuration } from './duration.ts';
import { releasePath } from './lookup.ts';
import type { DeployConfig, DnsConfig, EnvironmentConfig, GatesConfig, ShipgateConfig } from './schema.ts';
import type { EnvVars } from './secrets.ts';

export interface SummaryOptions {
  config: ShipgateConfig;
  /** The file as the user named it. */
  file: string;
  /** The environment to report env vars as set / not set against (the CLI passes process.env). */
  env: EnvVars;
  /** Whether a path from the config exists (relative to the repository root); when given, missing ones are marked. */
  exists?: (path: string) => boolean;
  /** The repository the paths are relative to; shown when given. */
  root?: string;
}

const row = (label: string, text: string) => `  ${label.padEnd(11)}${text}`;
const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

export function formatConfigSummary({ config, file, env, exists, root }: SummaryOptions): string {
  const at = (path: string) => (exists && !exists(path) ? `${path} (not found)` : path);
  const variable = (name: string) => `${name} (${env[name] ? 'set' : 'not set: needed at release time'})`;
  const path = releasePath(config).map((n) => (config.environments[n]?.protected ? `${n} (protected)` : n));
  const lines = [
    `✓ ${file} is valid`,
    '',
    ...(root ? [row('repository', `${root} (the paths below are relative to it)`)] : []),
    row('app', `${config.app.name}: ${config.app.start}${config.app.cwd ? ` (in ${at(config.app.cwd)})` : ''}`),
    row('release', path.join(' → ')),
    row('migrations', `${at(config.migrations.dir)} (changelog collection ${config.migrations.changelogCollection})`),
  ];
  for (const [name, e] of Object.entries(config.environments)) {
    lines.push('', `${name}${e.protected ? ' (protected: needs approval)' : ''}`);
    lines.push(...environmentRows(e, variable));
  }
  lines.push('', 'gates', ...gateRows(config.gates, at));
  lines.push('');
  const a = config.approval;
  lines.push(
    a
      ? row('approval', `${a.approvers.join(', ')}: ${plural(a.minApprovals, 'approval')} needed, expires after ${formatDuration(a.expiresAfter)}; a requester never approves their own release`)
      : row('approval', 'none configured'),
  );
  const s = config.slack;
  lines.push(row('slack', s ? `${s.channel}, approvals in ${s.approvalsChannel} (mode ${s.mode})` : 'not configured (local terminal only)'));
  const g = config.github;
  lines.push(row('github', `workflows ${g.releaseWorkflow} → ${g.promoteWorkflow}, production guard: ${g.guard}`));
  return lines.join('\n');
}

function environmentRows(e: EnvironmentConfig, variable: (name: string) => string): string[] {
  const rows: string[] = [];
  if (e.url) rows.push(row('url', e.url));
  rows.push(row('deploy', describeDeploy(e.deploy, variable)));
  const db = e.database;
  rows.push(row('database', `${variable(db.uriEnv)}${db.name ? `, database ${db.name}` : ''}${db.backup ? ', backed up before migrations' : ''}`));
  if (e.dns) rows.push(row('dns', describeDns(e.dns, variable)));
  if (e.deployers?.length) rows.push(row('deployers', e.deployers.join(', ')));
  if (e.deployerGroups?.length) rows.push(row('groups', e.deployerGroups.join(', ')));
  return rows;
}

function describeDeploy(d: DeployConfig, variable: (name: string) => string): string {
  switch (d.provider) {
    case 'process':
      return `process (local child processes)${d.slots ? `, slots ${d.slots.join(' / ')}` : ''}${d.basePort ? `, ports from ${d.basePort}` : ''}`;
    case 'railway': {
      const slots = d.slots ? `, slots ${d.slots.map((s) => `${s} (${d.slotServices?.[s] ?? '?'})`).join(' / ')}` : '';
      return `railway service ${d.service} in ${d.environment}${d.projectId ? ` (project ${d.projectId})` : ''}${slots}, token ${variable(d.tokenEnv)}`;
    }
    case 'command':
      return `command \`${d.run}\`${d.urlCommand ? `, URL from \`${d.urlCommand}\`` : ''}, timeout ${formatDuration(d.timeout)}`;
    case 'webhook':
      return `webhook ${variable(d.urlEnv)}${d.statusUrlEnv ? `, status ${variable(d.statusUrlEnv)}` : ''}, timeout ${formatDuration(d.timeout)}`;
  }
}

function describeDns(d: DnsConfig, variable: (name: string) => string): string {
  if (d.provider === 'local') return `local router${d.listenPort ? ` on port ${d.listenPort}` : ''} (switches between the slots)`;
  const extra = [d.proxied === undefined ? '' : d.proxied ? 'proxied' : 'not proxied', d.ttl === undefined ? '' : `ttl ${d.ttl}`].filter(Boolean);
  return `cloudflare record ${d.record}${extra.length ? ` (${extra.join(', ')})` : ''}, zone ${variable(d.zoneEnv)}, token ${variable(d.tokenEnv)}`;
}

function gateRows(g: GatesConfig, at: (path: string) => string): string[] {
  const rows: string[] = [];
  const h = g.health;
  rows.push(
    row(
      'health',
      h.enabled
        ? `GET ${h.path}${h.expectVersion ? `, "${h.versionField}" must equal the release version` : ''}, "${h.dbField}" must be ok, ${h.consecutive} passes in a row, every ${formatDuration(h.interval)}, gives up after ${formatDuration(h.timeout)} (${formatDuration(h.requestTimeout)} per request)`
        : 'off',
    ),
  );
  const s = g.smoke;
  rows.push(row('smoke', s.enabled ? `suites ${s.suites.map(at).join(', ')}, ${plural(s.retries, 'retry', 'retries')}, timeout ${formatDuration(s.timeout)}` : 'off'));
  const l = g.load;
  if (!l.enabled) rows.push(row('load', 'off'));
  else {
    const files = [l.script ? `script ${at(l.script)}` : '', l.profile ? `profile ${at(l.profile)}` : ''].filter(Boolean).join(', ');
    rows.push(row('load', `engine ${l.engine}${files ? `, ${files}` : ''}`));
    for (const [metric, exprs] of Object.entries(l.thresholds)) rows.push(row('', `${metric} ${exprs.join(', ')}`));
  }
  return rows;
}
