import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { presentError } from '../errors.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { loadConfig, parseConfigText } from './load.ts';
import { loadError, markedLine, problemsOf, tempDir, writeConfig } from './test-helpers.ts';

const PEOPLE = `people:
  - { name: ana, slack: U012ABC, github: ana-dev }
  - { name: raj, slack: U034DEF, github: rajk }
approval: { approvers: [ana, raj] }
`;
const APP = 'app: { name: notes, start: node server.js }\n';
const STAGING = `  staging:
    deploy: { provider: process }
    database: { uriEnv: STAGING_MONGODB_URI }
`;
const valid = (envs = STAGING, rest = '') => `${APP}environments:\n${envs}${rest}${PEOPLE}`;

describe('the example configs', () => {
  it('.github/shipgate.yml is valid, with defaults filled in and durations in ms', async () => {
    const config = await loadConfig({ file: '.github/shipgate.yml', cwd: repoRoot });
    expect(Object.keys(config.environments)).toEqual(['staging', 'production']);
    const prod = config.environments.production;
    expect(prod?.protected).toBe(true);
    expect(prod?.deploy).toEqual({ provider: 'process', slots: ['blue', 'green'] });
    expect(prod?.dns).toEqual({ provider: 'local' });
    expect(prod?.database).toEqual({ uriEnv: 'PRODUCTION_MONGODB_URI', backup: true });
    expect(config.environments.staging?.protected).toBe(false);
    expect(config.gates.health).toMatchObject({ enabled: true, path: '/health', timeout: 120_000, interval: 1000, requestTimeout: 5000, consecutive: 3 });
    expect(config.gates.smoke).toMatchObject({ enabled: true, suites: ['smoke/suites'], retries: 1, timeout: 300_000 });
    expect(config.gates.load.thresholds).toEqual({ http_req_duration: ['p(95)<500', 'p(99)<1500'], http_req_failed: ['rate<0.01'] });
    expect(config.approval).toEqual({ approvers: ['ana', 'raj'], minApprovals: 1, expiresAfter: 4 * 3_600_000 });
    expect(config.github).toEqual({ releaseWorkflow: 'release.yml', promoteWorkflow: 'promote.yml', guard: 'dispatch' });
    expect(Object.isFrozen(config.environments.production?.deploy)).toBe(true);
  });

  it('docs/examples/railway-cloudflare.yml is valid, with provider defaults', async () => {
    const config = await loadConfig({ file: join(repoRoot, 'docs/examples/railway-cloudflare.yml') });
    const prod = config.environments.production;
    expect(prod?.deploy).toMatchObject({ provider: 'railway', tokenEnv: 'RAILWAY_TOKEN', slotServices: { blue: 'api-blue', green: 'api-green' } });
    expect(prod?.dns).toMatchObject({ provider: 'cloudflare', zoneEnv: 'CF_ZONE_ID', tokenEnv: 'CF_API_TOKEN', record: 'example.com' });
  });

  it('turns gates off when they are left out, and migrations get their defaults', () => {
    const config = parseConfigText(valid(), 'x.yml');
    expect([config.gates.health.enabled, config.gates.smoke.enabled, config.gates.load.enabled]).toEqual([false, false, false]);
    expect(config.migrations).toEqual({ dir: 'app/migrations', changelogCollection: 'shipgate_migrations' });
  });
});

interface Mistake {
  kind: string;
  yaml: string;
  path: string;
  message: RegExp;
  hint?: RegExp;
  line?: number;
}

