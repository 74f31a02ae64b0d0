import { z } from 'zod';
import { CatalogError } from './errors.js';
import type { HttpResponse } from './http.js';

/** Typed shapes of the JSON the services answer with; nothing is trusted before it is parsed. */

export const jsonValue = z.json();
export type JsonValue = z.infer<typeof jsonValue>;
export type Row = Record<string, JsonValue>;
export const rowsSchema: z.ZodType<Row[]> = z.array(z.record(z.string(), jsonValue));

export const catalogInfoSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  snaptime: z.string(),
  name: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  alias_target: z.string().nullable().optional(),
  rights: z.record(z.string(), z.boolean().nullable()).optional(),
  is_persistent: z.boolean().nullable().optional(),
});
export type CatalogInfo = z.infer<typeof catalogInfoSchema>;

export const leaseRowsSchema = z.array(z.looseObject({ ID: z.string(), RID: z.string() }));

const identitySchema = z.looseObject({
  id: z.string(),
  display_name: z.string().nullable().optional(),
  identities: z.array(z.string()).optional(),
});
export const sessionSchema = z.looseObject({
  client: identitySchema,
  attributes: z.array(identitySchema).optional(),
  since: z.string().optional(),
  expires: z.string().optional(),
  seconds_remaining: z.number().optional(),
});
export type Session = z.infer<typeof sessionSchema>;

export const preauthSchema = z.looseObject({
  authentication_type: z.string().optional(),
  login_form: z
    .looseObject({
      method: z.string().optional(),
      action: z.string(),
      input_fields: z.array(z.looseObject({ name: z.string(), type: z.string().optional() })).optional(),
    })
    .optional(),
  redirect_url: z.string().optional(),
});

export const uploadJobSchema = z.looseObject({
  url: z.string().optional(),
  target: z.string().optional(),
  'chunk-length': z.number(),
  'content-length': z.number(),
  'content-md5': z.string().nullable().optional(),
  'content-sha256': z.string().nullable().optional(),
});

/** Parses a JSON answer against `schema`; `what` completes "… is not <what>" in the error sentence. */
export function parseJson<T>(response: HttpResponse, schema: z.ZodType<T>, method: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new CatalogError('bad-response', `The answer to ${method} ${response.path} is not JSON.`, {
      path: response.path,
      status: response.status,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new CatalogError(
      'bad-response',
      `The answer to ${method} ${response.path} is not ${what} (${issue?.message ?? 'unexpected shape'}${at}).`,
      {
        path: response.path,
        status: response.status,
      },
    );
  }
  return parsed.data;
}
