import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { seededRandom } from '../../main/core/sample/random.js';
import { LabelingSession, LabelStore } from '../../main/core/labels/index.js';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';
import {
  buildPowerCutShim,
  cutPower,
  powerCutEnvironment,
  type PowerCutReport,
} from '../support/power-cut/index.js';

const KILLS = 120;
const POWER_CUTS = 40;
/** Actions per labeler generation are numbered from generation × SEQ_BASE (see crash-labeler.mjs). */
const SEQ_BASE = 100_000;
/**
 * Confidence is declared "from 0 to 1", so the labeler writes seq / SEQ_SCALE; every sequence number is
 * below it and survives the round trip as a JSON double.
 */
const SEQ_SCALE = 1e9;
const seqOf = (values: string) =>
  Math.round((JSON.parse(values) as { Confidence: number }).Confidence * SEQ_SCALE);
const LABELER = path.join(repoRoot, 'test', 'support', 'crash-labeler.mjs');
const scratch = temporaryDirectory();
const planFile = path.join(scratch.dir, 'plan.json');
let bagRid = '';

/** The labelers label the generated bag's Image/Digit feature on 40 of its images. */
beforeAll(async () => {
  const labelsModule = path.join(repoRoot, 'dist', 'main', 'core', 'labels', 'index.js');
  if (!fs.existsSync(labelsModule))
    throw new Error(`${labelsModule} is missing: run npm run build before this test (npm test does).`);
  const workspace = path.join(scratch.dir, 'bag-workspace');
  const bag = await openBag(generatedBags().formatB, { workspace });
  const db = openWorkspaceDb(workspace);
  try {
    const session = new LabelingSession(bag, new LabelStore(db), 'Image/Digit');
    bagRid = session.scope.bagRid;
    const terms = session.shape.fields.find((field) => field.column === 'Digit')!.terms!;
    fs.writeFileSync(
      planFile,
      JSON.stringify({
        scope: session.scope,
        shape: session.shape,
        targets: session.targets().slice(0, 40),
        terms,
      }),
    );
  } finally {
    db.close();
    bag.close();
  }
});
afterAll(() => scratch.cleanup());

interface Acknowledged {
  seq: number;
  targets: string[];
}

/**
 * Runs one labeler generation on `workspace` until it has acknowledged `killAfter` actions, then
 * SIGKILLs it (or until something else kills it). Resolves with every action it acknowledged, read to
 * the end of its output.
 */
function runAndKill(
  workspace: string,
  generation: number,
  killAfter: number,
  environment: NodeJS.ProcessEnv = {},
): Promise<Acknowledged[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LABELER, workspace, planFile, String(generation)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...environment },
    });
    const acknowledged: Acknowledged[] = [];
    let buffer = '';
    let errors = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [, targets, seq] = line.split(' ');
        acknowledged.push({ seq: Number(seq), targets: targets!.split(',') });
        if (acknowledged.length === killAfter) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    // 'close', not 'exit': every acknowledgement written before the kill has been read by then.
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL')
        reject(new Error(`labeler ${generation} ended without being killed: ${errors}`));
      else resolve(acknowledged);
    });
  });
}

/**
 * Asserts the workspace kept every acknowledged action whole (each target's history row, with its
 * sequence number), no action twice, nothing beyond the one action a generation may have committed
 * without getting to acknowledge it, and drafts that are each target's newest surviving action.
 */
function expectEveryAcknowledgedAction(
  workspace: string,
  generations: Acknowledged[][],
  context: string,
): void {
  const db = openWorkspaceDb(workspace);
  try {
    expect(db.pragma('integrity_check', { simple: true }), context).toBe('ok');
    const history = new Map<number, string[]>();
    const rows = db
      .prepare(
        `SELECT h.target, h.new_values AS "values" FROM label_history h JOIN label_actions a ON a.id = h.action_id
           WHERE a.bag_rid = ?`,
      )
      .all(bagRid) as { target: string; values: string }[];
    for (const row of rows) {
      const seq = seqOf(row.values);
      history.set(seq, [...(history.get(seq) ?? []), row.target]);
    }
    generations.forEach((acknowledged, index) => {
      const first = (index + 1) * SEQ_BASE;
      expect(
        acknowledged.map((action) => action.seq),
        context,
      ).toEqual(acknowledged.map((_action, n) => first + n));
      for (const action of acknowledged)
        expect(history.get(action.seq)?.sort(), `${context}: action ${action.seq}`).toEqual(
          [...action.targets].sort(),
        );
      const unacknowledged = [...history.keys()]
        .filter((seq) => seq >= first + acknowledged.length && seq < first + SEQ_BASE)
        .sort((a, b) => a - b);
      expect([[], [first + acknowledged.length]], `${context}: generation ${index + 1}`).toContainEqual(
        unacknowledged,
      );
    });
    const newest = new Map<string, number>();
    for (const [seq, targets] of history)
      for (const target of targets) newest.set(target, Math.max(seq, newest.get(target) ?? -1));
    const drafts = db.prepare(`SELECT target, "values" FROM label_drafts WHERE bag_rid = ?`).all(bagRid) as {
      target: string;
      values: string;
    }[];
    expect(new Map(drafts.map((draft) => [draft.target, seqOf(draft.values)])), context).toEqual(newest);
  } finally {
    db.close();
  }
}

