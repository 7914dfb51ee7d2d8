/** The bot's dashboard settings, read at the edge (bot/main.ts). */
import { coreErrors } from '../pipeline/errors.ts';
import { MIN_SECRET_LENGTH } from '../pipeline/dashboard/auth.ts';
import { checkDashboardUrl, type DashboardUrlProblem } from '../pipeline/dashboard/links.ts';
import { registerSecret } from '../pipeline/secrets/redact.ts';

function required(env: NodeJS.ProcessEnv, name: string, purpose: string): string {
  const v = env[name];
  if (!v) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: name, purpose });
  return v;
}

/**
 * The release dashboard at /ui: on when SHIPGATE_DASHBOARD_SECRET is set (the key of its sign-in
 * links and sessions, ≥ 32 characters), which then needs SHIPGATE_DASHBOARD_URL (the bot's public
 * base URL, for the links `/deploy dashboard` hands out). Off otherwise: never served without sign-in.
 */
export interface DashboardSettings {
  secret: string;
  url: string;
  /** Sign in with Slack: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Basic Information → App Credentials), optionally SLACK_TEAM_ID. */
  slack?: { clientId: string; clientSecret: string; teamId?: string };
}

export function dashboardSettings(env: NodeJS.ProcessEnv): DashboardSettings | undefined {
  const secretValue = env.SHIPGATE_DASHBOARD_SECRET;
  if (!secretValue) return undefined;
  registerSecret(secretValue);
  if (secretValue.length < MIN_SECRET_LENGTH) {
    throw coreErrors.SHIPGATE_USAGE({ problem: `SHIPGATE_DASHBOARD_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 48)` });
  }
  const url = required(env, 'SHIPGATE_DASHBOARD_URL', 'the bot\'s public base URL, e.g. https://shipgate.example.com: /deploy dashboard links point there');
  const checked = checkDashboardUrl(url);
  if (!checked.ok) {
    const problems: Record<DashboardUrlProblem, string> = {
      'not-a-url': `SHIPGATE_DASHBOARD_URL must be a URL such as https://shipgate.example.com, got "${url.slice(0, 100)}"`,
      'not-https': `SHIPGATE_DASHBOARD_URL must be https (sign-in links and session cookies must not cross the network in clear), got ${checked.url?.protocol}//${checked.url?.host}`,
      'not-plain': 'SHIPGATE_DASHBOARD_URL must be a plain base URL such as https://shipgate.example.com: no user, password, query or fragment',
    };
    throw coreErrors.SHIPGATE_USAGE({ problem: problems[checked.problem] });
  }
  const slack = slackSignInSettings(env);
  return { secret: secretValue, url: checked.base, ...(slack ? { slack } : {}) };
}

function slackSignInSettings(env: NodeJS.ProcessEnv): DashboardSettings['slack'] {
  const id = env.SLACK_CLIENT_ID;
  const secret = env.SLACK_CLIENT_SECRET;
  if (!id && !secret) return undefined;
  const purpose = 'Sign in with Slack on the dashboard needs both (Slack app → Basic Information → App Credentials)';
  if (!id) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: 'SLACK_CLIENT_ID', purpose });
  if (!secret) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: 'SLACK_CLIENT_SECRET', purpose });
  registerSecret(secret);
  const team = env.SLACK_TEAM_ID;
  if (team !== undefined && team !== '' && !/^T[A-Z0-9]{2,}$/.test(team)) throw coreErrors.SHIPGATE_USAGE({ problem: `SLACK_TEAM_ID must be a Slack workspace id (T…), got "${team.slice(0, 20)}"` });
  return { clientId: id, clientSecret: secret, ...(team ? { teamId: team } : {}) };
}

