#!/usr/bin/env node
/**
 * Cuts the part of Railway's public GraphQL schema that Shipgate uses out of the introspection
 * result Railway publishes with its CLI (railwayapp/cli `src/gql/schema.json`) into
 * pipeline/testing/fakes/contracts/railway-schema.json.
 *
 * The cut is driven by Shipgate's own operations: every GraphQL document in the `RAILWAY_OPERATIONS`
 * catalogue of pipeline/deploy/railway-gql.ts (read from its text: template literals starting with
 * `query` or `mutation`). Each one must validate against Railway's full schema, or this script
 * fails naming it. The cut keeps, per object type, only the fields those operations select (with
 * all their arguments), every input object, enum and scalar those arguments and the operations'
 * variables reach (whole), and the directives. Interfaces are dropped from pruned object types.
 * The test pipeline/deploy/railway-gql.test.ts re-runs this cut and fails on drift: after adding
 * or changing an operation, run this script again.
 *
 *   node tools/vendor-railway-schema.mjs [--git-dir <bare clone>] [--commit <rev>] [--print]
 *
 * Default clone: /work/.mirror/railwayapp+cli/repo, or $RAILWAY_CLI_GIT_DIR.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClientSchema, getNamedType, isInputObjectType, parse, TypeInfo, validate, visit, visitWithTypeInfo } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
export const OUT = join(here, '..', 'pipeline', 'testing', 'fakes', 'contracts', 'railway-schema.json');
export const OPERATIONS_FILE = join(here, '..', 'pipeline', 'deploy', 'railway-gql.ts');
const SCHEMA_PATH = 'src/gql/schema.json';

/** The GraphQL documents in railway-gql.ts: template literals that start with `query` or `mutation`. */
export function operationsIn(text) {
  return [...text.matchAll(/`((?:query|mutation)\b[^`]*)`/g)].map((m) => {
    if (m[1].includes('${')) throw new Error(`an operation in railway-gql.ts interpolates a value: ${m[1].slice(0, 60)}…`);
    return m[1];
  });
}

export function cut(introspection, documents) {
  const full = buildClientSchema(introspection);
  /** type name → set of field names kept; input/enum/scalar names kept whole. */
  const fields = new Map();
  const whole = new Set(['String', 'Boolean']);
  const keepInput = (type) => {
    const named = getNamedType(type);
    if (whole.has(named.name)) return;
    whole.add(named.name);
    if (isInputObjectType(named)) for (const f of Object.values(named.getFields())) keepInput(f.type);
  };
  for (const d of full.getDirectives()) for (const a of d.args) keepInput(a.type);
  const names = [];
  for (const text of documents) {
    const doc = parse(text);
    const errors = validate(full, doc);
    const name = doc.definitions[0]?.name?.value ?? '(anonymous)';
    if (errors.length) throw new Error(`operation ${name} is not valid against Railway's schema: ${errors.map((e) => e.message).join('; ')}`);
    names.push(name);
    const info = new TypeInfo(full);
    visit(doc, visitWithTypeInfo(info, {
      VariableDefinition() {
        keepInput(info.getInputType());
      },
      Field() {
        const parent = info.getParentType();
        const def = info.getFieldDef();
        if (!parent || !def) return;
        if (!fields.has(parent.name)) fields.set(parent.name, new Set());
        fields.get(parent.name).add(def.name);
        for (const a of def.args) keepInput(a.type);
        const out = getNamedType(def.type);
        if (out.getFields === undefined) whole.add(out.name); // scalar or enum
      },
    }));
  }
  const s = introspection.__schema;
  const types = s.types
    .filter((t) => fields.has(t.name) || whole.has(t.name))
    .map((t) => {
      if (!fields.has(t.name)) return t;
      if (t.kind !== 'OBJECT') throw new Error(`${t.name} is a ${t.kind}: extend the cut (only object types are pruned)`);
      const keep = fields.get(t.name);
      return { ...t, fields: t.fields.filter((f) => keep.has(f.name)), interfaces: [] };
    });
  return {
    operations: names,
    schema: {
      __schema: {
        queryType: s.queryType,
        mutationType: fields.has(s.mutationType?.name) ? s.mutationType : null,
        subscriptionType: null,
        types,
        directives: s.directives,
      },
    },
  };
}

/** The file's text as this script writes it. */
export function build({ gitDir, rev = 'HEAD' }) {
  const git = (...a) => execFileSync('git', ['--git-dir', gitDir, ...a], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const commit = git('rev-parse', rev).trim();
  const commitDate = git('show', '-s', '--format=%cs', commit).trim();
  const introspection = JSON.parse(git('show', `${commit}:${SCHEMA_PATH}`));
  const { operations, schema } = cut(introspection.data ?? introspection, operationsIn(readFileSync(OPERATIONS_FILE, 'utf8')));
  const out = {
    source: `railwayapp/cli ${SCHEMA_PATH} at ${commit.slice(0, 8)} (${commitDate}), the introspection of Railway's public GraphQL API (backboard.railway.com/graphql/v2); cut by tools/vendor-railway-schema.mjs to what Shipgate's operations select`,
    repository: 'railwayapp/cli',
    path: SCHEMA_PATH,
    commit,
    commitDate,
    operations,
    schema,
  };
  return `${JSON.stringify(out, null, 1)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const text = build({ gitDir: opt('--git-dir', process.env.RAILWAY_CLI_GIT_DIR ?? '/work/.mirror/railwayapp+cli/repo'), rev: opt('--commit', 'HEAD') });
  if (args.includes('--print')) process.stdout.write(text);
  else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT} (${text.length} bytes)`);
  }
}
