/**
 * Which GitHub events may touch a release: only those from the release's own repository (the
 * record's `repo` when it is owner/name, else the bot's configured GITHUB_REPOSITORY) and from the
 * installation bound to the release (the installation of the first matching event, recorded with a
 * unique insert; every later event must carry the same one). An event that does not match is never
 * linked to the release, never decides its rules and never shows on its Slack message.
 */
import type { Db } from 'mongodb';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { bindReleaseInstallation } from './ledger.ts';

export interface EventOrigin {
  /** owner/name of the repository the event comes from. */
  repo: string;
  installationId?: number | undefined;
}

export type OriginCheck = { ok: true; installationId: number } | { ok: false; reason: string };

const OWNER_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** The release's repository as owner/name, or undefined when neither the record nor the bot knows it. */
export function releaseRepository(release: Pick<ReleaseRecord, 'repo'>, configured?: string): string | undefined {
  if (OWNER_NAME.test(release.repo)) return release.repo;
  return configured && OWNER_NAME.test(configured) ? configured : undefined;
}

export async function checkEventOrigin(db: Db, release: Pick<ReleaseRecord, '_id' | 'repo'>, origin: EventOrigin, configuredRepo?: string): Promise<OriginCheck> {
  const repo = releaseRepository(release, configuredRepo);
  if (!repo) return { ok: false, reason: `release ${release._id} records repo "${release.repo}", not owner/name, and the bot has no GITHUB_REPOSITORY: no GitHub event can be bound to it` };
  // GitHub's owner and repository names are case-insensitive.
  if (origin.repo.toLowerCase() !== repo.toLowerCase()) return { ok: false, reason: `event from ${origin.repo}, but release ${release._id} belongs to ${repo}` };
  if (!origin.installationId) return { ok: false, reason: `event from ${origin.repo} without an installation: not a delivery of the GitHub App` };
  const bound = await bindReleaseInstallation(db, { release: release._id, repo: repo.toLowerCase(), installationId: origin.installationId });
  if (bound.installationId !== origin.installationId) return { ok: false, reason: `event from installation ${origin.installationId}, but release ${release._id} is bound to installation ${bound.installationId}` };
  return { ok: true, installationId: bound.installationId };
}
