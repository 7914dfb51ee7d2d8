/**
 * The notes API: zod schemas for input, and the routes POST/GET /notes, GET/DELETE /notes/:id.
 * Notes live in the `notes` collection with Date fields; the JSON shape is
 * `{ id, title, body, tags, slug, createdAt, updatedAt }` with ISO dates.
 */
import { randomBytes } from 'node:crypto';
import { ObjectId, type Collection, type Db } from 'mongodb';
import { z } from 'zod';
import { json, notFound, readJsonBody, type Reply, type Route } from './http.ts';

export interface NoteDoc {
  _id: ObjectId;
  title: string;
  body: string;
  tags: string[];
  /** Missing on notes written before migration 0003. */
  slug?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NoteJson {
  id: string;
  title: string;
  body: string;
  tags: string[];
  slug: string | null;
  createdAt: string;
  updatedAt: string;
}

const tagSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must be 1 to 40 characters')
  .max(40, 'must be 1 to 40 characters');

export const createNoteSchema = z.object(
  {
    title: z
      .string({ error: 'required: a string of 1 to 200 characters' })
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters'),
    body: z.string({ error: 'must be a string' }).max(20000, 'must be at most 20000 characters').default(''),
    tags: z.array(tagSchema, { error: 'must be an array of strings' }).max(20, 'must have at most 20 tags').default([]),
    slug: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z0-9-]{1,80}$/, 'must be 1 to 80 characters of a-z, 0-9 and -')
      .optional(),
  },
  { error: 'must be a JSON object' },
);

export const listQuerySchema = z.object({
  tag: tagSchema.optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .pipe(z.number().min(1, 'must be an integer from 1 to 100').max(100, 'must be an integer from 1 to 100'))
    .default(20),
});

/** `{ "<field path>": "<first message>" }` from a zod error; the whole body is "(root)". */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    fields[key] ??= issue.message;
  }
  return fields;
}

const invalid = (error: z.ZodError): Reply => json(400, { error: 'invalid_input', fields: fieldErrors(error) });

/** Lowercase a-z0-9 words joined by "-", at most 60 characters; "note" when nothing is left. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'note';
}

export function toNoteJson(doc: NoteDoc): NoteJson {
  return {
    id: doc._id.toHexString(),
    title: doc.title,
    body: doc.body,
    tags: doc.tags,
    slug: doc.slug ?? null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

function parseId(raw: string): ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(raw) ? ObjectId.createFromHexString(raw) : undefined;
}

const conflict = (): Reply => json(409, { error: 'conflict', field: 'slug' });

async function createNote(notes: Collection<NoteDoc>, input: unknown): Promise<Reply> {
  const parsed = createNoteSchema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { title, body, tags } = parsed.data;
  let slug = parsed.data.slug;
  if (slug !== undefined) {
    if (await notes.findOne({ slug }, { projection: { _id: 1 } })) return conflict();
  } else {
    // A generated slug carries 6 random hex characters; try again on the rare clash.
    for (let attempt = 0; attempt < 5 && slug === undefined; attempt++) {
      const candidate = `${slugify(title)}-${randomBytes(3).toString('hex')}`;
      if (!(await notes.findOne({ slug: candidate }, { projection: { _id: 1 } }))) slug = candidate;
    }
    if (slug === undefined) return conflict();
  }
  const now = new Date();
  const doc: NoteDoc = { _id: new ObjectId(), title, body, tags, slug, createdAt: now, updatedAt: now };
  try {
    await notes.insertOne(doc);
  } catch (err) {
    // The unique index on slug (migration 0003) catches a clash between the check and the insert.
    if (isDuplicateKey(err)) return conflict();
    throw err;
  }
  return json(201, toNoteJson(doc));
}

export function notesRoutes(deps: { db: () => Db }): Route[] {
  const notes = () => deps.db().collection<NoteDoc>('notes');
  return [
    {
      pattern: /^\/notes$/,
      methods: {
        async GET({ url }) {
          const parsed = listQuerySchema.safeParse({
            tag: url.searchParams.get('tag') ?? undefined,
            limit: url.searchParams.get('limit') ?? undefined,
          });
          if (!parsed.success) return invalid(parsed.error);
          const { tag, limit } = parsed.data;
          const docs = await notes()
            .find(tag === undefined ? {} : { tags: tag })
            .sort({ createdAt: -1, _id: -1 })
            .limit(limit)
            .toArray();
          return json(200, { items: docs.map(toNoteJson), count: docs.length });
        },
        async POST({ req }) {
          const body = await readJsonBody(req);
          return body.ok ? createNote(notes(), body.value) : body.reply;
        },
      },
    },
    {
      pattern: /^\/notes\/([^/]+)$/,
      methods: {
        async GET({ params }) {
          const id = parseId(params[0] ?? '');
          const doc = id && (await notes().findOne({ _id: id }));
          return doc ? json(200, toNoteJson(doc)) : notFound();
        },
        async DELETE({ params }) {
          const id = parseId(params[0] ?? '');
          if (!id) return notFound();
          const { deletedCount } = await notes().deleteOne({ _id: id });
          return deletedCount === 1 ? json(204) : notFound();
        },
      },
    },
  ];
}
