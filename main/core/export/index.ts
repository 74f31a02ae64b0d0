import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetSummary, FeatureValue, Selector } from '../../../shared/bag.js';
import type { Bag } from '../bag/index.js';
import { SatchelError } from '../common/index.js';

/**
 * deriva-ml's restructure_assets (deriva-ml: dataset/restructure.py): an ImageFolder tree of one asset
 * table. The assets are every row of the table reachable from the bag's dataset through any
 * foreign-key path (images reached through Subject included), each attributed to the deepest dataset
 * that reaches it; one folder level per dataset type on the way down to it (Training → training,
 * Testing → testing, an untyped dataset → testing, other types add nothing; unattributed → unknown),
 * then one level per target. Files the bag does not hold are left out and listed, as deriva-ml skips
 * them. Where two assets would land on the same path, Satchel keeps both (the later as
 * `<RID>_<name>`); deriva-ml lets the later replace the earlier.
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

export interface ExportResult {
  /** Source file → written file, as deriva-ml's restructure_assets returns it. */
  manifest: Record<string, string>;
  /** Assets whose file the bag does not hold (a holey bag): left out. */
  missing: { rid: string; relative: string }[];
}

const DEFAULT_TYPE_DIRS: Record<string, string> = {
  Training: 'training',
  Testing: 'testing',
  Unknown: 'unknown',
};
const MISSING_LABEL = 'Unknown';
/** deriva-ml's folder for an asset no dataset of the tree reaches. */
const UNATTRIBUTED = 'unknown';

interface PlannedFile {
  source: string;
  target: string;
}

export function exportImageFolder(bag: Bag, options: ExportOptions): ExportResult {
  const { plan, missing } = planExport(bag, options);
  return { manifest: writePlan(plan, path.resolve(options.outDir), options.copy === true), missing };
}

function planExport(
  bag: Bag,
  options: ExportOptions,
): { plan: PlannedFile[]; missing: ExportResult['missing'] } {
  const assetType = chooseAssetTable(bag, options.assetTable);
  const table = bag.requireTable(assetType);
  const typeDirs = { ...DEFAULT_TYPE_DIRS, ...options.typeToDir };
  const datasets = new Map(bag.datasets().map((dataset) => [dataset.rid, dataset]));
  const typePaths = datasetTypePaths(bag, datasets, typeDirs);
  const datasetOf = attributeAssets(bag, datasets, table.qualified);
  const targets = (options.targets ?? []).map((target) => labeler(bag, assetType, target, options.selector));
  const missingPolicy = options.missing ?? 'unknown';
  const plan: PlannedFile[] = [];
  const missing: ExportResult['missing'] = [];
  const used = new Set<string>();
  const unlabeled: string[] = [];
  for (const rid of bag.reachableRids(bag.rid, table.qualified)) {
    const labels = groupPath(targets, rid);
    if (!labels.complete) {
      if (missingPolicy === 'skip') continue;
      if (missingPolicy === 'error') {
        unlabeled.push(rid);
        continue;
      }
    }
    const file = bag.assetFile(table.qualified, rid);
    if (!file?.exists) {
      missing.push({ rid, relative: file?.relative ?? `data/asset/${rid}/${table.name}` });
      continue;
    }
    const attributed = datasetOf.get(rid);
    const folders = [
      ...(attributed === undefined ? [UNATTRIBUTED] : (typePaths.get(attributed) ?? [])),
      ...labels.folders.map(folderName),
    ];
    const name = path.basename(file.path);
    let target = [...folders, name].join('/');
    if (used.has(target)) target = [...folders, `${rid}_${name}`].join('/');
    used.add(target);
    plan.push({ source: file.path, target });
  }
  if (unlabeled.length > 0) {
    throw new SatchelError(
      'bad-argument',
      `${unlabeled.length} ${assetType} assets have no value for every target (${unlabeled.slice(0, 20).join(', ')}); use --missing unknown or skip.`,
    );
  }
  return { plan, missing };
}

interface Target {
  isFeature: boolean;
  label: (rid: string) => string | null;
}

/**
 * The label folders of one asset, and whether every label was there. As deriva-ml's target
 * resolution does, the feature targets count as one: when any feature label is missing, every
 * feature target becomes Unknown (Unknown/Unknown with two), while column targets keep their value.
 */
