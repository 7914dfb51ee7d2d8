/**
 * `config check` refuses what a release would refuse: a deploy that cannot say where the deployment
 * answers (command without urlCommand or url, webhook without url), with a hint naming keys the
 * schema accepts. The deploy provider's own refusal names the same keys.
 */
import { describe, expect, it } from 'vitest';
import { validateConfigText } from './load.ts';
import { createCommandProvider } from '../deploy/command.ts';
import { createWebhookProvider } from '../deploy/webhook.ts';
import { presentError } from '../errors.ts';

const configWith = (staging: string) => `app: { name: widgets, start: "node server.js" }
environments:
  staging:
${staging}
    database: { uriEnv: STAGING_MONGODB_URI }
`;

function problems(text: string) {
  const r = validateConfigText(text);
  return r.ok ? [] : r.problems;
}

/** Whether a YAML key path like "environments.staging.deploy.urlCommand" is accepted by the schema. */
function schemaAccepts(text: string): boolean {
  return validateConfigText(text).ok;
}

describe('a deploy must say where the deployment answers', () => {
  it('command with neither urlCommand nor the environment url is a problem on the deploy line, naming the real keys', () => {
    const p = problems(configWith('    deploy: { provider: command, run: ./deploy.sh }'));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ path: 'environments.staging.deploy', line: 4 });
    expect(p[0]!.message).toContain('deploy.urlCommand');
    expect(p[0]!.hint).toContain('environments.staging.deploy');
    expect(p[0]!.hint).toContain('urlCommand');
    expect(`${p[0]!.message} ${p[0]!.hint}`).not.toMatch(/deploy\.url\b/);
  });

  it('command with urlCommand, or with the environment url, is valid — the keys the hint names are accepted', () => {
    expect(schemaAccepts(configWith('    deploy: { provider: command, run: ./deploy.sh, urlCommand: "echo https://x.example.com" }'))).toBe(true);
    expect(schemaAccepts(configWith('    url: https://staging.example.com\n    deploy: { provider: command, run: ./deploy.sh }'))).toBe(true);
    // …and deploy.url, the key the provider's old hint named, is not.
    expect(schemaAccepts(configWith('    deploy: { provider: command, run: ./deploy.sh, url: "https://x.example.com" }'))).toBe(false);
  });

  it('webhook without the environment url is a problem; with it, valid', () => {
    const p = problems(configWith('    deploy: { provider: webhook, urlEnv: STAGING_DEPLOY_HOOK }'));
    expect(p.map((x) => x.path)).toEqual(['environments.staging.url']);
    expect(p[0]!.hint).toContain('url: https://');
    expect(schemaAccepts(configWith('    url: https://staging.example.com\n    deploy: { provider: webhook, urlEnv: STAGING_DEPLOY_HOOK }'))).toBe(true);
  });

  it('the providers\' own refusals name keys of the config, not deploy.url or deploy.hookUrlEnv', () => {
    for (const make of [() => createCommandProvider({ run: 'true', cwd: '.' }), () => createWebhookProvider({ hookUrl: 'https://hooks.example.com/abc', url: '' })]) {
      let shown = '';
      try {
        make();
      } catch (err) {
        shown = presentError(err, 'terminal');
      }
      expect(shown).toMatch(/OPTIONS_INVALID/);
      expect(shown).toContain('environments.<name>.url');
      expect(shown).not.toMatch(/deploy\.url\b|hookUrlEnv/);
    }
  });
});
