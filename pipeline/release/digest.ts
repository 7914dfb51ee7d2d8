/**
 * The release digest an approval is bound to (safety invariant 2): the commit, the target
 * environment, the digest of the target's migration plan, and the verdict of every gate that ran
 * before approval. If any of them changes after approval, the approval no longer counts.
 */
import { canonicalJson, sha256Hex } from './canonical.ts';
import type { ReleaseRecord } from './types.ts';

export interface DigestInput {
  sha: string;
  target: string;
  planDigest: string;
  gates: Array<{ key: string; status: string; summary: string }>;
}

export function releaseDigest(input: DigestInput): string {
  const gates = [...input.gates].sort((a, b) => (a.key < b.key ? -1 : 1));
  return sha256Hex(canonicalJson({ v: 1, sha: input.sha, target: input.target, planDigest: input.planDigest, gates }));
}

/** The digest input of a release as recorded: the gate results of every stage before the target. */
export function digestInputOf(release: ReleaseRecord, planDigest: string): DigestInput {
  return {
    sha: release.sha,
    target: release.target,
    planDigest,
    gates: release.stages
      .filter((s) => s.env !== release.target && s.result)
      .map((s) => ({ key: s.key, status: s.status, summary: s.result?.summary ?? '' })),
  };
}
