// Child process for the crash-safety test: labels in a loop and prints "ack <target> <seq>" after
// each label is committed. The parent kills it with SIGKILL at random moments.
import { LabelStore, recordShape } from '../../dist/main/core/labels/index.js';
import { openWorkspaceDb } from '../../dist/main/core/workspace-db/index.js';

const [workspace, generation] = process.argv.slice(2);
const shape = recordShape({
  target: 'Image',
  name: 'Label',
  table: 'lab:Execution_Image_Label',
  termColumns: ['Label'],
  valueColumns: ['Score'],
  assetColumns: [],
  rows: 0,
  targetSchema: 'lab',
  schema: 'lab',
  terms: [
    {
      column: 'Label',
      vocabulary: 'lab:Label',
      nullok: false,
      terms: ['Cat', 'Dog', 'Bird'].map((name) => ({ name, description: null, synonyms: [] })),
    },
  ],
  values: [{ column: 'Score', type: 'float8', nullok: true }],
  assets: [],
  qualifierColumns: [],
});
const db = openWorkspaceDb(workspace);
const store = new LabelStore(db);
const scope = { bagRid: 'CRASH', snaptime: 'S1' };
const terms = ['Cat', 'Dog', 'Bird'];
for (let n = 0; n < 100000; n++) {
  const seq = Number(generation) * 100000 + n;
  const target = `I${n % 40}`;
  if (n % 7 === 6) {
    store.set(
      scope,
      shape,
      [`I${n % 40}`, `I${(n + 1) % 40}`, `I${(n + 2) % 40}`],
      { Label: terms[n % 3], Score: seq },
      'crash',
    );
    process.stdout.write(`ack ${n % 40},${(n + 1) % 40},${(n + 2) % 40} ${seq}\n`);
  } else {
    store.set(scope, shape, [target], { Label: terms[n % 3], Score: seq }, 'crash');
    process.stdout.write(`ack ${n % 40} ${seq}\n`);
  }
}