describe('crash safety of the drafts store', () => {
  it(`keeps every acknowledged action through ${KILLS} SIGKILLs`, async () => {
    const workspace = path.join(scratch.dir, 'killed');
    const generations: Acknowledged[][] = [];
    for (let generation = 1; generation <= KILLS; generation++) {
      const killAfter = 1 + Math.floor(Math.random() * 40);
      const acknowledged = await runAndKill(workspace, generation, killAfter);
      expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter);
      generations.push(acknowledged);
    }
    expectEveryAcknowledgedAction(workspace, generations, 'after the kills');
  }, 240_000);
});

const shim = buildPowerCutShim(scratch.dir);

describe.skipIf(!shim.ok)(
  shim.ok
    ? 'the drafts store through power cuts'
    : `the drafts store through power cuts (skipped: ${shim.ok ? '' : shim.reason})`,
  () => {
    const library = shim.ok ? shim.library : '';
    const seed = Number(process.env.POWER_CUT_SEED ?? Math.floor(Math.random() * 2 ** 31));

    /**
     * One generation: labels until the power goes just before its `cutAtWrite`-th write to the
     * workspace, then loses what the cut would have lost.
     */
    async function labelUntilThePowerGoes(
      workspace: string,
      generation: number,
      cutAtWrite: number,
      reachedDisk: (unsynced: number) => number,
      environment: NodeJS.ProcessEnv = {},
    ): Promise<[Acknowledged[], PowerCutReport]> {
      const journal = path.join(scratch.dir, `journal-${path.basename(workspace)}-${generation}`);
      const acknowledged = await runAndKill(workspace, generation, Infinity, {
        ...powerCutEnvironment(library, workspace, journal, cutAtWrite),
        ...environment,
      });
      const report = cutPower(journal, reachedDisk);
      fs.rmSync(journal);
      return [acknowledged, report];
    }

    it(`keeps every acknowledged action through ${POWER_CUTS} power cuts at random points (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      const workspace = path.join(scratch.dir, 'power-cuts');
      const generations: Acknowledged[][] = [];
      const reports: PowerCutReport[] = [];
      for (let generation = 1; generation <= POWER_CUTS; generation++) {
        const [acknowledged, report] = await labelUntilThePowerGoes(
          workspace,
          generation,
          1 + Math.floor(random() * 300),
          (unsynced) => Math.floor(random() * (unsynced + 1)),
        );
        generations.push(acknowledged);
        reports.push(report);
      }
      // The cuts fell while writes were in flight: about three in four take back part of a transaction
      // the labeler had begun (a quarter is asked, so this never fails by chance).
      expect(reports.filter((report) => report.lost > 0).length, `seed ${seed}`).toBeGreaterThanOrEqual(
        POWER_CUTS / 4,
      );
      expect(generations.flat().length, `seed ${seed}`).toBeGreaterThan(POWER_CUTS);
      expectEveryAcknowledgedAction(workspace, generations, `after the power cuts, seed ${seed}`);
    }, 240_000);

    it('would catch a workspace that acknowledges labels before they are synced (synchronous=NORMAL)', async () => {
      const workspace = path.join(scratch.dir, 'unsynced');
      // The same labeler with its commits left unsynced until a checkpoint; the cut loses every unsynced
      // write, and with them the first acknowledged action.
      const [acknowledged, report] = await labelUntilThePowerGoes(workspace, 1, 200, () => 0, {
        CRASH_LABELER_SYNCHRONOUS: 'NORMAL',
      });
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(report.lost).toBe(report.unsynced);
      expect(() => expectEveryAcknowledgedAction(workspace, [acknowledged], 'synchronous=NORMAL')).toThrow(
        `synchronous=NORMAL: action ${SEQ_BASE}`,
      );
    }, 60_000);
  },
);
