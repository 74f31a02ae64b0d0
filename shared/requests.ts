import { z } from 'zod';
import { DRAWN_SHAPE_TYPES, REGION_OPERATIONS } from './regions.js';

/** The zod schema of every request channel of the contract (shared/contract.ts); main validates with them. */

const bagId = z.string().regex(/^[a-f0-9]{8,64}$/, 'a bag id');
const name = z.string().min(1).max(200);
const rid = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'a RID');
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
const memberFilter = z.union([
  z
    .object({ kind: z.literal('value'), feature: featureKeyOf(), column: name, value: z.string().max(1000) })
    .strict(),
  z.object({ kind: z.literal('rater'), execution: rid }).strict(),
  z.object({ kind: z.literal('disagreement'), feature: featureKeyOf() }).strict(),
  z
    .object({
      kind: z.literal('range'),
      feature: featureKeyOf(),
      column: name,
      min: z.number().finite().nullable(),
      max: z.number().finite().nullable(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('column'),
      column: name,
      equals: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]).optional(),
      contains: z.string().max(1000).optional(),
    })
    .strict(),
]);
const memberFilters = z.array(memberFilter).max(50).optional();

export const selectorSchema = z.union([
  z.object({ kind: z.literal('newest') }).strict(),
  z.object({ kind: z.literal('first') }).strict(),
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('majority'), column: name.optional() }).strict(),
  z.object({ kind: z.literal('execution'), rid }).strict(),
  z.object({ kind: z.literal('workflow'), workflow: name }).strict(),
]);

function featureKeyOf() {
  return z
    .string()
    .min(3)
    .max(200)
    .regex(/^[^/]+\/[^/]+$/, 'a feature such as Image/Cell_Type');
}
const featureKey = featureKeyOf();
const cellValue = z.union([z.string().max(10000), z.number(), z.boolean(), z.null()]);
const draftFormat = z.enum(['jsonl', 'csv']);

const catalogUrl = z
  .string()
  .min(8)
  .max(2000)
  .regex(
    /^https?:\/\/[^/]+\/ermrest\/catalog\/[A-Za-z0-9_-]+\/?$/,
    'a catalog URL such as https://host/ermrest/catalog/1',
  );

const coordinate = z.number().min(-1e7).max(1e7);
const drawnRegion = z
  .object({
    kind: z.enum(DRAWN_SHAPE_TYPES),
    points: z
      .array(z.tuple([coordinate, coordinate]))
      .min(1)
      .max(10_000),
    label: z.string().min(1).max(200).nullable(),
  })
  .strict();
const imageSize = z
  .object({ width: z.number().int().min(1).max(1_000_000), height: z.number().int().min(1).max(1_000_000) })
  .strict();

const uiSection = z.union([
  z.object({ kind: z.literal('members'), elementType: name }).strict(),
  z.object({ kind: z.literal('tables') }).strict(),
]);
export const uiState = z
  .object({
    bag: z
      .object({
        path: z.string().min(1).max(4096),
        datasetRid: rid.nullable(),
        section: uiSection,
        mode: z.enum(['browse', 'label']),
        feature: featureKey.nullable(),
      })
      .strict()
      .nullable(),
  })
  .strict();

