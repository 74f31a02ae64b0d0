import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetSummary, FeatureValue, Selector } from '../../../shared/bag.js';
import type { Bag } from '../bag/index.js';
import { SatchelError, safeRelativePath } from '../common/index.js';

/**
 * deriva-ml's restructure_assets: an ImageFolder tree of one asset table, one folder level per
 * dataset type on the way from the bag's dataset to the leaf dataset holding the asset
 * (Training → training, Testing → testing, an untyped dataset → testing, other types add nothing),
 * then one level per target. Returns `{source: written}`.
 */
export interface ExportOptions {
  outDir: string;
  assetTable?: string;
  /** Feature names (of the asset table) or asset-table columns, each adding one folder level. */
  targets?: string[];
  /** Without a selector, deriva-ml keeps the last record it iterates; Satchel's order is by RID. */
  selector?: Selector;
  missing?: 'unknown' | 'skip' | 'error';
  copy?: boolean;
  typeToDir?: Record<string, string>;
}

const DEFAULT_TYPE_DIRS: Record<string, string> = {
  Training: 'training',
  Testing: 'testing',
  Unknown: 'unknown',
};
const MISSING_LABEL = 'Unknown';

interface PlannedFile {
  source: string;
  target: string;
}

export function exportImageFolder(bag: Bag, options: ExportOptions): Record<string, string> {
  const plan = planExport(bag, options);
  return writePlan(plan, path.resolve(options.outDir), options.copy === true);
}

function planExport(bag: Bag, options: ExportOptions): PlannedFile[] {
  const assetType = chooseAssetTable(bag, options.assetTable);
  const typeDirs = { ...DEFAULT_TYPE_DIRS, ...options.typeToDir };
  const datasets = new Map(bag.datasets().map((dataset) => [dataset.rid, dataset]));
  const folderOf = leafFolders(bag, datasets, assetType, typeDirs);
  const labelers = (options.targets ?? []).map((target) => labeler(bag, assetType, target, options.selector));
  const missing = options.missing ?? 'unknown';
  const members = bag.allMembers(bag.rid, true)[assetType] ?? [];
  const plan: PlannedFile[] = [];
  const used = new Set<string>();
  const unlabeled: string[] = [];
  for (const member of members) {
    const rid = String(member.RID);
    const labels = labelers.map((label) => label(rid));
    if (labels.some((label) => label === null)) {
      if (missing === 'skip') continue;
      if (missing === 'error') {
        unlabeled.push(rid);
        continue;
      }
    }
    const file = bag.assetFile(assetType, rid);
    if (!file?.exists) {
      throw new SatchelError(
        'missing-file',
        `${bag.root} does not hold the file of ${assetType} ${rid}; materialize the bag before exporting.`,
        file?.relative,
      );
    }
    const folders = [
      ...(folderOf.get(rid) ?? [typeDirs.Unknown ?? 'unknown']),
      ...labels.map((label) => folderName(label ?? MISSING_LABEL)),
    ];
    const name = safeRelativePath(
      String(member.Filename ?? path.basename(file.path)),
      `${assetType} ${rid} Filename`,
    );
    if (name.includes('/'))
      throw new SatchelError(
        'unsafe-path',
        `${assetType} ${rid} has the Filename "${name}", which holds a folder.`,
        name,
      );
    let target = [...folders, name].join('/');
    if (used.has(target)) target = [...folders, `${rid}_${name}`].join('/');
    used.add(target);
    plan.push({ source: file.path, target });
  }
  if (unlabeled.length > 0) {
    throw new SatchelError(
      'bad-argument',
      `${unlabeled.length} ${assetType} members have no value for every target (${unlabeled.slice(0, 20).join(', ')}); use --missing unknown or skip.`,
    );
  }
  return plan;
}

