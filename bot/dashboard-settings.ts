/** The bot's dashboard settings, read at the edge (bot/main.ts). */
import { coreErrors } from '../pipeline/errors.ts';
import { MIN_SECRET_LENGTH } from '../pipeline/dashboard/auth.ts';
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
export function dashboardSettings(env: NodeJS.ProcessEnv): { secret: string; url: string } | undefined {
  const secretValue = env.SHIPGATE_DASHBOARD_SECRET;
  if (!secretValue) return undefined;
  registerSecret(secretValue);
  if (secretValue.length < MIN_SECRET_LENGTH) {
    throw coreErrors.SHIPGATE_USAGE({ problem: `SHIPGATE_DASHBOARD_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 48)` });
  }
  const url = required(env, 'SHIPGATE_DASHBOARD_URL', 'the bot\'s public base URL, e.g. https://shipgate.example.com: /deploy dashboard links point there');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw coreErrors.SHIPGATE_USAGE({ problem: `SHIPGATE_DASHBOARD_URL must be a URL such as https://shipgate.example.com, got "${url.slice(0, 100)}"` });
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw coreErrors.SHIPGATE_USAGE({ problem: `SHIPGATE_DASHBOARD_URL must be https (sign-in links and session cookies must not cross the network in clear), got ${parsed.protocol}//${parsed.host}` });
  }
  return { secret: secretValue, url: url.replace(/\/+$/, '') };
}

