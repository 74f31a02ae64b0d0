import { z } from 'zod';

/** The zod schema of every request channel of the contract (shared/contract.ts); main validates with them. */

const bagId = z.string().regex(/^[a-f0-9]{8,64}$/, 'a bag id');
const name = z.string().min(1).max(200);
const rid = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'a RID');
const qualifiedTable = z.string().min(1).max(300);
const offset = z.number().int().min(0).max(1e9).optional();
const limit = z.number().int().min(1).max(5000).optional();
const sort = z.object({ column: name, descending: z.boolean().optional() }).strict().optional();
const filters = z
  .array(
    z
      .object({
        column: name,
        equals: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]).optional(),
        contains: z.string().max(1000).optional(),
      })
      .strict(),
  )
  .max(20)
  .optional();
export const selectorSchema = z.union([
  z.object({ kind: z.literal('newest') }).strict(),
  z.object({ kind: z.literal('first') }).strict(),
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('majority'), column: name.optional() }).strict(),
  z.object({ kind: z.literal('execution'), rid }).strict(),
]);

export const requestSchemas = {
  'library:state': z.object({}).strict(),
  'library:sample': z.object({}).strict(),
  'library:forget': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'bag:open': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'bag:close': z.object({ bagId }).strict(),
  'bag:datasets': z.object({ bagId }).strict(),
  'bag:members': z
    .object({ bagId, datasetRid: rid, elementType: name, recurse: z.boolean().optional(), offset, limit, sort, filters })
    .strict(),
  'bag:rows': z.object({ bagId, table: qualifiedTable, offset, limit, sort, filters }).strict(),
  'bag:table': z.object({ bagId, table: qualifiedTable }).strict(),
  'bag:row': z.object({ bagId, table: qualifiedTable, rid }).strict(),
  'bag:features': z.object({ bagId }).strict(),
  'bag:feature-values': z
    .object({ bagId, target: name, feature: name, selector: selectorSchema, datasetRid: rid.optional() })
    .strict(),
  'bag:verify': z.object({ bagId }).strict(),
  'asset:info': z.object({ bagId, table: qualifiedTable, rid }).strict(),
  'asset:prefetch': z.object({ bagId, table: qualifiedTable, rids: z.array(rid).max(500) }).strict(),
} as const;
