/**
 * `satchel export BAG --coco OUT.json --feature Image/Region`: the generated world's region files as one
 * COCO file, through the built CLI as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CocoDocument } from '../../main/core/regions/index.js';
import { parseLabelme } from '../../main/core/regions/index.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-regions-coco-');
const workspace = path.join(scratch.dir, 'workspace');
afterAll(() => scratch.cleanup());

function satchel(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', workspace],
    { encoding: 'utf8', env: { ...process.env, SATCHEL_WORKSPACE: '' } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A's region file of an image, read straight from the bag. */
function fileOfA(bag: string, image: string) {
  const rid = facts.regions.A[image]!;
  const file = path.join(bag, 'data', 'asset', rid, 'Region_File', `regions_${image}.json`);
  return parseLabelme(fs.readFileSync(file), file);
}

function exportCoco(out: string, ...extra: string[]): CocoDocument {
  const result = satchel('export', bags.formatB, '--coco', out, '--feature', 'Image/Region', ...extra);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const summary = JSON.parse(result.stdout) as { file: string; images: number; annotations: number };
  const document = JSON.parse(fs.readFileSync(out, 'utf8')) as CocoDocument;
  expect(summary).toMatchObject({
    file: out,
    images: document.images.length,
    annotations: document.annotations.length,
  });
  return document;
}

describe('satchel export --coco', () => {
  const drawnByA = Object.keys(facts.regions.A).sort();
  const imageOf = new Map(facts.images.map((image) => [image.rid, image]));

  it("writes one annotator's boxes exactly, with the vocabulary as categories", () => {
    const out = path.join(scratch.dir, 'a.json');
    const document = exportCoco(out, '--selector', `execution:${facts.executions.A}`);
    expect(document.categories.map((category) => category.name)).toEqual(
      [...new Set(facts.images.map((image) => image.digit))].sort(),
    );
    expect(document.categories.map((category) => category.id)).toEqual(
      document.categories.map((_, i) => i + 1),
    );
    expect(document.images.map((image) => image.rid)).toEqual(drawnByA);
    expect(document.annotations).toHaveLength(drawnByA.length);
    for (const image of document.images) {
      expect(image).toMatchObject({
        file_name: imageOf.get(image.rid)!.filename,
        width: facts.design.imageSize,
        height: facts.design.imageSize,
      });
      const [annotation, ...others] = document.annotations.filter((entry) => entry.image_id === image.id);
      expect(others).toEqual([]);
      const [[x0, y0], [x1, y1]] = fileOfA(bags.formatB, image.rid).regions[0]!.points as [
        [number, number],
        [number, number],
      ];
      expect(annotation!.bbox).toEqual([
        x0,
        y0,
        Math.round((x1 - x0) * 100) / 100,
        Math.round((y1 - y0) * 100) / 100,
      ]);
      expect(annotation!.segmentation).toEqual([[x0, y0, x1, y0, x1, y1, x0, y1]]);
      const category = document.categories.find((entry) => entry.id === annotation!.category_id)!;
      expect(category.name).toBe(facts.digit.A[image.rid]);
      expect(annotation!.attributes).toEqual({
        execution: facts.executions.A,
        region_file: facts.regions.A[image.rid],
        shape_type: 'rectangle',
      });
    }
  });

  it('keeps every execution with --selector all, and points become one-keypoint annotations', () => {
    const document = exportCoco(path.join(scratch.dir, 'all.json'), '--selector', 'all');
    expect(document.images.map((image) => image.rid)).toEqual(drawnByA);
    const executions = new Set(document.annotations.map((annotation) => annotation.attributes.execution));
    expect(executions).toEqual(new Set([facts.executions.A, facts.executions.B]));
    const byB = document.annotations.filter(
      (annotation) => annotation.attributes.execution === facts.executions.B,
    );
    // B draws one box or polygon per image, and on some images a stray point.
    const areas = byB.filter((annotation) => annotation.attributes.shape_type !== 'point');
    expect(areas).toHaveLength(Object.keys(facts.regions.B).length);
    const points = byB.filter((annotation) => annotation.attributes.shape_type === 'point');
    expect(points.length).toBeGreaterThan(0);
    for (const point of points) {
      expect(point).toMatchObject({ area: 0, num_keypoints: 1, segmentation: [] });
      expect(point.keypoints![2]).toBe(2);
      expect(point.bbox.slice(0, 2)).toEqual(point.keypoints!.slice(0, 2));
    }
    expect(document.categories[0]).toMatchObject({ keypoints: ['point'], skeleton: [] });
  });

  it('takes one file per image with the default selector (newest)', () => {
    const document = exportCoco(path.join(scratch.dir, 'newest.json'));
    expect(document.images).toHaveLength(drawnByA.length);
    for (const image of document.images) {
      const executions = new Set(
        document.annotations
          .filter((annotation) => annotation.image_id === image.id)
          .map((annotation) => annotation.attributes.execution),
      );
      expect(executions.size).toBe(1);
    }
  });

  it('says in one sentence what is wrong, exits 2 and writes nothing', () => {
    const out = path.join(scratch.dir, 'never.json');
    const digit = satchel('export', bags.formatB, '--coco', out, '--feature', 'Image/Digit');
    expect(digit.status).toBe(2);
    expect(digit.stderr).toBe(
      'satchel: Image/Digit has no asset column, so it cannot hold region files; choose an asset-valued feature.\n',
    );
    const bare = satchel('export', bags.formatB, '--coco', out, '--feature', 'Region');
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe(
      'satchel: Name the feature as Target/Name, such as Image/Region, not "Region".\n',
    );
    const copy = path.join(scratch.dir, 'broken');
    fs.cpSync(bags.formatB, copy, { recursive: true });
    const image = drawnByA[0]!;
    const relative = `data/asset/${facts.regions.A[image]}/Region_File/regions_${image}.json`;
    fs.writeFileSync(path.join(copy, relative), '{"shapes": [], "imagePath": 3}');
    const broken = satchel('export', copy, '--coco', out, '--feature', 'Image/Region', '--selector', 'all');
    expect(broken.status).toBe(2);
    expect(broken.stderr).toBe(
      `satchel: ${relative} is not a labelme region file: "imagePath" is 3, not a text.\n`,
    );
    const folder = satchel(
      'export',
      bags.formatB,
      '--coco',
      path.join(scratch.dir, 'no', 'such', 'x.json'),
      '--feature',
      'Image/Region',
    );
    expect(folder.status).toBe(2);
    expect(folder.stderr).toMatch(/^satchel: The folder .* does not exist\.\n$/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('leaves the ImageFolder export as it was: --out is still required without --coco', () => {
    const result = satchel('export', bags.formatB);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('satchel: The option --out is required.\n');
  });
});
