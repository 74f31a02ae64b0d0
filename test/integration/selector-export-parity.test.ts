import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { isSatchelError } from '../../main/core/common/index.js';
import { exportImageFolder } from '../../main/core/export/index.js';
import type { FeatureValue } from '../../shared/bag.js';
import { generatedBags } from '../support/bags.js';
import { copyFixtureBag, repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * Selector and export parity with deriva-ml on the generated world: select_by_workflow, feature values
 * unreduced by default, majority vote on a two-term feature, rows of a feature whose target (Subject)
 * is not an element type, and restructure_assets over assets reachable through foreign-key paths.
 */
const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-parity-');
const workspace = path.join(scratch.dir, 'workspace');
let bag: Bag;

beforeAll(async () => {
  bag = await openBag(bags.formatB, { workspace });
});
afterAll(() => {
  bag?.close();
  scratch.cleanup();
});

function satchel(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', workspace],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

const released = facts.images.filter((image) => image.release === '1.0.0');
const training = released.filter((image) => image.split === 'Training');
const errorOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (isSatchelError(error)) return error.message;
    throw error;
  }
  throw new Error('expected a SatchelError');
};

describe('selectors as deriva-ml has them', () => {
  it('workflow:RID keeps the newest record of any execution of that workflow', () => {
    const model = bag.featureValues('Image', 'Digit', { kind: 'workflow', workflow: facts.workflows.model });
    expect(model).toHaveLength(Object.keys(facts.digit.model).length);
    expect(new Set(model.map((record) => record.execution))).toEqual(new Set([facts.executions.model]));
    for (const record of model) expect(record.values.Digit).toBe(facts.digit.model[record.target]!.digit);

    // The manual workflow ran annotators A and B: one record per image either of them labelled.
    const manual = bag.featureValues('Image', 'Digit', {
      kind: 'workflow',
      workflow: facts.workflows.manual,
    });
    const labelled = new Set([...Object.keys(facts.digit.A), ...Object.keys(facts.digit.B)]);
    expect(new Set(manual.map((record) => record.target))).toEqual(labelled);
    expect(manual).toHaveLength(labelled.size);
    expect(
      manual.every((record) => [facts.executions.A, facts.executions.B].includes(record.execution!)),
    ).toBe(true);
  });

  it('workflow:NAME resolves a Workflow name, and an unknown one is one sentence', () => {
    const byName = bag.featureValues('Image', 'Digit', {
      kind: 'workflow',
      workflow: 'Digit classifier (small CNN)',
    });
    expect(byName).toEqual(
      bag.featureValues('Image', 'Digit', { kind: 'workflow', workflow: facts.workflows.model }),
    );
    // deriva-ml also takes a Workflow_Type name, but bags do not carry Workflow_Workflow_Type.
    expect(
      errorOf(() => bag.featureValues('Image', 'Digit', { kind: 'workflow', workflow: 'Prediction' })),
    ).toBe(
      `No workflow resolved for "Prediction" in the bag ${facts.rid}: it is neither a Workflow RID, a Workflow_Type name nor a Workflow name there.`,
    );
  });

  it('majority on a feature with two term columns is deriva-ml’s error, in one sentence', async () => {
    expect(errorOf(() => bag.featureValues('Image', 'Quality', { kind: 'majority' }))).toBe(
      'select_majority_vote requires a column name for features with multiple term columns: Image/Quality has Image_Quality and Stroke_Width, so use majority:Image_Quality or majority:Stroke_Width.',
    );
    const cli = await satchel(
      'values',
      bags.formatB,
      '--target',
      'Image',
      '--feature',
      'Quality',
      '--selector',
      'majority',
      '--json',
    );
    expect(cli).toMatchObject({ code: 2, stdout: '' });
    expect(cli.stderr).toBe(
      'satchel: select_majority_vote requires a column name for features with multiple term columns: Image/Quality has Image_Quality and Stroke_Width, so use majority:Image_Quality or majority:Stroke_Width.\n',
    );
    const byColumn = bag.featureValues('Image', 'Quality', { kind: 'majority', column: 'Image_Quality' });
    const rated = new Set([...Object.keys(facts.quality.A), ...Object.keys(facts.quality.B)]);
    expect(new Set(byColumn.map((record) => record.target))).toEqual(rated);
  });

  it('satchel values returns every record by default, and --selector reduces them', async () => {
    const all = JSON.parse(
      (await satchel('values', bags.formatB, '--target', 'Image', '--feature', 'Digit', '--json')).stdout,
    ) as FeatureValue[];
    expect(all).toHaveLength(facts.tables['1.0.0']['digits:Execution_Image_Digit']!);
    const newest = JSON.parse(
      (
        await satchel(
          'values',
          bags.formatB,
          '--target',
          'Image',
          '--feature',
          'Digit',
          '--selector',
          'newest',
          '--json',
        )
      ).stdout,
    ) as FeatureValue[];
    expect(newest).toHaveLength(released.length);
    const workflow = JSON.parse(
      (
        await satchel(
          'values',
          bags.formatB,
          '--target',
          'Image',
          '--feature',
          'Digit',
          '--selector',
          `workflow:${facts.workflows.model}`,
          '--json',
        )
      ).stdout,
    ) as FeatureValue[];
    expect(workflow.every((record) => record.execution === facts.executions.model)).toBe(true);
  });
});