export const requestSchemas = {
  'library:state': z.object({}).strict(),
  'library:sample': z.object({}).strict(),
  'library:forget': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'library:complete': z.object({ path: z.string().max(4096), outsideHome: z.boolean().optional() }).strict(),
  'ui:state': z.object({}).strict(),
  'ui:save': z.object({ state: uiState }).strict(),
  'bag:open': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'bag:close': z.object({ bagId }).strict(),
  'bag:datasets': z.object({ bagId }).strict(),
  'bag:members': z
    .object({
      bagId,
      datasetRid: rid,
      elementType: name,
      recurse: z.boolean().optional(),
      offset,
      limit,
      sort,
      filters,
      where: memberFilters,
    })
    .strict(),
  'bag:facets': z
    .object({
      bagId,
      datasetRid: rid,
      elementType: name,
      recurse: z.boolean().optional(),
      where: memberFilters,
      column: name.optional(),
    })
    .strict(),
  'bag:rows': z.object({ bagId, table: qualifiedTable, offset, limit, sort, filters }).strict(),
  'bag:table': z.object({ bagId, table: qualifiedTable }).strict(),
  'bag:row': z.object({ bagId, table: qualifiedTable, rid }).strict(),
  'bag:features': z.object({ bagId }).strict(),
  'bag:feature-values': z
    .object({ bagId, target: name, feature: name, selector: selectorSchema, datasetRid: rid.optional() })
    .strict(),
  'bag:verify': z.object({ bagId }).strict(),
  'bag:raters': z.object({ bagId }).strict(),
  'bag:fetch': z.object({ bagId }).strict(),
  'bag:fetch-cancel': z.object({ bagId }).strict(),
  'asset:info': z.object({ bagId, table: qualifiedTable, rid }).strict(),
  'asset:prefetch': z.object({ bagId, table: qualifiedTable, rids: z.array(rid).max(500) }).strict(),
  'catalog:state': z.object({}).strict(),
  'catalog:connect': z
    .object({
      url: catalogUrl,
      token: z.string().min(1).max(10_000).optional(),
      username: z.string().min(1).max(200).optional(),
      password: z.string().max(1000).optional(),
    })
    .strict(),
  'catalog:disconnect': z.object({ url: catalogUrl }).strict(),
  'catalog:datasets': z.object({ url: catalogUrl }).strict(),
  'catalog:download': z
    .object({
      url: catalogUrl,
      rid,
      version: z.string().min(1).max(100).optional(),
      holey: z.boolean().optional(),
    })
    .strict(),
  'catalog:cancel': z.object({ url: catalogUrl }).strict(),
  'catalog:commit': z
    .object({
      bagId,
      url: catalogUrl,
      workflow: z.string().min(1).max(200).optional(),
      description: z.string().max(2000).optional(),
    })
    .strict(),
  'catalog:commitCancel': z.object({ bagId, url: catalogUrl }).strict(),
  'catalog:commitPreview': z
    .object({
      bagId,
      url: catalogUrl.optional(),
      state: z.enum(['pending', 'committed']).optional(),
      feature: featureKey.optional(),
      targets: z.array(rid).max(5000).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    })
    .strict(),
  'catalog:commitCheck': z.object({ bagId, url: catalogUrl }).strict(),
  'labels:features': z.object({ bagId, datasetRid: rid.optional() }).strict(),
  'labels:drafts': z
    .object({ bagId, feature: featureKey, targets: z.array(rid).max(5000).optional() })
    .strict(),
  'labels:set': z
    .object({
      bagId,
      feature: featureKey,
      targets: z.array(rid).min(1).max(200_000),
      values: z.record(z.string().max(200), cellValue),
      datasetRid: rid.optional(),
      /** Keep each target's other values: only the columns in `values` change (a bulk edit of some fields). */
      merge: z.boolean().optional(),
    })
    .strict(),
  'labels:status': z.object({ bagId }).strict(),
  'labels:target-drafts': z.object({ bagId, targets: z.array(rid).max(5000) }).strict(),
  'labels:clear': z
    .object({
      bagId,
      feature: featureKey,
      targets: z.array(rid).min(1).max(200_000),
      datasetRid: rid.optional(),
    })
    .strict(),
  'labels:undo': z.object({ bagId, feature: featureKey, datasetRid: rid.optional() }).strict(),
  'labels:redo': z.object({ bagId, feature: featureKey, datasetRid: rid.optional() }).strict(),
  'labels:queue': z
    .object({
      bagId,
      feature: featureKey,
      kind: z.enum(['all', 'unlabeled', 'disagreements', 'confidence', 'label', 'dataset-type', 'filter']),
      datasetRid: rid.optional(),
      value: z.string().max(200).optional(),
      column: name.optional(),
      where: memberFilters,
    })
    .strict(),
  'labels:agreement': z.object({ bagId, feature: featureKey, pair: z.tuple([rid, rid]).optional() }).strict(),
  'labels:history': z.object({ bagId, limit: z.number().int().min(1).max(1000).optional() }).strict(),
  'labels:export': z.object({ bagId, feature: featureKey, format: draftFormat }).strict(),
  'labels:import': z
    .object({ bagId, feature: featureKey, format: draftFormat, text: z.string().max(50_000_000) })
    .strict(),
  'regions:draft': z.object({ bagId, feature: featureKey, target: rid }).strict(),
  'regions:save': z
    .object({
      bagId,
      feature: featureKey,
      target: rid,
      image: imageSize,
      regions: z.array(drawnRegion).max(5_000),
      operation: z.enum(REGION_OPERATIONS),
    })
    .strict(),
  'regions:undo': z.object({ bagId, feature: featureKey }).strict(),
  'regions:redo': z.object({ bagId, feature: featureKey }).strict(),
  'regions:files': z.object({ bagId, table: qualifiedTable, rid }).strict(),
  'regions:agreement': z
    .object({
      bagId,
      feature: featureKey,
      pair: z.tuple([rid, rid]).optional(),
      threshold: z.number().min(0.05).max(1).optional(),
    })
    .strict(),
} as const;
