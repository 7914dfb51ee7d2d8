/**
 * /deploy through the real Bolt app over HTTP: signed slash commands, the Slack Web API fake
 * recording every call, a GitHub API fake receiving the release.yml dispatches (GitHub mode).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { MongoClient } from 'mongodb';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { readEnvironmentLock } from '../../pipeline/release/locks.ts';
import { BOT_TOKEN, SIGNING_SECRET, buttonClickBody, postSigned, slackSignature, slashCommandBody, startSlackHarness, viewSubmissionBody, type SlackHarness } from './testing/harness.ts';
import { DEPLOY_GROUP, PEOPLE, slackTestSystem, startGithubDispatchFake, type GithubDispatchFake } from './testing/fixtures.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('slackcmd');
let system: ReleaseSystem;
let h: SlackHarness;
let gh: GithubDispatchFake;

beforeAll(async () => {
  system = await slackTestSystem({ client: t.client, dbName: t.dbName, mode: 'github', stateDir: await mkdtemp(join(tmpdir(), 'sg-slack-')) });
  gh = await startGithubDispatchFake({ delayMs: 3500, repos: { 'acme/notes': { defaultBranch: 'trunk', branches: ['main'], tags: ['v1.4.0'] } } });
  h = await startSlackHarness({
    system,
    github: { octokit: new Octokit({ auth: 'ghs_testtoken0000000000000000', baseUrl: gh.url, request: { retries: 0 } }), owner: 'acme', repo: 'notes' },
    userGroups: { [DEPLOY_GROUP]: [PEOPLE.gus] },
  });
});
afterAll(async () => {
  // Nothing any test sent broke GitHub's contract (OpenAPI operation, dispatch ref and inputs).
  expect(gh?.github.violations ?? []).toEqual([]);
  await h?.close();
  await gh?.close();
  await system?.close();
});

const events = () => `${h.server.url}/slack/events`;
let n = 0;
async function deploy(text: string, user: string = PEOPLE.ana) {
  const token = `cmd${++n}`;
  const res = await postSigned(events(), slashCommandBody({ text, user, responseUrl: h.fake.responseUrl(token) }));
  return { res, token, answers: () => h.fake.responses.filter((r) => r.token === token).map((r) => String(r.body.text ?? '') + JSON.stringify(r.body.blocks ?? '')) };
}
async function answerOf(cmd: Awaited<ReturnType<typeof deploy>>): Promise<string> {
  await h.fake.waitFor(() => cmd.answers().length > 0, 30_000);
  return cmd.answers().join('\n');
}

describe('/deploy subcommands', () => {
  it('help is answered in the acknowledgement, ephemeral', async () => {
    const { res } = await deploy('help');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(res.json?.text)).toContain('/deploy lock &lt;environment&gt; &lt;reason&gt;');
    expect(String(res.json?.text)).toContain('/deploy production [ref]');
  });

  it('status lists each environment with version, lock and release in flight', async () => {
    const cmd = await deploy('status');
    expect(cmd.res.status).toBe(200);
    const text = await answerOf(cmd);
    expect(text).toContain('*staging*');
    expect(text).toContain('*production* (protected)');
    expect(text).toContain('nothing released yet');
  });

  it('staging [ref] dispatches release.yml with environment, ref and requester; the ack comes first even though the dispatch is slow', async () => {
    const before = gh.dispatches().length;
    const cmd = await deploy('staging v1.4.0', PEOPLE.raj);
    expect(cmd.res.status).toBe(200);
    expect(String(cmd.res.json?.text)).toContain('starting a release of `v1.4.0` to staging');
    // The dispatch fake waits 3.5 s before answering: the HTTP response had already arrived.
    const text = await answerOf(cmd);
    expect(text).toContain('release.yml dispatched in acme/notes');
    expect(gh.dispatches().slice(before)).toEqual([{ workflow: 'release.yml', ref: 'v1.4.0', inputs: { environment: 'staging', ref: 'v1.4.0', requester: 'slack:U034DEF' } }]);
    expect(cmd.res.receivedAt).toBeLessThan(gh.answeredAt.at(-1)!);
  });

  it('a commit SHA is released from the default branch\'s workflow, which checks the commit out: GitHub dispatches only on a branch or tag', async () => {
    const sha = 'c0ffee1234567890abcdef1234567890abcdef12';
    const before = gh.dispatches().length;
    const cmd = await deploy(`staging ${sha}`, PEOPLE.raj);
    expect(await answerOf(cmd)).toContain('release.yml dispatched in acme/notes');
    expect(gh.dispatches().slice(before)).toEqual([{ workflow: 'release.yml', ref: 'trunk', inputs: { environment: 'staging', ref: sha, requester: 'slack:U034DEF' } }]);
  });

  it('a short SHA is refused before anything is dispatched, asking for the full SHA or a branch', async () => {
    const before = gh.dispatches().length;
    const cmd = await deploy('staging c0ffee12', PEOPLE.raj);
    const text = await answerOf(cmd);
    expect(text).toContain('SHIPGATE_DISPATCH_SHORT_SHA');
    expect(text).toContain('full 40-character commit SHA');
    expect(gh.dispatches().length).toBe(before);
  });

  it('production by a member of the deployer group (asked of Slack with usergroups.users.list)', async () => {
    const before = gh.dispatches().length;
    const cmd = await deploy('production', PEOPLE.gus);
    expect(await answerOf(cmd)).toContain('dispatched');
    expect(h.fake.callsOf('usergroups.users.list').at(-1)?.args).toMatchObject({ usergroup: DEPLOY_GROUP });
    expect(gh.dispatches().slice(before)).toEqual([{ workflow: 'release.yml', ref: 'main', inputs: { environment: 'production', ref: 'main', requester: 'slack:U090GRP' } }]);
  });

  it('lock and unlock: the freeze is recorded, audited and announced in the deploys channel; a release is then refused naming the lock', async () => {
    const lock = await deploy('lock production quarter-end freeze', PEOPLE.ana);
    expect(await answerOf(lock)).toContain('production locked: quarter-end freeze');
    expect(await readEnvironmentLock(system.store.db, 'production')).toMatchObject({ owner: 'slack:U012ABC', reason: 'quarter-end freeze' });
    const notice = h.fake.callsOf('chat.postMessage').find((c) => String(c.args.text).includes('🔒 production locked by <@U012ABC>'));
    expect(notice?.args.channel).toBe('#deploys');

    const before = gh.dispatches().length;
    const refused = await deploy('production', PEOPLE.sam);
    expect(await answerOf(refused)).toMatch(/SHIPGATE_LOCK_HELD.*production is locked by slack:U012ABC/);
    expect(gh.dispatches().length).toBe(before);

    const unlock = await deploy('unlock production', PEOPLE.ana);
    expect(await answerOf(unlock)).toContain('production unlocked (was locked by slack:U012ABC: quarter-end freeze)');
    expect(await readEnvironmentLock(system.store.db, 'production')).toBeNull();
    const audit = (await system.audit.verify());
    expect(audit).toMatchObject({ ok: true });
  });

  it('rollback production: the engine refuses when nothing was released, and says why', async () => {
    const cmd = await deploy('rollback production', PEOPLE.ana);
    expect(await answerOf(cmd)).toMatch(/SHIPGATE_ROLLBACK_NOTHING.*cannot roll back production: nothing was released there yet/);
  });
});

describe('malformed commands: an ephemeral answer saying what was wrong and the right form; nothing happens', () => {
  const cases: Array<[string, RegExp, RegExp]> = [
    ['', /needs a subcommand/, /\/deploy status/],
    ['qa', /unknown subcommand "qa" \(environments: staging, production\)/, /\/deploy &lt;environment&gt; \[ref\]/],
    ['staging main extra', /takes at most one ref/, /\/deploy &lt;environment&gt; \[ref\]/],
    ['staging --force', /"--force" is not a git ref/, /\/deploy &lt;environment&gt; \[ref\]/],
    ['status now', /\/deploy status takes no arguments/, /\/deploy status/],
    ['lock', /needs an environment and a reason/, /\/deploy lock &lt;environment&gt; &lt;reason&gt;/],
    ['lock production', /needs a reason/, /\/deploy lock &lt;environment&gt; &lt;reason&gt;/],
    ['lock qa freeze', /unknown environment "qa"/, /\/deploy lock &lt;environment&gt; &lt;reason&gt;/],
    ['unlock', /needs an environment/, /\/deploy unlock &lt;environment&gt;/],
    ['rollback', /needs an environment/, /\/deploy rollback &lt;environment&gt;/],
    ['rollback production now', /takes only the environment/, /\/deploy rollback &lt;environment&gt;/],
  ];
  it.each(cases)('/deploy %j', async (text, problem, usage) => {
    const calls = h.fake.calls.length;
    const dispatches = gh.dispatches().length;
    const { res } = await deploy(text);
    expect(res.status).toBe(200);
    expect(res.json?.response_type).toBe('ephemeral');
    expect(String(res.json?.text)).toMatch(problem);
    expect(String(res.json?.text)).toMatch(usage);
    expect(h.fake.calls.slice(calls).map((c) => c.method)).toEqual([]);
    expect(gh.dispatches().length).toBe(dispatches);
  });
});

describe('what users type is text, never markup', () => {
  it('a lock reason with <!channel> and a disguised link is escaped in the channel notice and the answer', async () => {
    const reason = '<!channel> <https://evil.example|click me> & more';
    const lock = await deploy(`lock staging ${reason}`, PEOPLE.ana);
    const answer = await answerOf(lock);
    const notice = h.fake.callsOf('chat.postMessage').find((c) => String(c.args.text).includes('staging locked by'));
    expect(notice).toBeDefined();
    for (const t of [answer, String(notice!.args.text), JSON.stringify(notice!.args.blocks)]) {
      expect(t).not.toMatch(/<!channel>|<https:\/\/evil/);
      expect(t).toContain('&lt;!channel&gt; &lt;https://evil.example|click me&gt; &amp; more');
    }
    expect(String(notice!.args.text)).toContain('locked by <@U012ABC>');
    // the lock itself keeps the reason as typed
    expect((await readEnvironmentLock(system.store.db, 'staging'))?.reason).toBe(reason);
    const unlock = await deploy('unlock staging', PEOPLE.ana);
    expect(await answerOf(unlock)).toContain('(was locked by slack:U012ABC: &lt;!channel&gt;');
  });

  it('a lock reason over 500 characters is refused naming the limit; nothing is locked', async () => {
    const { res } = await deploy(`lock staging ${'x'.repeat(501)}`, PEOPLE.ana);
    expect(res.status).toBe(200);
    expect(String(res.json?.text)).toMatch(/reason is 501 characters long; at most 500 are accepted/);
    expect(await readEnvironmentLock(system.store.db, 'staging')).toBeNull();
  });
});

describe('a burst of /deploy status', () => {
  it('is answered to everyone from a few shared reads of the store (not one read per command)', async () => {
    // A second bot on the same store whose database client reports every command it sends.
    const watched = new MongoClient(t.uri, { monitorCommands: true });
    const finds: string[] = [];
    watched.on('commandStarted', (e) => {
      if (e.commandName === 'find' && (e.command as { find?: string }).find === 'releases') finds.push(e.requestId.toString());
    });
    await watched.connect();
    const sys2 = await slackTestSystem({ client: watched, dbName: t.dbName, mode: 'github', stateDir: await mkdtemp(join(tmpdir(), 'sg-slack-')) });
    const h2 = await startSlackHarness({ system: sys2 });
    try {
      const n = 60;
      const tokens = Array.from({ length: n }, (_, i) => `burst${i}`);
      const acks = await Promise.all(tokens.map((tok) => postSigned(`${h2.server.url}/slack/events`, slashCommandBody({ text: 'status', user: PEOPLE.sam, responseUrl: h2.fake.responseUrl(tok) }))));
      expect(acks.map((a) => a.status)).toEqual(tokens.map(() => 200));
      await h2.fake.waitFor((f) => tokens.every((tok) => f.responses.some((r) => r.token === tok)), 30_000);
      for (const r of h2.fake.responses) expect(JSON.stringify(r.body.blocks)).toContain('*production* (protected)');
      // each status reads `releases` 3 times (active list + one per environment): 180 reads unshared
      expect(finds.length).toBeLessThan(n);
    } finally {
      await h2.close();
      await sys2.close();
      await watched.close();
    }
  });
});

describe('requests Shipgate has no listener for are acknowledged at once', () => {
  it('another slash command: 200 with an ephemeral "not a command of this app"', async () => {
    const body = slashCommandBody({ text: 'x', user: PEOPLE.ana, responseUrl: h.fake.responseUrl('other') }).replace('command=%2Fdeploy', 'command=%2Fother');
    const res = await postSigned(events(), body);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(res.json?.text)).toContain('/other is not a command of this app');
  });

  it('an unknown button, an unknown modal, a closed modal, a shortcut: 200, nothing done', async () => {
    const calls = h.fake.calls.length;
    const click = buttonClickBody({ user: PEOPLE.ana, actionId: 'someone_elses_button', value: 'x', channel: 'C0DEPLOYS1', ts: '1.2', responseUrl: h.fake.responseUrl('unknown-click'), triggerId: 't' });
    const view = viewSubmissionBody({ user: PEOPLE.ana, callbackId: 'someone_elses_modal', privateMetadata: '', values: {} });
    const closed = view.replace(encodeURIComponent('"type":"view_submission"'), encodeURIComponent('"type":"view_closed"'));
    const shortcut = new URLSearchParams({ payload: JSON.stringify({ type: 'shortcut', callback_id: 'some_shortcut', trigger_id: 't', user: { id: PEOPLE.ana }, team: { id: 'T0SHIPGATE' } }) }).toString();
    for (const body of [click, view, closed, shortcut]) {
      const res = await postSigned(events(), body);
      expect(res.status).toBe(200);
    }
    expect(h.fake.calls.slice(calls)).toEqual([]);
  });
});

describe('authorization', () => {
  it('a user who is not a deployer of production is refused by the engine rule; nothing is dispatched', async () => {
    const before = gh.dispatches().length;
    const cmd = await deploy('production', PEOPLE.eve);
    expect(await answerOf(cmd)).toMatch(/SHIPGATE_NOT_A_DEPLOYER.*eve may not release to production \(allowed: ana, sam, members of S0DEPLOYERS\)/);
    expect(gh.dispatches().length).toBe(before);
  });

  it('when Slack will not list the group (missing_scope), the request fails closed and says how to fix it', async () => {
    h.fake.failNext('usergroups.users.list', 'missing_scope');
    const before = gh.dispatches().length;
    const cmd = await deploy('production', PEOPLE.gus);
    const text = await answerOf(cmd);
    expect(text).toMatch(/SHIPGATE_SLACK_GROUPS_UNREADABLE.*S0DEPLOYERS \(missing_scope\)/);
    expect(text).toContain('usergroups:read');
    expect(gh.dispatches().length).toBe(before);
  });

  it('lock by someone who may not release there is refused', async () => {
    const cmd = await deploy('lock production mine now', PEOPLE.eve);
    expect(await answerOf(cmd)).toMatch(/SHIPGATE_NOT_A_DEPLOYER/);
    expect(await readEnvironmentLock(system.store.db, 'production')).toBeNull();
  });
});

describe('request signatures', () => {
  it('a forged signature gets 401 and has no effect', async () => {
    const calls = h.fake.calls.length;
    const body = slashCommandBody({ text: 'lock staging forged', user: PEOPLE.ana, responseUrl: h.fake.responseUrl('forged') });
    const res = await postSigned(events(), body, { secret: 'not-the-signing-secret' });
    expect(res.status).toBe(401);
    const tampered = await postSigned(events(), body, { signature: slackSignature(SIGNING_SECRET, Math.floor(Date.now() / 1000), body.replace('forged', 'other')) });
    expect(tampered.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.fake.calls.length).toBe(calls);
    expect(h.fake.responses.filter((r) => r.token === 'forged')).toEqual([]);
    expect(await readEnvironmentLock(system.store.db, 'staging')).toBeNull();
  });

  it('a correctly signed request replayed more than 5 minutes later gets 401 and has no effect', async () => {
    const body = slashCommandBody({ text: 'lock staging replayed', user: PEOPLE.ana, responseUrl: h.fake.responseUrl('replayed') });
    const res = await postSigned(events(), body, { ts: Math.floor(Date.now() / 1000) - 400 });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await readEnvironmentLock(system.store.db, 'staging')).toBeNull();
  });

  it('the bot token and signing secret never appear in logs or in anything sent to Slack', () => {
    const everything = [...h.logs, ...h.fake.calls.map((c) => JSON.stringify(c.args)), ...h.fake.responses.map((r) => JSON.stringify(r.body))].join('\n');
    expect(everything).not.toContain(BOT_TOKEN);
    expect(everything).not.toContain(SIGNING_SECRET);
  });

  it('GET /healthz answers; unknown paths are 404', async () => {
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${h.server.url}/slack/nope`)).status).toBeGreaterThanOrEqual(400); // refused at the edge (404/405), never a listener
    expect((await fetch(`${h.server.url}/api/github/webhooks`, { method: 'POST', body: '{}' })).status).toBe(404); // no GitHub handler mounted here
  });
});
