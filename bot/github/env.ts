/**
 * The GitHub App's settings from the bot's env, read at the edge. Each has Probot's usual name as
 * an alias: GITHUB_APP_ID (APP_ID), GITHUB_APP_PRIVATE_KEY (PRIVATE_KEY; PEM, `\n` escapes
 * allowed), GITHUB_WEBHOOK_SECRET (WEBHOOK_SECRET). The GitHub side is on when the App ID is set;
 * some but not all of the three is an error naming the missing ones, and a key that is not a PEM
 * private key is an error naming the variable (never its value). Call readGithubAppEnv early (before
 * connecting anything) to fail fast; githubHandlerFromEnv calls it too.
 */
import { createPrivateKey } from 'node:crypto';
import { registerSecret } from '../../pipeline/secrets/redact.ts';
import { coreErrors } from '../../pipeline/errors.ts';
import { githubErrors } from './errors.ts';

export const GITHUB_APP_VARIABLES = {
  appId: { name: 'GITHUB_APP_ID', alias: 'APP_ID' },
  privateKey: { name: 'GITHUB_APP_PRIVATE_KEY', alias: 'PRIVATE_KEY' },
  webhookSecret: { name: 'GITHUB_WEBHOOK_SECRET', alias: 'WEBHOOK_SECRET' },
} as const;
type Setting = keyof typeof GITHUB_APP_VARIABLES;
const SETTINGS = Object.keys(GITHUB_APP_VARIABLES) as Setting[];

/** Throws SHIPGATE_GITHUB_APP_KEY_INVALID (naming the variable, never showing the value) unless `pem` is a private key. */
export function checkPrivateKey(pem: string, variable = 'GITHUB_APP_PRIVATE_KEY'): void {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    const problem = /-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(pem) ? 'it holds a public key' : 'it is not PEM (no -----BEGIN … PRIVATE KEY----- line)';
    throw githubErrors.SHIPGATE_GITHUB_APP_KEY_INVALID({ variable, problem });
  }
  try {
    createPrivateKey(pem);
  } catch {
    throw githubErrors.SHIPGATE_GITHUB_APP_KEY_INVALID({ variable, problem: 'its PEM block cannot be read (cut short, or line breaks lost)' });
  }
}

export interface GithubAppEnv {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  /** Which variable each setting was read from. */
  sources: Record<Setting, string>;
}

function lookup(env: NodeJS.ProcessEnv, setting: Setting): { value: string; source: string } | undefined {
  const { name, alias } = GITHUB_APP_VARIABLES[setting];
  const main = env[name];
  const other = env[alias];
  if (main && other && main !== other) throw githubErrors.SHIPGATE_GITHUB_APP_ENV_CONFLICT({ variable: name, alias });
  if (main) return { value: main, source: name };
  if (other) return { value: other, source: alias };
  return undefined;
}

/**
 * The App's settings, or undefined when none is set. Probot's generic PRIVATE_KEY and
 * WEBHOOK_SECRET alone (no App ID) do not turn the GitHub side on; the GITHUB_* ones do count.
 */
export function readGithubAppEnv(env: NodeJS.ProcessEnv): GithubAppEnv | undefined {
  const found = Object.fromEntries(SETTINGS.map((s) => [s, lookup(env, s)])) as Record<Setting, { value: string; source: string } | undefined>;
  const anySpecific = SETTINGS.some((s) => env[GITHUB_APP_VARIABLES[s].name]);
  if (!found.appId && !anySpecific) return undefined;
  const missing = SETTINGS.filter((s) => !found[s]);
  if (missing.length) {
    throw githubErrors.SHIPGATE_GITHUB_APP_ENV_INCOMPLETE({
      missing: missing.map((s) => `${GITHUB_APP_VARIABLES[s].name} (or ${GITHUB_APP_VARIABLES[s].alias})`),
      set: SETTINGS.filter((s) => found[s]).map((s) => found[s]!.source),
    });
  }
  if (!/^\d{1,12}$/.test(found.appId!.value)) throw coreErrors.SHIPGATE_USAGE({ problem: `${found.appId!.source} must be the GitHub App's numeric App ID (App settings → General → About), got "${found.appId!.value.slice(0, 40)}"` });
  registerSecret(found.privateKey!.value);
  registerSecret(found.webhookSecret!.value);
  const privateKey = found.privateKey!.value.replace(/\\n/g, '\n');
  registerSecret(privateKey);
  checkPrivateKey(privateKey, found.privateKey!.source);
  return {
    appId: found.appId!.value,
    privateKey,
    webhookSecret: found.webhookSecret!.value,
    sources: { appId: found.appId!.source, privateKey: found.privateKey!.source, webhookSecret: found.webhookSecret!.source },
  };
}

export interface GithubSideStatus {
  on: boolean;
  /** One line for the bot's start-up message, e.g. "GitHub App: on (app 1234 from APP_ID, …)". */
  line: string;
}

/** Whether the GitHub side is on, and why — never throws (the handler's errors say what to fix). */
export function githubSideStatus(env: NodeJS.ProcessEnv): GithubSideStatus {
  let app: GithubAppEnv | undefined;
  try {
    app = readGithubAppEnv(env);
  } catch (err) {
    return { on: false, line: `GitHub App: off (${(err as Error).message})` };
  }
  if (!app) return { on: false, line: 'GitHub App: off (GITHUB_APP_ID / APP_ID not set)' };
  const repo = env.GITHUB_REPOSITORY ? `, repository ${env.GITHUB_REPOSITORY}` : '';
  return { on: true, line: `GitHub App: on (app ${app.appId} from ${app.sources.appId}${repo}, webhooks at /api/github/webhooks)` };
}
