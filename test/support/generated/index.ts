import fs from 'node:fs';
import path from 'node:path';
import {
  buildWorld,
  worldBag,
  writeFormatBBag,
  RELEASES,
  WORLD_DESIGN,
  WORLD_SNAPTIMES,
  type Release,
  type World,
} from '../../../main/core/sample/index.js';
import { writeFormatABag } from './format-a.js';
import { zipFolder } from './zip.js';

/**
 * The bags every test stands on, written by the project's own code from the sample world: Format B at
 * 1.0.0 (materialized and holey) and at 1.1.0, the legacy Format A, and a zip of each 1.0.0 variant.
 * With them, `facts.json`: what the world was built to hold, for tests to assert against.
 */

export interface GeneratedBags {
  root: string;
  formatB: string;
  formatBZip: string;
  holey: string;
  holeyZip: string;
  formatA: string;
  formatAZip: string;
  /** Format B at 1.1.0: ten more Training images by two more writers. */
  newer: string;
  facts: WorldFacts;
}

export interface ImageFact {
  rid: string;
  filename: string;
  split: 'Training' | 'Testing';
  digit: string;
  subject: string;
  release: Release;
  format: 'png' | 'jpeg';
}

export interface DisagreementFact {
  image: string;
  filename: string;
  A: string;
  B: string;
  model: string;
  modelConfidence: number;
  threeWayTie: boolean;
}

export interface WorldFacts {
  rid: string;
  schemas: { ml: string; domain: string };
  snaptimes: Record<Release, string>;
  datasets: { complete: string; training: string; testing: string };
  versions: Record<Release, { complete: string; training: string; testing: string }>;
  executions: { A: string; B: string; model: string };
  workflows: { manual: string; model: string };
  images: ImageFact[];
  subjects: { rid: string; name: string; release: Release }[];
  /** Digit labels by image RID. */
  digit: {
    A: Record<string, string>;
    B: Record<string, string>;
    model: Record<string, { digit: string; confidence: number }>;
  };
  disagreements: DisagreementFact[];
  quality: { A: Record<string, [string, string]>; B: Record<string, [string, string]> };
  handedness: { A: Record<string, string>; B: Record<string, string> };
  /** Region_File RID by image RID. */
  regions: { A: Record<string, string>; B: Record<string, string> };
  /** Rows per `schema:Table` in the Format B bag of each release (tables without rows have no CSV). */
  tables: Record<Release, Record<string, number>>;
  /** Files under data/asset in each release's bag (images and region files). */
  assets: Record<Release, number>;
  design: typeof WORLD_DESIGN;
}

const FACTS_FILE = 'facts.json';

export async function writeGeneratedBags(root: string): Promise<GeneratedBags> {
  const world = await buildWorld();
  const facts = worldFacts(world);
  const name = `Dataset_${facts.rid}`;
  const bags = bagPaths(root, name);
  writeFormatBBag(bags.formatB, worldBag(world, '1.0.0'));
  writeFormatBBag(bags.holey, worldBag(world, '1.0.0'), { materialized: false });
  writeFormatBBag(bags.newer, worldBag(world, '1.1.0'));
  writeFormatABag(bags.formatA, world, '1.0.0');
  await Promise.all([
    zipFolder(bags.formatB, bags.formatBZip),
    zipFolder(bags.holey, bags.holeyZip),
    zipFolder(bags.formatA, bags.formatAZip),
  ]);
  fs.writeFileSync(path.join(root, FACTS_FILE), JSON.stringify(facts));
  return { ...bags, facts };
}

/** The bags a previous writeGeneratedBags left in `root`. */
export function readGeneratedBags(root: string): GeneratedBags {
  const facts = JSON.parse(fs.readFileSync(path.join(root, FACTS_FILE), 'utf8')) as WorldFacts;
  return { ...bagPaths(root, `Dataset_${facts.rid}`), facts };
}

function bagPaths(root: string, name: string) {
  return {
    root,
    formatB: path.join(root, 'b', name),
    formatBZip: path.join(root, 'b', `${name}.zip`),
    holey: path.join(root, 'holey', name),
    holeyZip: path.join(root, 'holey', `${name}.zip`),
    formatA: path.join(root, 'a', name),
    formatAZip: path.join(root, 'a', `${name}.zip`),
    newer: path.join(root, 'b-1.1.0', name),
  };
}

export function worldFacts(world: World): WorldFacts {
  const { plan, ids } = world;
  const imageRid = (index: number) => ids.images[index]!;
  const byImage = <T, U>(map: Map<number, T>, value: (entry: T) => U) =>
    Object.fromEntries([...map].map(([index, entry]) => [imageRid(index), value(entry)]));
  const tables = {} as WorldFacts['tables'];
  const assets = {} as WorldFacts['assets'];
  for (const release of RELEASES) {
    const bag = worldBag(world, release);
    tables[release] = Object.fromEntries(
      bag.tables.map((table) => [`${table.schema}:${table.table}`, table.rows.length]),
    );
    assets[release] = bag.assets.length;
  }
  return {
    rid: ids.datasets.complete,
    schemas: { ml: 'deriva-ml', domain: 'digits' },
    snaptimes: WORLD_SNAPTIMES,
    datasets: ids.datasets,
    versions: ids.versions,
    executions: ids.executions,
    workflows: ids.workflows,
    images: plan.images.map((image) => ({
      rid: imageRid(image.index),
      filename: image.filename,
      split: image.split,
      digit: String(image.digit),
      subject: ids.subjects[image.subject]!,
      release: image.release,
      format: image.format,
    })),
    subjects: plan.subjects.map((subject) => ({
      rid: ids.subjects[subject.index]!,
      name: subject.name,
      release: subject.release,
    })),
    digit: {
      A: byImage(plan.digit.A, (label) => String(label.digit)),
      B: byImage(plan.digit.B, (label) => String(label.digit)),
      model: byImage(plan.digit.model, (label) => ({
        digit: String(label.digit),
        confidence: label.confidence!,
      })),
    },
    disagreements: plan.disagreements.map((entry) => ({
      image: imageRid(entry.image),
      filename: plan.images[entry.image]!.filename,
      A: String(entry.A),
      B: String(entry.B),
      model: String(entry.model),
      modelConfidence: plan.digit.model.get(entry.image)!.confidence!,
      threeWayTie: entry.threeWayTie,
    })),
    quality: { A: byImage(plan.quality.A, (pair) => pair), B: byImage(plan.quality.B, (pair) => pair) },
    handedness: {
      A: Object.fromEntries([...plan.handedness.A].map(([subject, hand]) => [ids.subjects[subject]!, hand])),
      B: Object.fromEntries([...plan.handedness.B].map(([subject, hand]) => [ids.subjects[subject]!, hand])),
    },
    regions: {
      A: byImage(ids.regionFiles.A, (rid) => rid),
      B: byImage(ids.regionFiles.B, (rid) => rid),
    },
    tables,
    assets,
    design: WORLD_DESIGN,
  };
}