describe('rows of a feature whose target is not an element type', () => {
  it('Subject/Handedness counts only the subjects the dataset reaches through its images', () => {
    const subjectsOf = (images: typeof released) => new Set(images.map((image) => image.subject));
    const expected = (subjects: Set<string>) =>
      (['A', 'B'] as const)
        .flatMap((rater) =>
          Object.entries(facts.handedness[rater])
            .filter(([subject]) => subjects.has(subject))
            .map(([subject, hand]) => `${subject} ${facts.executions[rater]} ${hand}`),
        )
        .sort();
    const shown = (dataset: string) =>
      bag
        .featureValues('Subject', 'Handedness', { kind: 'all' }, dataset)
        .map((record) => `${record.target} ${record.execution} ${String(record.values.Handedness)}`)
        .sort();
    const trainingRows = expected(subjectsOf(training));
    expect(trainingRows.length).toBeGreaterThan(0);
    expect(shown(facts.datasets.training)).toEqual(trainingRows);
    expect(shown(facts.datasets.testing)).toEqual(
      expected(subjectsOf(released.filter((image) => image.split === 'Testing'))),
    );
    expect(shown(facts.datasets.training)).not.toEqual(shown(facts.rid));
    expect(shown(facts.rid)).toEqual(expected(subjectsOf(released)));
  });
});

