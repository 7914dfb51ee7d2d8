/**
 * Slack's Block Kit and message limits, for the Slack fake and for tests that check what Shipgate
 * builds without a fake. Sources (read 2026-12-05):
 * - @slack/types 2.22.0 (the package @slack/bolt depends on), the JSDoc of
 *   dist/block-kit/blocks.d.ts and block-elements.d.ts: section `text` 1–3000, `fields` ≤ 10 of
 *   ≤ 2000 each; header text ≤ 150; context ≤ 10 elements; actions ≤ 25 elements; button text ≤ 75,
 *   `value` ≤ 2000, `url` ≤ 3000, `action_id`/`block_id` ≤ 255; markdown block text ≤ 12,000;
 * - docs.slack.dev, Block Kit reference: ≤ 50 blocks in a message, ≤ 100 in a modal; text objects
 *   need at least 1 character; chat.postMessage errors `invalid_blocks` (with `errors` naming each
 *   problem and a `[json-pointer:…]`), `msg_too_long`, `no_text`, `msg_blocks_too_long`;
 * - `msg_blocks_too_long` has no documented figure: bolt-js issues #2509 (rejected at about 13,200
 *   characters of block text) and #2867 (rejected at 11,341 counted characters, "12,000 text
 *   characters with a buffer for block containers" per Slack's staff). The fake refuses more than
 *   11,000 characters of text in a message's blocks, the low end of what was reported.
 * Not modelled: rich_text and table internals, image URLs, select menus' options, input blocks
 * beyond their label.
 */

export const BLOCK_KIT = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  markdownText: 12_000,
  inputLabel: 2000,
  /** Top-level `text` of a message (msg_too_long beyond). */
  messageText: 40_000,
  /** All text in a message's blocks (msg_blocks_too_long beyond; see the header). */
  blocksText: 11_000,
} as const;

const KNOWN = new Set(['section', 'divider', 'header', 'context', 'actions', 'image', 'input', 'rich_text', 'markdown', 'video', 'file', 'table', 'context_actions']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems in Slack's wording: "must be less than 3001 characters [json-pointer:/blocks/0/text/text]". */
export function blockKitProblems(blocks: unknown, surface: 'message' | 'modal' = 'message'): string[] {
  const out: string[] = [];
  const at = (p: string, m: string) => out.push(`${m} [json-pointer:${p}]`);
  const max = surface === 'modal' ? BLOCK_KIT.modalBlocks : BLOCK_KIT.messageBlocks;
  if (!Array.isArray(blocks)) {
    at('/blocks', 'must be an array');
    return out;
  }
  if (blocks.length > max) at('/blocks', `no more than ${max} items allowed`);
  const textObject = (v: unknown, p: string, limit: number, kinds: readonly string[] = ['plain_text', 'mrkdwn']) => {
    if (!isObj(v)) return at(p, 'must be an object');
    if (!kinds.includes(String(v.type))) return at(`${p}/type`, `must be one of ${kinds.join(', ')}`);
    if (typeof v.text !== 'string') return at(`${p}/text`, 'must be a string');
    if (v.text.length < 1) at(`${p}/text`, 'must be more than 0 characters');
    if (v.text.length > limit) at(`${p}/text`, `must be less than ${limit + 1} characters`);
  };
  const blockIds = new Set<string>();
  blocks.forEach((b, i) => {
    const p = `/blocks/${i}`;
    if (!isObj(b)) return at(p, 'must be an object');
    if (!KNOWN.has(String(b.type))) return at(`${p}/type`, `unsupported type: ${String(b.type)}`);
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length > BLOCK_KIT.blockId) at(`${p}/block_id`, `must be a string of at most ${BLOCK_KIT.blockId} characters`);
      else if (blockIds.has(b.block_id)) at(`${p}/block_id`, 'duplicate block_id');
      else blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) at(p, 'must provide either text or fields');
        if (b.text !== undefined) textObject(b.text, `${p}/text`, BLOCK_KIT.sectionText);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) at(`${p}/fields`, 'must be an array');
          else {
            if (b.fields.length > BLOCK_KIT.sectionFields) at(`${p}/fields`, `no more than ${BLOCK_KIT.sectionFields} items allowed`);
            b.fields.forEach((f, j) => textObject(f, `${p}/fields/${j}`, BLOCK_KIT.fieldText));
          }
        }
        break;
      }
      case 'header':
        textObject(b.text, `${p}/text`, BLOCK_KIT.headerText, ['plain_text']);
        break;
      case 'markdown':
        if (typeof b.text !== 'string' || b.text.length < 1 || b.text.length > BLOCK_KIT.markdownText) at(`${p}/text`, `must be a string of 1 to ${BLOCK_KIT.markdownText} characters`);
        break;
      case 'context': {
        const els = b.elements;
        if (!Array.isArray(els) || els.length === 0) return at(`${p}/elements`, 'must be a non-empty array');
        if (els.length > BLOCK_KIT.contextElements) at(`${p}/elements`, `no more than ${BLOCK_KIT.contextElements} items allowed`);
        els.forEach((e, j) => {
          if (isObj(e) && e.type === 'image') return;
          textObject(e, `${p}/elements/${j}`, BLOCK_KIT.sectionText);
        });
        break;
      }
      case 'actions': {
        const els = b.elements;
        if (!Array.isArray(els) || els.length === 0) return at(`${p}/elements`, 'must be a non-empty array');
        if (els.length > BLOCK_KIT.actionsElements) at(`${p}/elements`, `no more than ${BLOCK_KIT.actionsElements} items allowed`);
        els.forEach((e, j) => {
          const q = `${p}/elements/${j}`;
          if (!isObj(e)) return at(q, 'must be an object');
          if (e.action_id !== undefined && (typeof e.action_id !== 'string' || e.action_id.length > BLOCK_KIT.actionId)) at(`${q}/action_id`, `must be a string of at most ${BLOCK_KIT.actionId} characters`);
          if (e.type !== 'button') return;
          textObject(e.text, `${q}/text`, BLOCK_KIT.buttonText, ['plain_text']);
          if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > BLOCK_KIT.buttonValue)) at(`${q}/value`, `must be less than ${BLOCK_KIT.buttonValue + 1} characters`);
          if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > BLOCK_KIT.buttonUrl)) at(`${q}/url`, `must be less than ${BLOCK_KIT.buttonUrl + 1} characters`);
          if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') at(`${q}/style`, 'must be one of primary, danger');
        });
        break;
      }
      case 'input':
        textObject(b.label, `${p}/label`, BLOCK_KIT.inputLabel, ['plain_text']);
        if (!isObj(b.element)) at(`${p}/element`, 'must be an object');
        break;
      default:
        break;
    }
  });
  return out;
}

