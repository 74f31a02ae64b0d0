import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { CatalogClient, eq } from '../../main/core/catalog/index.js';
import { appVersion } from '../../main/core/common/index.js';
import { LabelingSession, LabelStore } from '../../main/core/labels/index.js';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import {
  expectedFacts,
  fixtureBags,
  hasFixtures,
  repoRoot,
  temporaryDirectory,
} from '../support/fixtures.js';

// Conformance: a commit to the catalog built from the real server's bag (its HEAD model and rows).
// Kills at every step, resumes and the data-loss cases are tested on the sample world in
// test/integration/commit.test.ts and commit-cli.test.ts.
describe.skipIf(!hasFixtures)(
  'committing labels of the fixture bag to the bccd stand-in (HEAD schema)',
  () => {
    const scratch = temporaryDirectory();
    const workspace = path.join(scratch.dir, 'workspace');
    const credentialFile = path.join(scratch.dir, 'credential.json');
    let standIn: StandIn;
    let bag: Bag;
    let client: CatalogClient;
    let targets: string[];

    const satchelCommit = (...extra: string[]) => [
      path.join(repoRoot, 'bin', 'satchel.js'),
      'commit',
      fixtureBags.formatB,
      '--catalog',
      `${standIn.origin}/ermrest/catalog/1`,
      '--credential',
      credentialFile,
      '--workspace',
      workspace,
      '--json',
      ...extra,
    ];

    /** Runs the CLI without blocking this process, which serves the stand-in. */
    const satchel = (): Promise<{ stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, satchelCommit(), { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('close', () => resolve({ stdout, stderr }));
      });

    beforeAll(async () => {
      standIn = await startStandIn({ seed: 'bccd' });
      const cookie = standIn.login('testadmin');
      fs.writeFileSync(credentialFile, JSON.stringify({ '127.0.0.1': { cookie } }));
      client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
        credential: { kind: 'cookie', value: cookie },
      });
      bag = await openBag(fixtureBags.formatB, { workspace });
      const db = openWorkspaceDb(workspace);
      const labeling = new LabelingSession(bag, new LabelStore(db), 'Image/Cell_Type');
      targets = labeling.queue({ kind: 'disagreements' }).slice(0, 30);
      labeling.store.set(
        labeling.scope,
        labeling.shape,
        targets,
        { Cell_Type: 'Monocyte', Confidence: 0.5 },
        'tester',
      );
      db.close();
    });
    afterAll(async () => {
      bag?.close();
      await standIn?.close();
      scratch.cleanup();
    });

    it('commits the drafts as one execution on the real model, and a second run sends nothing', async () => {
      const before = (
        await client.entities({ table: { schema: 'hematology', table: 'Execution_Image_Cell_Type' } })
      ).length;
      const final = await satchel();
      expect(final.stderr).toBe('');
      const result = JSON.parse(final.stdout) as {
        executionRid: string;
        workflowRid: string;
        inserted: Record<string, string[]>;
      };
      const rows = await client.entities({
        table: { schema: 'hematology', table: 'Execution_Image_Cell_Type' },
        path: [eq('Execution', result.executionRid)],
      });
      expect(rows.map((row) => row.Image).sort()).toEqual([...targets].sort());
      expect(rows.every((row) => row.Cell_Type === 'Monocyte' && row.Confidence === 0.5)).toBe(true);
      expect(
        (await client.entities({ table: { schema: 'hematology', table: 'Execution_Image_Cell_Type' } }))
          .length,
      ).toBe(before + targets.length);
      const executions = await client.entities({
        table: { schema: 'deriva-ml', table: 'Execution' },
        path: [eq('Workflow', result.workflowRid)],
      });
      expect(executions.map((row) => [row.RID, row.Status])).toEqual([[result.executionRid, 'Uploaded']]);
      const workflows = await client.entities({
        table: { schema: 'deriva-ml', table: 'Workflow' },
        path: [eq('URL', `urn:satchel:workflow:Satchel%20offline%20labeling@${appVersion()}`)],
      });
      expect(workflows).toHaveLength(1);
      const inputs = await client.entities({
        table: { schema: 'deriva-ml', table: 'Dataset_Execution' },
        path: [eq('Execution', result.executionRid)],
      });
      // The HEAD schema records which version of the dataset the labels were made on.
      expect(inputs.map((row) => [row.Dataset, row.Dataset_Version])).toEqual([
        ['58A', expectedFacts().bccd.versions['1.0.0']!.rows['58A']],
      ]);
      const metadata = await client.entities({
        table: { schema: 'deriva-ml', table: 'Execution_Metadata_Execution' },
        path: [eq('Execution', result.executionRid)],
      });
      expect(metadata).toHaveLength(1);
      expect(result.inserted['deriva-ml:Execution_Metadata']).toHaveLength(1);

      // Run again: nothing sent, same answer.
      const again = await satchel();
      expect(JSON.parse(again.stdout)).toEqual({ ...JSON.parse(final.stdout), alreadyCommitted: true });
      expect(again.stderr).toBe('');
    }, 60_000);
  },
);
