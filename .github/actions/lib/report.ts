/**
 * How an action reports through @actions/core: outputs, a job summary (the release checklist and
 * a table per gate that ran), annotations for failed stages, and setFailed — which sets the exit
 * code instead of throwing (actions/toolkit's habit).
 */
import * as core from '@actions/core';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { presentError } from '../../../pipeline/errors.ts';
import { toJobSummary } from '../../../pipeline/gates/render.ts';
import { renderReleaseMarkdown } from '../../../pipeline/release/render.ts';
import type { ReleaseRecord } from '../../../pipeline/release/types.ts';
import { redactText } from '../../../pipeline/secrets/redact.ts';
import { actionWorkspace } from './session.ts';
import { releasePageUrl } from '../../../pipeline/dashboard/links.ts';

export async function reportRelease(release: ReleaseRecord, ran: readonly string[], heading?: string): Promise<void> {
  core.setOutput('release-id', release._id);
  core.setOutput('status', release.status);
  core.setOutput('sha', release.sha);
  if (release.digest) core.setOutput('digest', release.digest);
  const stages = release.stages.filter((s) => ran.includes(s.key));
  core.setOutput('stages', JSON.stringify(stages.map((s) => ({ key: s.key, status: s.status, summary: s.result?.summary ?? '' }))));
  const page = releasePageUrl(process.env.SHIPGATE_DASHBOARD_URL, release._id);
  const parts = [heading ? `## ${heading}` : '', renderReleaseMarkdown(release), page ? `[Open ${release._id} in the Shipgate dashboard](${page})` : ''];
  for (const s of stages) if (s.result) parts.push(`#### ${s.key}`, toJobSummary(s.result));
  await core.summary.addRaw(redactText(parts.filter(Boolean).join('\n\n')), true).write();
  for (const s of stages) {
    if (s.status === 'failed' || s.status === 'error') core.error(redactText(`${s.key} ${s.status}: ${s.result?.summary ?? 'no result'}`), { title: `Shipgate: ${s.key}` });
  }
}

/** TypeScript migrations load through tsx when the checkout has it (npm ci); JavaScript ones need nothing. */
async function registerTypeScriptLoader(): Promise<void> {
  type Api = { register(): unknown };
  const loaders: Array<() => Promise<[Api, Api]>> = [
    // Next to the bundle (this checkout's node_modules).
    async () => [(await import('tsx/esm/api')) as Api, (await import('tsx/cjs/api')) as Api],
    // The workflow's own checkout (`npm i -D tsx`): its ESM entry points, found from its package.json.
    async () => {
      const pkg = createRequire(join(actionWorkspace().root, 'package.json')).resolve('tsx/package.json');
      const at = (p: string) => pathToFileURL(join(dirname(pkg), p)).href;
      return [(await import(at('dist/esm/api/index.mjs'))) as Api, (await import(at('dist/cjs/api/index.mjs'))) as Api];
    },
  ];
  for (const load of loaders) {
    try {
      const [esm, cjs] = await load();
      esm.register();
      cjs.register();
      return;
    } catch {
      // try the next place
    }
  }
  core.debug('tsx not found: only JavaScript migrations can be loaded');
}

/** Runs an action body; any thrown error becomes setFailed with the catalogue's markdown presentation. */
export async function runAction(body: () => Promise<void>): Promise<void> {
  await registerTypeScriptLoader();
  try {
    await body();
  } catch (err) {
    core.setFailed(presentError(err, 'terminal'));
    try {
      await core.summary.addRaw(presentError(err, 'markdown'), true).write();
    } catch {
      // No summary file (run outside Actions): the failure message is enough.
    }
  }
}