describe('export as deriva-ml restructures assets', () => {
  /**
   * A copy of the 1.0.0 bag where Training holds its writers (a Dataset_Subject association) instead of
   * its images: the Training images are then reached only through Subject → Image. Two Training images
   * are also given the same file name.
   */
  let partitioned: Bag;
  let collided: { kept: string; renamed: string } = { kept: '', renamed: '' };

  beforeAll(async () => {
    const dir = copyFixtureBag(bags.formatB, path.join(scratch.dir, 'subject-partitioned'));
    const schemaFile = path.join(dir, 'data', 'schema.json');
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as {
      schemas: Record<string, { tables: Record<string, unknown> }>;
    };
    const association = JSON.stringify(schema.schemas.digits!.tables.Dataset_Image)
      .replaceAll('Dataset_Image', 'Dataset_Subject')
      .replaceAll('"Image"', '"Subject"');
    schema.schemas.digits!.tables.Dataset_Subject = JSON.parse(association) as unknown;
    fs.writeFileSync(schemaFile, JSON.stringify(schema));
    const stamp = '2026-01-05 09:10:00+00';
    const writers = [...new Set(training.map((image) => image.subject))];
    fs.writeFileSync(
      path.join(dir, 'data', 'digits', 'Dataset_Subject.csv'),
      `RID,RCT,RMT,RCB,RMB,Dataset,Subject\n${writers
        .map(
          (subject, index) =>
            `DS-${index},${stamp},${stamp},satchel,satchel,${facts.datasets.training},${subject}`,
        )
        .join('\n')}\n`,
    );
    const members = path.join(dir, 'data', 'digits', 'Dataset_Image.csv');
    const [header, ...rows] = fs.readFileSync(members, 'utf8').trimEnd().split('\n');
    fs.writeFileSync(
      members,
      `${[header, ...rows.filter((row) => row.split(',')[5] !== facts.datasets.training)].join('\n')}\n`,
    );
    // Give the second Training image the first one's file name (on disk and in fetch.txt).
    const [first, second] = training;
    const moved = `data/asset/${second!.rid}/Image/${first!.filename}`;
    fs.renameSync(
      path.join(dir, 'data', 'asset', second!.rid, 'Image', second!.filename),
      path.join(dir, ...moved.split('/')),
    );
    const fetchFile = path.join(dir, 'fetch.txt');
    fs.writeFileSync(
      fetchFile,
      fs
        .readFileSync(fetchFile, 'utf8')
        .replace(
          `\tdata/asset/${second!.rid}/Image/${second!.filename.replaceAll('%', '%25')}\n`,
          `\t${moved.replaceAll('%', '%25')}\n`,
        ),
    );
    collided = { kept: first!.filename, renamed: `${second!.rid}_${first!.filename}` };
    partitioned = await openBag(dir, { workspace });
  });
  afterAll(() => partitioned?.close());

  const written = (manifest: Record<string, string>, out: string) =>
    Object.values(manifest).map((file) => path.relative(out, file).split(path.sep));

  it('finds the Training images through Subject and files them under training', () => {
    expect(partitioned.allMembers(facts.datasets.training, false).Image).toEqual([]);
    expect(partitioned.reachableRids(facts.datasets.training, 'digits:Image')).toEqual(
      training.map((image) => image.rid).sort(),
    );
    const out = path.join(scratch.dir, 'export-partitioned');
    const { manifest, missing } = exportImageFolder(partitioned, { outDir: out, assetTable: 'Image' });
    expect(missing).toEqual([]);
    const paths = written(manifest, out);
    expect(paths).toHaveLength(released.length);
    expect(paths.filter((parts) => parts[0] === 'training')).toHaveLength(training.length);
    expect(paths.filter((parts) => parts[0] === 'testing')).toHaveLength(released.length - training.length);
    // The same feature values come with them: deriva-ml scopes feature rows the same way.
    const digits = partitioned.featureValues('Image', 'Digit', { kind: 'newest' }, facts.datasets.training);
    expect(new Set(digits.map((record) => record.target))).toEqual(
      new Set(training.map((image) => image.rid)),
    );
  });

  it('keeps both files when two assets share a name (deriva-ml would keep only the later)', () => {
    const out = path.join(scratch.dir, 'export-collision');
    const paths = written(exportImageFolder(partitioned, { outDir: out, assetTable: 'Image' }).manifest, out);
    expect(paths).toContainEqual(['training', collided.kept]);
    expect(paths).toContainEqual(['training', collided.renamed]);
  });

  it('with two feature targets, an image lacking either label goes to Unknown/Unknown', () => {
    const out = path.join(scratch.dir, 'export-two-targets');
    const { manifest } = exportImageFolder(bag, {
      outDir: out,
      assetTable: 'Image',
      targets: ['Digit', 'Quality'],
      selector: { kind: 'newest' },
    });
    const paths = written(manifest, out);
    const rated = new Set([...Object.keys(facts.quality.A), ...Object.keys(facts.quality.B)]);
    const fileOf = new Map(released.map((image) => [image.filename, image]));
    expect(paths).toHaveLength(released.length);
    for (const parts of paths) {
      const image = fileOf.get(parts[3]!)!;
      expect(parts[0]).toBe(image.split.toLowerCase());
      if (rated.has(image.rid)) {
        expect(parts[1]).toMatch(/^\d$/);
        expect(['Good', 'Blurry', 'Unusable']).toContain(parts[2]);
      } else {
        // The digit is known, but deriva-ml resolves several targets together: both become Unknown.
        expect(parts.slice(1, 3)).toEqual(['Unknown', 'Unknown']);
      }
    }
    expect(paths.filter((parts) => parts[1] === 'Unknown')).toHaveLength(released.length - rated.size);
  });

  it('leaves out files the bag does not hold, says so, and points to satchel fetch', async () => {
    const dir = copyFixtureBag(bags.formatB, path.join(scratch.dir, 'one-missing'));
    const gone = training[5]!;
    fs.rmSync(path.join(dir, 'data', 'asset', gone.rid, 'Image', gone.filename));
    const out = path.join(scratch.dir, 'export-missing');
    const result = await satchel(
      'export',
      dir,
      '--out',
      out,
      '--asset-table',
      'Image',
      '--target',
      'Digit',
      '--selector',
      'newest',
    );
    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout) as Record<string, string>;
    expect(Object.keys(manifest)).toHaveLength(released.length - 1);
    expect(Object.values(manifest).some((file) => path.basename(file) === gone.filename)).toBe(false);
    expect(result.stderr).toBe(
      `satchel: 1 file is not in the bag (data/asset/${gone.rid}/Image/${gone.filename}), so the export leaves it out as deriva-ml does; satchel fetch ${fs.realpathSync(dir)} brings it.\n`,
    );
  });
});
