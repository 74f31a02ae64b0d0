// Child process of the crash-safety tests: labels images of the generated bag in a loop through the
// built LabelStore and prints "ack <targets> <seq>" once each label is committed. The parent kills it
// at random moments (and may cut the power under it). Confidence carries each action's sequence
// number (divided by 1e9: the column is declared from 0 to 1), so the parent can tell exactly which
// actions survived.
import fs from 'node:fs';
import { LabelStore } from '../../dist/main/core/labels/index.js';
import { openWorkspaceDb } from '../../dist/main/core/workspace-db/index.js';

const [workspace, planFile, generation] = process.argv.slice(2);
const { scope, shape, targets, terms } = JSON.parse(fs.readFileSync(planFile, 'utf8'));
const db = openWorkspaceDb(workspace);
// Only for the test that shows a power cut would catch a workspace whose commits are not synced.
if (process.env.CRASH_LABELER_SYNCHRONOUS === 'NORMAL') db.pragma('synchronous = NORMAL');
const store = new LabelStore(db);
for (let n = 0; n < 100000; n++) {
  const seq = Number(generation) * 100000 + n;
  // Every seventh action labels three images at once.
  const chosen = (n % 7 === 6 ? [0, 1, 2] : [0]).map((k) => targets[(n + k) % targets.length]);
  store.set(scope, shape, chosen, { Digit: terms[n % terms.length], Confidence: seq / 1e9 }, 'crash');
  process.stdout.write(`ack ${chosen.join(',')} ${seq}\n`);
}
