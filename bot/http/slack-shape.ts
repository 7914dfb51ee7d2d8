/**
 * The shapes of Slack request the bot serves, checked at the edge after the signature (deny by
 * default): slash commands (a form), `block_actions`, `view_submission` / `view_closed`,
 * `shortcut` / `message_action`, `block_suggestion`, and the Events API's `url_verification`. Only the fields Bolt dereferences are typed; other fields pass.
 * Anything else — an unknown type, `user: null`, `actions: false` — is a 400 here instead of a
 * TypeError inside Bolt (a 500, or worse, an error nothing catches).
 */
import { z } from 'zod';

// No length caps here: the body limit (1 MB) bounds them, and the Slack side answers an over-long
// reason with a message the user can act on (a 400 here would show Slack's generic failure).
const text = z.string();
const id = z.string().min(1).max(255);
const user = z.looseObject({ id, team_id: z.string().optional() });
const nullableRef = z.looseObject({ id: z.string() }).nullable().optional();
const common = { user, team: nullableRef, enterprise: nullableRef, channel: z.looseObject({ id: z.string() }).optional(), api_app_id: z.string().optional() };

const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  ...common,
  actions: z.array(z.looseObject({ action_id: z.string(), block_id: z.string().optional(), value: z.string().optional(), type: z.string().optional() })).min(1).max(25),
  container: z.looseObject({}).optional(),
  message: z.looseObject({}).optional(),
  response_url: text.optional(),
  trigger_id: text.optional(),
});

const viewAction = z.looseObject({
  type: z.enum(['view_submission', 'view_closed']),
  ...common,
  view: z.looseObject({
    callback_id: z.string(),
    private_metadata: z.string().optional(),
    app_installed_team_id: z.string().optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) }).optional(),
  }),
});

/** Shortcuts and menu options: the bot answers them with an empty ack (docs/slack.md). */
const shortcut = z.looseObject({ type: z.enum(['shortcut', 'message_action']), ...common, callback_id: z.string(), trigger_id: text.optional() });
const suggestion = z.looseObject({ type: z.literal('block_suggestion'), ...common, action_id: z.string(), block_id: z.string().optional(), value: text.optional() });

const urlVerification = z.looseObject({ type: z.literal('url_verification'), challenge: z.string().max(1000) });

/** A slash command: every field Slack sends is one string (a repeated field is refused). */
const slashCommand = z.looseObject({
  command: z.string().regex(/^\/\S{1,64}$/),
  user_id: id,
  team_id: z.string().optional(),
  enterprise_id: z.string().optional(),
  channel_id: z.string().optional(),
  text: text.optional(),
  response_url: text.optional(),
  trigger_id: text.optional(),
});

const interaction = z.discriminatedUnion('type', [blockActions, viewAction, shortcut, suggestion, urlVerification]);

/** undefined when the body is a shape the bot serves; otherwise a one-line reason. */
export function slackShapeProblem(body: Record<string, unknown>, fromForm: boolean): string | undefined {
  const parsed = fromForm && !('payload' in body) && !('type' in body) ? slashCommand.safeParse(body) : interaction.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `not a Slack request the bot serves (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unknown shape'})`.slice(0, 300);
}