function chooseAssetTable(bag: Bag, requested: string | undefined): string {
  const assetTypes = bag.model.elementTypes
    .filter((type) => type.table.kind === 'asset')
    .map((type) => type.table.name);
  if (requested) {
    if (
      !assetTypes.includes(requested) &&
      !bag.model.elementTypes.some((type) => type.table.qualified === requested)
    ) {
      throw new SatchelError(
        'unknown-table',
        `The bag has no asset element type "${requested}" (it has ${assetTypes.join(', ') || 'none'}).`,
      );
    }
    return requested.includes(':') ? requested.split(':')[1]! : requested;
  }
  if (assetTypes.length !== 1) {
    throw new SatchelError(
      'bad-argument',
      `Choose the asset table with --asset-table (the bag has ${assetTypes.join(', ') || 'none'}).`,
    );
  }
  return assetTypes[0]!;
}

/** For every asset: the type folders from the bag's dataset down to the deepest dataset holding it. */
function leafFolders(
  bag: Bag,
  datasets: Map<string, DatasetSummary>,
  assetType: string,
  typeDirs: Record<string, string>,
) {
  const folders = new Map<string, { depth: number; path: string[] }>();
  const visit = (rid: string, depth: number, above: string[], seen: Set<string>) => {
    const dataset = datasets.get(rid);
    if (!dataset || seen.has(rid)) return;
    const type = dataset.types.length === 0 ? 'Testing' : dataset.types[0]!;
    const here = typeDirs[type] ? [...above, typeDirs[type]] : above;
    for (const member of bag.allMembers(rid, false)[assetType] ?? []) {
      const current = folders.get(String(member.RID));
      if (!current || current.depth < depth) folders.set(String(member.RID), { depth, path: here });
    }
    for (const child of dataset.children) visit(child, depth + 1, here, new Set([...seen, rid]));
  };
  visit(bag.rid, 0, [], new Set());
  return new Map([...folders].map(([rid, entry]) => [rid, entry.path]));
}

function labeler(
  bag: Bag,
  assetType: string,
  target: string,
  selector: Selector | undefined,
): (rid: string) => string | null {
  const feature = bag.model.features.find(
    (candidate) => candidate.target.name === assetType && candidate.name === target,
  );
  if (!feature) {
    const table = bag.requireTable(assetType);
    if (!table.columnByName.has(target)) {
      throw new SatchelError(
        'unknown-feature',
        `${assetType} has neither a feature nor a column named "${target}".`,
      );
    }
    return (rid) => {
      const value = bag.row(table.qualified, rid)?.[target];
      return value === null || value === undefined ? null : String(value);
    };
  }
  if (feature.termColumns.length === 0) {
    throw new SatchelError(
      'bad-argument',
      `The feature ${target} has no vocabulary term column, so it cannot name folders.`,
    );
  }
  const records: FeatureValue[] = bag.featureValues(assetType, target, selector ?? { kind: 'all' });
  const byTarget = new Map<string, FeatureValue>();
  for (const record of records) byTarget.set(record.target, record);
  // deriva-ml names the folder after the record's first feature column (in table order).
  const featureColumns = new Set([
    ...feature.termColumns.map((term) => term.column),
    ...feature.valueColumns.map((value) => value.name),
    ...feature.assetColumns.map((asset) => asset.column),
  ]);
  const column = feature.table.columns.find((candidate) => featureColumns.has(candidate.name))!.name;
  return (rid) => {
    const value = byTarget.get(rid)?.values[column];
    return value === null || value === undefined ? null : String(value);
  };
}

/** A label as one safe folder name. */
function folderName(label: string): string {
  const cleaned = label.replace(/[/\\\0]/g, '_').replace(/^\.+$/, '_');
  return cleaned === '' ? '_' : cleaned;
}

function writePlan(plan: PlannedFile[], outDir: string, copy: boolean): Record<string, string> {
  fs.mkdirSync(outDir, { recursive: true });
  const manifest: Record<string, string> = {};
  for (const { source, target } of plan) {
    const destination = path.join(outDir, ...target.split('/'));
    if (!destination.startsWith(outDir + path.sep)) {
      throw new SatchelError('unsafe-path', `The export path ${target} would leave ${outDir}.`, target);
    }
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    const temporary = `${destination}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    if (copy) fs.copyFileSync(source, temporary);
    else {
      try {
        fs.symlinkSync(source, temporary);
      } catch {
        fs.copyFileSync(source, temporary);
      }
    }
    fs.renameSync(temporary, destination);
    manifest[source] = destination;
  }
  return manifest;
}
