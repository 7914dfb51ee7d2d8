/**
 * `/deploy`: acknowledge first (always, within Slack's 3 s; the ack waits for nothing but parsing
 * the text), then do the work on a later turn of the event loop and answer the user with an
 * ephemeral message through the command's response_url. The `/deploy status` commands of a burst
 * share a few reads of the store (coalesce). Every rule is the engine's:
 * who may release (assertMayRelease) or lock/unlock/roll back (assertMayOperate), locks, status, rollback.
 */
import type { App, RespondFn, webApi } from '@slack/bolt';
import { releasePath } from '../../pipeline/config/lookup.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { assertMayOperate, type Operation } from '../../pipeline/release/authorize.ts';
import { freezeEnvironment, unfreezeEnvironment } from '../../pipeline/release/locks.ts';
import { rollbackEnvironment } from '../../pipeline/release/rollback.ts';
import { environmentStates } from '../../pipeline/release/status.ts';
import type { Identity } from '../../pipeline/release/types.ts';
import { personFor } from '../../pipeline/release/approvals.ts';
import { helpText, parseDeployCommand, usageMessage, type DeployCommand } from './command.ts';
import { answers, ephemeral, lockNotice, rollbackNotice, statusMessage } from './blocks.ts';
import { BackgroundWork, coalesce } from './background.ts';
import { slackGroupsOf } from './groups.ts';
import type { ReleaseStarter } from './release-starter.ts';

export interface DeployCommandDeps {
  system: ReleaseSystem;
  starter: ReleaseStarter;
  channel: string;
  defaultRef: string;
  log(line: string): void;
  /** Where the work after the ack runs (app.ts waits for it on close). */
  work: BackgroundWork;
  /** The dashboard (bot/main.ts: SHIPGATE_DASHBOARD_SECRET and SHIPGATE_DASHBOARD_URL): a sign-in link for a person. */
  dashboard?: { linkFor(person: string): string };
}

export function registerDeployCommand(app: App, deps: DeployCommandDeps): void {
  const environments = releasePath(deps.system.config);
  const states = coalesce(() => environmentStates(deps.system));
  app.command('/deploy', async ({ command, ack, respond, client }) => {
    const parsed = parseDeployCommand(command.text ?? '', environments);
    if (!parsed.ok) return ack(ephemeral(usageMessage(parsed)));
    const c = parsed.command;
    if (c.kind === 'help') return ack(ephemeral(helpText(environments)));
    await ack(ephemeral(c.kind === 'release' ? answers.starting(c.ref ?? deps.defaultRef, c.env) : answers.working(command.text.trim())));
    deps.work.run(async () => {
      try {
        await runCommand(c, { user: command.user_id, respond, client, states }, deps);
      } catch (err) {
        deps.log(`slack: /deploy ${c.kind} by ${command.user_id} refused: ${(err as Error).message.split('\n')[0]}`);
        await respond(ephemeral(answers.error(err))).catch(() => undefined);
      }
    });
  });
}

interface Caller {
  user: string;
  respond: RespondFn;
  client: webApi.WebClient;
  states: () => ReturnType<typeof environmentStates>;
}

/** Slack groups of the caller when any environment of `path` authorizes by group. */
async function groupsFor(caller: Caller, deps: DeployCommandDeps, path: readonly string[]): Promise<string[] | undefined> {
  const groups = path.flatMap((e) => deps.system.config.environments[e]?.deployerGroups ?? []);
  return slackGroupsOf(caller.client, caller.user, groups);
}

function authorize(caller: Caller, deps: DeployCommandDeps, action: Operation, env: string, slackGroups: string[] | undefined): Identity {
  const identity: Identity = { via: 'slack', id: caller.user };
  const { config } = deps.system;
  assertMayOperate({ action, env, people: config.people, environments: config.environments, identity, ...(slackGroups ? { slackGroups } : {}) });
  return identity;
}

async function runCommand(c: Exclude<DeployCommand, { kind: 'help' }>, caller: Caller, deps: DeployCommandDeps): Promise<void> {
  const { system } = deps;
  const identity: Identity = { via: 'slack', id: caller.user };
  switch (c.kind) {
    case 'status': {
      const body = statusMessage(await caller.states());
      await caller.respond({ response_type: 'ephemeral', ...body });
      return;
    }
    case 'dashboard': {
      if (!deps.dashboard) {
        await caller.respond(ephemeral(answers.dashboardOff()));
        return;
      }
      // Only a Slack user mapped to a person of the config gets a link; it is shown to them alone.
      const person = personFor(system.config.people, identity);
      if (!person) {
        deps.log(`slack: /deploy dashboard by ${caller.user} refused: not a person of the config`);
        await caller.respond(ephemeral(answers.dashboardNotAPerson(caller.user)));
        return;
      }
      await caller.respond(ephemeral(answers.dashboardLink(deps.dashboard.linkFor(person.name))));
      return;
    }
    case 'release': {
      const path = releasePath(system.config);
      const groups = await groupsFor(caller, deps, path.slice(0, path.indexOf(c.env) + 1));
      const out = await deps.starter.start({
        env: c.env, ref: c.ref ?? deps.defaultRef, requester: identity,
        ...(groups ? { slackGroups: groups } : {}),
        ...(c.breakGlass !== undefined ? { breakGlass: { reason: c.breakGlass } } : {}),
      });
      await caller.respond(ephemeral(out.message));
      return;
    }
    case 'lock': {
      authorize(caller, deps, 'lock', c.env, await groupsFor(caller, deps, [c.env]));
      await freezeEnvironment(system.store.db, c.env, { by: `slack:${caller.user}`, reason: c.reason });
      await system.audit.append({ type: 'lock.acquired', env: c.env, actor: identity, data: { reason: c.reason, freeze: true } });
      await caller.client.chat.postMessage({ channel: deps.channel, ...lockNotice({ env: c.env, locked: true, by: caller.user, reason: c.reason }) });
      await caller.respond(ephemeral(answers.locked(c.env, c.reason)));
      return;
    }
    case 'unlock': {
      authorize(caller, deps, 'unlock', c.env, await groupsFor(caller, deps, [c.env]));
      const was = await unfreezeEnvironment(system.store.db, c.env);
      await system.audit.append({ type: 'lock.released', env: c.env, actor: identity, data: { was: was?.owner ?? null } });
      if (!was) {
        await caller.respond(ephemeral(answers.notLocked(c.env)));
        return;
      }
      await caller.client.chat.postMessage({ channel: deps.channel, ...lockNotice({ env: c.env, locked: false, by: caller.user, was: `${was.owner}: ${was.reason}` }) });
      await caller.respond(ephemeral(answers.unlocked(c.env, was.owner, was.reason)));
      return;
    }
    case 'rollback': {
      authorize(caller, deps, 'rollback', c.env, await groupsFor(caller, deps, [c.env]));
      const out = await rollbackEnvironment(system, c.env, { force: false, actor: identity });
      await caller.client.chat.postMessage({ channel: deps.channel, ...rollbackNotice({ env: c.env, by: caller.user, message: out.message }) });
      await caller.respond(ephemeral(answers.rolledBack(out.message)));
      return;
    }
  }
}