/** Every `text` string in a block tree, summed: what msg_blocks_too_long counts (approximately). */
export function blocksTextLength(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + blocksTextLength(x), 0);
  if (!isObj(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) n += k === 'text' && typeof x === 'string' ? x.length : blocksTextLength(x);
  return n;
}

export interface SlackRefusal {
  error: 'invalid_blocks' | 'msg_blocks_too_long' | 'msg_too_long' | 'no_text' | 'invalid_arguments';
  errors?: string[];
}

/** chat.postMessage / chat.update / chat.postEphemeral / response_url: what Slack refuses. */
export function messageRefusal(args: { text?: unknown; blocks?: unknown }, opts: { update?: boolean } = {}): SlackRefusal | undefined {
  const text = args.text;
  if (text !== undefined && typeof text !== 'string') return { error: 'invalid_arguments', errors: ['text must be a string [json-pointer:/text]'] };
  if (!opts.update && !text && !args.blocks) return { error: 'no_text' };
  if (typeof text === 'string' && text.length > BLOCK_KIT.messageText) return { error: 'msg_too_long' };
  if (args.blocks !== undefined) {
    const problems = blockKitProblems(args.blocks, 'message');
    if (problems.length) return { error: 'invalid_blocks', errors: problems };
    if (blocksTextLength(args.blocks) > BLOCK_KIT.blocksText) return { error: 'msg_blocks_too_long' };
  }
  return undefined;
}

/** Asserts a message Shipgate built is one Slack accepts (tests without a fake). */
export function assertSlackAccepts(body: { text?: unknown; blocks?: unknown }, what = 'message'): void {
  const refusal = messageRefusal(body);
  if (refusal) throw new Error(`Slack would refuse this ${what}: ${refusal.error}${refusal.errors ? `\n  ${refusal.errors.join('\n  ')}` : ''}`);
}