const mistakes: Mistake[] = [
  {
    kind: 'unknown deploy provider',
    yaml: valid(`  production:\n    deploy: { provider: heroku }   # <-\n    database: { uriEnv: PRODUCTION_MONGODB_URI }\n`),
    path: 'environments.production.deploy.provider',
    message: /^expected one of process\|railway\|command\|webhook, got "heroku"$/,
  },
  {
    kind: 'bad duration',
    yaml: valid(STAGING, 'gates:\n  health:\n    timeout: ninety   # <-\n'),
    path: 'gates.health.timeout',
    message: /^"ninety" is not a duration; write e\.g\. 90s, 5m, 4h$/,
  },
  {
    kind: 'unknown key with a suggestion',
    yaml: valid(`  staging:\n    deploy: { provider: process }\n    databse: { uriEnv: STAGING_MONGODB_URI }   # <-\n`),
    path: 'environments.staging.databse',
    message: /^unknown key; did you mean "database"\?$/,
    hint: /allowed here: .*database/,
  },
  {
    kind: 'approver not in people',
    yaml: `${APP}environments:\n${STAGING}people:\n  - { name: ana, slack: U012ABC }\napproval: { approvers: [ana, bob] }   # <-\n`,
    path: 'approval.approvers[1]',
    message: /^"bob" is not in people$/,
    hint: /add \{ name: bob, slack: U…, github: … \} to people/,
  },
  {
    kind: 'missing required field',
    yaml: `app:   # <-\n  name: notes\nenvironments:\n${STAGING}${PEOPLE}`,
    path: 'app.start',
    message: /^is required$/,
    hint: /shell command that starts the app/,
  },
  {
    kind: 'wrong type',
    yaml: valid(STAGING, 'gates:\n  health:\n    consecutive: "three"   # <-\n'),
    path: 'gates.health.consecutive',
    message: /^expected a number, got "three"$/,
    hint: /plain number/,
  },
  {
    kind: 'secret value in an *Env field',
    yaml: valid(`  staging:\n    deploy: { provider: process }\n    database:\n      uriEnv: mongodb+srv://admin:hunter2secret@cluster0.example.net/app   # <-\n`),
    path: 'environments.staging.database.uriEnv',
    message: /looks like a secret/,
    hint: /environment variable.*STAGING_MONGODB_URI/,
  },
  {
    kind: 'token pasted into another field',
    yaml: `app:\n  name: notes\n  start: GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789 node server.js   # <-\nenvironments:\n${STAGING}${PEOPLE}`,
    path: 'app.start',
    message: /looks like a secret/,
    hint: /#secrets/,
  },
  {
    kind: 'minApprovals above the number of approvers',
    yaml: valid(STAGING).replace('approval: { approvers: [ana, raj] }', 'approval: { approvers: [ana, raj], minApprovals: 3 }   # <-'),
    path: 'approval.minApprovals',
    message: /^is 3 but only 2 approver\(s\) are listed$/,
    hint: /at most 2/,
  },
  {
    kind: 'bad threshold expression',
    yaml: valid(STAGING, 'gates:\n  load:\n    profile: load/a.profile.json\n    thresholds:\n      http_req_duration: ["p95<300"]   # <-\n'),
    path: 'gates.load.thresholds.http_req_duration[0]',
    message: /p95.*p\(95\)/,
    hint: /k6 threshold syntax/,
  },
  {
    kind: 'slots without slotServices (railway)',
    yaml: valid(`${STAGING}  production:\n    deploy: { provider: railway, service: api, environment: production, slots: [blue, green] }   # <-\n    database: { uriEnv: PRODUCTION_MONGODB_URI }\n`),
    path: 'environments.production.deploy.slotServices',
    message: /^is required when slots is given$/,
    hint: /blue: <railway service id>, green: <railway service id>/,
  },
  {
    kind: 'duplicate person',
    yaml: `${APP}environments:\n${STAGING}people:\n  - { name: ana, slack: U012ABC }\n  - { name: ana, slack: U034DEF }   # <-\n`,
    path: 'people[1].name',
    message: /^"ana" is listed twice \(also people\[0\]\.name\)$/,
  },
  {
    kind: 'protected environment without approval',
    yaml: `${APP}environments:\n${STAGING}  production:\n    protected: true   # <-\n    deploy: { provider: process }\n    database: { uriEnv: PRODUCTION_MONGODB_URI }\n`,
    path: 'environments.production.protected',
    message: /needs approval configured/,
    hint: /approval: \{ approvers/,
  },
  {
    kind: 'local DNS with a remote deploy provider',
    yaml: valid(`  staging:\n    deploy: { provider: command, run: ./deploy.sh }\n    database: { uriEnv: STAGING_MONGODB_URI }\n    dns: { provider: local }   # <-\n`),
    path: 'environments.staging.dns.provider',
    message: /only works with deploy provider process \(this environment uses command\)/,
  },
  {
    kind: 'load engine k6 without a script',
    yaml: valid(STAGING, 'gates:\n  load:   # <-\n    engine: k6\n    thresholds: { http_req_failed: ["rate<0.01"] }\n'),
    path: 'gates.load.script',
    message: /^is required with engine k6$/,
    hint: /script: load\/<name>\.k6\.js/,
  },
  {
    kind: 'two equal slot names',
    yaml: valid(`  staging:\n    deploy: { provider: process, slots: [blue, blue] }   # <-\n    database: { uriEnv: STAGING_MONGODB_URI }\n`),
    path: 'environments.staging.deploy.slots',
    message: /must differ/,
  },
  {
    kind: 'value outside an enum',
    yaml: valid(STAGING, 'gates:\n  load:\n    engine: jmeter   # <-\n    profile: a.json\n    thresholds: { http_req_failed: ["rate<0.01"] }\n'),
    path: 'gates.load.engine',
    message: /^expected one of k6\|builtin\|auto, got "jmeter"$/,
  },
  {
    kind: 'two environments sharing one database variable',
    yaml: valid(`${STAGING}  production:\n    deploy: { provider: process }\n    database: { uriEnv: STAGING_MONGODB_URI }   # <-\n`),
    path: 'environments.production.database.uriEnv',
    message: /also the database of environment staging/,
  },
  {
    kind: 'environment name not lowercase',
    yaml: `${APP}environments:\n  Staging:   # <-\n    deploy: { provider: process }\n    database: { uriEnv: STAGING_MONGODB_URI }\n${PEOPLE}`,
    path: 'environments.Staging',
    message: /lowercase/,
  },
  {
    kind: 'env var name not in UPPER_SNAKE_CASE (not a secret, so said plainly)',
    yaml: valid(`  staging:\n    deploy: { provider: process }\n    database: { uriEnv: staging_mongodb_uri }   # <-\n`),
    path: 'environments.staging.database.uriEnv',
    message: /^must name an environment variable in UPPER_SNAKE_CASE$/,
    hint: /STAGING_MONGODB_URI/,
  },
  {
    kind: 'environment named like a /deploy subcommand (Slack could never release to it)',
    yaml: valid(`  dashboard:   # <-\n    deploy: { provider: process }\n    database: { uriEnv: STAGING_MONGODB_URI }\n`),
    path: 'environments.dashboard',
    message: /"dashboard" is a \/deploy subcommand/,
    hint: /name the environment otherwise/,
  },
  {
    kind: 'reserved key that would change a prototype',
    yaml: valid(`  __proto__:   # <-\n    deploy: { provider: process }\n    database: { uriEnv: STAGING_MONGODB_URI }\n`),
    path: 'environments.__proto__',
    message: /reserved/,
  },
  {
    kind: 'YAML syntax error',
    yaml: `app:\n  name: notes\n  start: [unclosed\nenvironments: {}\n`,
    path: '',
    line: 4,
    message: /^YAML syntax error at line 4, column 1: /,
  },
];

describe('each kind of mistake is reported with its YAML path, line and a hint', () => {
  it.each(mistakes)('$kind', async (m) => {
    const file = writeConfig(tempDir(), m.yaml);
    const err = await loadError(file);
    expect(err.code).toBe('SHIPGATE_CONFIG_INVALID');
    expect(err.exitCode).toBe(3);
    const problem = problemsOf(err).find((p) => p.path === m.path);
    expect(problem, `problems were: ${JSON.stringify(problemsOf(err), null, 1)}`).toBeDefined();
    expect(problem?.message).toMatch(m.message);
    expect(problem?.line).toBe(m.line ?? markedLine(m.yaml));
    expect(problem?.hint ?? '').not.toBe('');
    if (m.hint) expect(problem?.hint).toMatch(m.hint);
    // The terminal presentation lists it as `file:line  path: message (hint)`.
    const shown = m.path === '' ? '(file)' : m.path;
    expect(presentError(err, 'terminal')).toContain(`${file}:${problem?.line}  ${shown}: ${problem?.message} (${problem?.hint})`);
  });

  it('never echoes a secret found in the file, in the message, the hint, the details or any presentation', async () => {
    const secretCases = mistakes.filter((m) => /^(secret value|token pasted)/.test(m.kind));
    expect(secretCases).toHaveLength(2);
    for (const m of secretCases) {
      const err = await loadError(writeConfig(tempDir(), m.yaml));
      const everything = [err.message, err.hint, JSON.stringify(err.details), presentError(err, 'terminal'), presentError(err, 'markdown')].join('\n');
      expect(everything).not.toContain('hunter2secret');
      expect(everything).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    }
  });
});

describe('collecting every problem', () => {
  it('reports all problems of one file at once, in line order', async () => {
    const yaml = [
      'app: { name: notes }', // 1: start missing
      'environments:',
      '  staging:',
      '    deploy: { provider: heroku }', // 4
      '    databse: { uriEnv: STAGING_MONGODB_URI }', // 5 (+ database missing at line 3)
      'gates:',
      '  health: { timeout: ninety }', // 7
      'people:',
      '  - { name: ana, slack: U012ABC }',
      'approval: { approvers: [ana, bob], minApprovals: 5 }', // 10
      'slack: { channel: deploys }', // 11
    ].join('\n');
    const err = await loadError(writeConfig(tempDir(), yaml));
    const got = problemsOf(err).map((p) => `${p.line} ${p.path}`);
    expect(got).toEqual([
      '1 app.start',
      '3 environments.staging.database',
      '4 environments.staging.deploy.provider',
      '5 environments.staging.databse',
      '7 gates.health.timeout',
      '10 approval.approvers[1]',
      '10 approval.minApprovals',
      '11 slack.channel',
    ]);
    expect(err.message).toMatch(/has 8 problems:/);
  });

  it('names the missing file and where to start', async () => {
    const err = await loadConfig({ file: 'nowhere/shipgate.yml', cwd: tempDir() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(presentError(err)).toMatch(/SHIPGATE_CONFIG_NOT_FOUND: config file nowhere\/shipgate\.yml does not exist/);
    expect(presentError(err)).toContain('docs/configuration.md');
  });
});
