import fs from 'node:fs';
import path from 'node:path';
import type { FeatureValue, Selector } from '../../../shared/bag.js';
import { regionBounds, type Region, type RegionPoint } from '../../../shared/regions.js';
import type { Bag } from '../bag/index.js';
import { describeIoError, SatchelError, writeFileAtomic } from '../common/index.js';
import { readRegionFile, regionFeature } from './bag-files.js';

/**
 * A dataset's regions as one COCO file (the object-detection format trainers read): the images that
 * have a region file under the selector, one category per vocabulary term, and one annotation per
 * shape. Rectangles, polygons, circles and masks become boxes with a polygon segmentation; points
 * become one-keypoint annotations; lines, which COCO cannot hold, are counted as skipped.
 */

export interface CocoOptions {
  /** `Target/Feature`, an asset-valued feature whose files are labelme drawings. */
  feature: string;
  /** deriva-ml's selector over the feature's rows; `newest` by default, `all` keeps every execution. */
  selector?: Selector;
  datasetRid?: string;
}

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  rid: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  segmentation: number[][];
  keypoints?: [number, number, number];
  num_keypoints?: number;
  attributes: { execution: string | null; region_file: string; shape_type: string };
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
  keypoints?: string[];
  skeleton?: number[][];
}

export interface CocoDocument {
  info: { description: string; version: string; contributor: string };
  licenses: never[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

export interface CocoSummary {
  file: string;
  images: number;
  annotations: number;
  categories: number;
  /** Shapes COCO has no form for (lines, line strips, multi-point shapes). */
  skipped: number;
}

const UNLABELED = 'unlabeled';
const CIRCLE_VERTICES = 24;
const round = (value: number) => Math.round(value * 100) / 100;

function polygonArea(points: readonly RegionPoint[]): number {
  let twice = 0;
  points.forEach(([x, y], index) => {
    const [nx, ny] = points[(index + 1) % points.length]!;
    twice += x * ny - nx * y;
  });
  return Math.abs(twice) / 2;
}

/** The outline COCO's segmentation holds for an area shape. */
function outline(region: Region): RegionPoint[] {
  const box = regionBounds(region);
  if (region.kind === 'polygon') return region.points;
  if (region.kind === 'circle') {
    const radius = (box.x1 - box.x0) / 2;
    const [cx, cy] = [box.x0 + radius, box.y0 + radius];
    return Array.from({ length: CIRCLE_VERTICES }, (_, index) => {
      const angle = (2 * Math.PI * index) / CIRCLE_VERTICES;
      return [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)] as RegionPoint;
    });
  }
  return [
    [box.x0, box.y0],
    [box.x1, box.y0],
    [box.x1, box.y1],
    [box.x0, box.y1],
  ];
}

function selectorText(selector: Selector): string {
  if (selector.kind === 'execution') return `execution:${selector.rid}`;
  if (selector.kind === 'majority' && selector.column) return `majority(${selector.column})`;
  return selector.kind;
}

/** Builds the COCO document of a feature's region files; a file that cannot be read stops it with its sentence. */
export function cocoDocument(bag: Bag, options: CocoOptions): { document: CocoDocument; skipped: number } {
  const feature = regionFeature(bag, options.feature);
  const column = feature.assetColumns[0]!;
  const selector = options.selector ?? { kind: 'newest' };
  const values = bag.featureValues(
    feature.target.name,
    feature.name,
    selector,
    options.datasetRid ?? bag.rid,
  );
  const byTarget = new Map<string, FeatureValue[]>();
  for (const value of values) {
    if (typeof value.values[column.column] !== 'string') continue;
    byTarget.set(value.target, [...(byTarget.get(value.target) ?? []), value]);
  }
  const vocabulary = feature.termColumns[0]
    ? bag.vocabularyTerms(feature.termColumns[0].vocabulary.qualified).map((term) => term.name)
    : [];
  const categoryIds = new Map(vocabulary.map((name, index) => [name, index + 1]));
  const categoryOf = (label: string | null): number => {
    const name = label ?? UNLABELED;
    let id = categoryIds.get(name);
    if (id === undefined) {
      id = categoryIds.size + 1;
      categoryIds.set(name, id);
    }
    return id;
  };

  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  let skipped = 0;
  let points = false;
  for (const target of [...byTarget.keys()].sort()) {
    const row = bag.row(feature.target.qualified, target);
    const drawings = byTarget.get(target)!.map((value) => {
      const assetRid = value.values[column.column] as string;
      return { value, assetRid, file: readRegionFile(bag, column.assetTable.qualified, assetRid) };
    });
    const recorded = { width: Number(row?.Width), height: Number(row?.Height) };
    const size = drawings.find((drawing) => drawing.file.image)?.file.image ?? recorded;
    const imageId = images.length + 1;
    images.push({
      id: imageId,
      file_name: typeof row?.Filename === 'string' ? row.Filename : drawings[0]!.file.imagePath,
      width: size.width > 0 ? size.width : 0,
      height: size.height > 0 ? size.height : 0,
      rid: target,
    });
    for (const { value, assetRid, file } of drawings) {
      for (const region of file.regions) {
        const attributes = { execution: value.execution, region_file: assetRid, shape_type: region.kind };
        const base = { id: annotations.length + 1, image_id: imageId, category_id: categoryOf(region.label) };
        if (region.kind === 'point') {
          const [x, y] = region.points[0]!.map(round) as RegionPoint;
          points = true;
          annotations.push({
            ...base,
            bbox: [x, y, 0, 0],
            area: 0,
            iscrowd: 0,
            segmentation: [],
            keypoints: [x, y, 2],
            num_keypoints: 1,
            attributes,
          });
        } else if (region.kind === 'line' || region.kind === 'linestrip' || region.kind === 'points') {
          skipped++;
        } else {
          const box = regionBounds(region);
          const shape = outline(region);
          annotations.push({
            ...base,
            bbox: [round(box.x0), round(box.y0), round(box.x1 - box.x0), round(box.y1 - box.y0)],
            area: round(
              region.kind === 'circle' ? Math.PI * ((box.x1 - box.x0) / 2) ** 2 : polygonArea(shape),
            ),
            iscrowd: 0,
            segmentation: [shape.flatMap(([x, y]) => [round(x), round(y)])],
            attributes,
          });
        }
      }
    }
  }
  const categories: CocoCategory[] = [...categoryIds].map(([name, id]) => ({
    id,
    name,
    supercategory: feature.termColumns[0]?.vocabulary.name ?? feature.name,
    ...(points ? { keypoints: ['point'], skeleton: [] } : {}),
  }));
  return {
    document: {
      info: {
        description: `Regions of ${options.feature} in dataset ${options.datasetRid ?? bag.rid} (selector ${selectorText(selector)})`,
        version: bag.version() ?? '',
        contributor: 'Satchel',
      },
      licenses: [],
      images,
      annotations,
      categories,
    },
    skipped,
  };
}

/** Writes the COCO file whole (temporary file, fsync, rename) or not at all. */
export function writeCoco(bag: Bag, outFile: string, options: CocoOptions): CocoSummary {
  const { document, skipped } = cocoDocument(bag, options);
  const file = path.resolve(outFile);
  if (!fs.existsSync(path.dirname(file)))
    throw new SatchelError(
      'missing-file',
      `The folder ${path.dirname(file)} for ${file} does not exist.`,
      file,
    );
  try {
    writeFileAtomic(file, `${JSON.stringify(document)}\n`);
  } catch (error) {
    throw describeIoError(error, file);
  }
  return {
    file,
    images: document.images.length,
    annotations: document.annotations.length,
    categories: document.categories.length,
    skipped,
  };
}