function groupPath(targets: Target[], rid: string): { folders: string[]; complete: boolean } {
  const labels = targets.map((target) => target.label(rid));
  const featureMissing = targets.some((target, index) => target.isFeature && labels[index] === null);
  return {
    folders: labels.map((label, index) =>
      featureMissing && targets[index]!.isFeature ? MISSING_LABEL : (label ?? MISSING_LABEL),
    ),
    complete: labels.every((label) => label !== null),
  };
}

function chooseAssetTable(bag: Bag, requested: string | undefined): string {
  const assetTypes = bag.model.elementTypes
    .filter((type) => type.table.kind === 'asset')
    .map((type) => type.table.name);
  if (requested) {
    const table = bag.model.resolve(requested);
    if (table?.kind !== 'asset') {
      throw new SatchelError(
        'unknown-table',
        `The bag has no asset table "${requested}" (its asset element types are ${assetTypes.join(', ') || 'none'}).`,
      );
    }
    return table.name;
  }
  if (assetTypes.length !== 1) {
    throw new SatchelError(
      'bad-argument',
      `Choose the asset table with --asset-table (the bag has ${assetTypes.join(', ') || 'none'}).`,
    );
  }
  return assetTypes[0]!;
}

/** deriva-ml's _build_dataset_type_path_map: each dataset's type folders from the bag's dataset down. */
function datasetTypePaths(
  bag: Bag,
  datasets: Map<string, DatasetSummary>,
  typeDirs: Record<string, string>,
): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  const visit = (rid: string, above: string[]) => {
    const dataset = datasets.get(rid);
    if (!dataset || paths.has(rid)) return;
    const type = dataset.types.length === 0 ? 'Testing' : dataset.types[0]!;
    const here = typeDirs[type] ? [...above, typeDirs[type]] : above;
    paths.set(rid, here);
    for (const child of dataset.children) visit(child, here);
  };
  visit(bag.rid, []);
  return paths;
}

/**
 * deriva-ml's _get_asset_dataset_mapping: children before their parent, so an asset goes to the
 * deepest dataset that reaches it (through any FK path); the first dataset to claim it keeps it.
 */
function attributeAssets(
  bag: Bag,
  datasets: Map<string, DatasetSummary>,
  table: string,
): Map<string, string> {
  const owner = new Map<string, string>();
  const visited = new Set<string>();
  const visit = (rid: string) => {
    const dataset = datasets.get(rid);
    if (!dataset || visited.has(rid)) return;
    visited.add(rid);
    for (const child of dataset.children) visit(child);
    for (const asset of bag.reachableRids(rid, table)) if (!owner.has(asset)) owner.set(asset, rid);
  };
  visit(bag.rid);
  return owner;
}

function labeler(bag: Bag, assetType: string, target: string, selector: Selector | undefined): Target {
  const feature = bag.model.features.find(
    (candidate) => candidate.target.name === assetType && candidate.name === target,
  );
  if (!feature) {
    const table = bag.requireTable(assetType);
    // deriva-ml takes any name that is not a feature as a column, and a missing column as Unknown for
    // every asset; Satchel names the mistake instead.
    if (!table.columnByName.has(target)) {
      throw new SatchelError(
        'unknown-feature',
        `${assetType} has neither a feature nor a column named "${target}".`,
      );
    }
    return {
      isFeature: false,
      label: (rid) => {
        const value = bag.row(table.qualified, rid)?.[target];
        return value === null || value === undefined ? null : String(value);
      },
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
  // deriva-ml names the folder after the record's first feature column that has a value.
  const featureColumns = new Set([
    ...feature.termColumns.map((term) => term.column),
    ...feature.valueColumns.map((value) => value.name),
    ...feature.assetColumns.map((asset) => asset.column),
  ]);
  const columns = feature.table.columns
    .filter((column) => featureColumns.has(column.name))
    .map((column) => column.name);
  return {
    isFeature: true,
    label: (rid) => {
      const record = byTarget.get(rid);
      if (!record) return null;
      for (const column of columns) {
        const value = record.values[column];
        if (value !== null && value !== undefined && !Array.isArray(value)) return String(value);
      }
      return MISSING_LABEL;
    },
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
