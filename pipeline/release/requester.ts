/**
 * Who requested a release started by a GitHub workflow_dispatch (release.yml) — the trust rule,
 * once. GitHub tells us who dispatched the run (`github.actor`); the `requester` input is only a
 * claim:
 * - the Shipgate GitHub App's bot (`<app-slug>[bot]`) dispatches on behalf of a Slack user, so it
 *   may name the requester (`slack:U…`, `github:<login>` or `cli:<person>`) and must name one;
 * - anyone else is the requester themselves (`github:<actor>`): naming someone else is refused,
 *   so nobody can start a release in another person's name and then approve it.
 */
import { defineErrors } from '../errors.ts';
import type { Identity } from './types.ts';

export const requesterErrors = defineErrors({
  SHIPGATE_REQUESTER_REFUSED: {
    message: (d: { actor: string; requested: string }) => `${d.actor} dispatched the release workflow naming requester "${d.requested}"; only the Shipgate app may name someone else`,
    hint: () => 'leave the requester input empty when you dispatch release.yml yourself: you are the requester',
    docs: 'github.md#who-is-the-requester',
  },
  SHIPGATE_REQUESTER_INVALID: {
    message: (d: { requested: string }) => `requester input "${d.requested}" is not <side>:<id>`,
    hint: () => 'use slack:U012ABC, github:<login> or cli:<person>',
    docs: 'github.md#who-is-the-requester',
  },
});

export interface DispatchActor {
  /** `github.actor` of the run (a login, or `<slug>[bot]` for a GitHub App). */
  actor: string;
  /** The app's bot login, e.g. `shipgate[bot]` (from the app slug), if an app is configured. */
  appBotLogin?: string;
  /** The workflow's `requester` input (may be empty). */
  requested?: string;
}

const IDENTITY = /^(slack|github|cli):([A-Za-z0-9._\-[\]]+)$/;

export function parseIdentity(text: string): Identity {
  const m = IDENTITY.exec(text.trim());
  if (!m) throw requesterErrors.SHIPGATE_REQUESTER_INVALID({ requested: text });
  return { via: m[1] as Identity['via'], id: m[2] as string };
}

export function requesterOfDispatch(d: DispatchActor): Identity {
  const requested = d.requested?.trim() ?? '';
  const self: Identity = { via: 'github', id: d.actor };
  const isApp = d.appBotLogin !== undefined && d.appBotLogin !== '' && d.actor.toLowerCase() === d.appBotLogin.toLowerCase();
  if (isApp) {
    if (!requested) throw requesterErrors.SHIPGATE_REQUESTER_INVALID({ requested: '(empty)' });
    return parseIdentity(requested);
  }
  if (!requested) return self;
  const claimed = parseIdentity(requested);
  if (claimed.via === 'github' && claimed.id.toLowerCase() === d.actor.toLowerCase()) return self;
  throw requesterErrors.SHIPGATE_REQUESTER_REFUSED({ actor: d.actor, requested });
}
