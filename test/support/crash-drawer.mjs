// Child process for the regions crash-safety test: saves drawings in a loop and prints
// "ack <target> <seq>" after each save has returned. The parent kills it with SIGKILL at random moments.
import { RegionContentStore, RegionStore } from '../../dist/main/core/regions/index.js';
import { openWorkspaceDb } from '../../dist/main/core/workspace-db/index.js';

const [workspace, generation] = process.argv.slice(2);
const db = openWorkspaceDb(workspace);
const store = new RegionStore(db, new RegionContentStore(workspace));
const scope = { bagRid: 'CRASH', snaptime: 'S1', feature: 'lab:Execution_Image_Region' };
const image = { width: 1000, height: 1000 };
for (let n = 0; n < 100000; n++) {
  const seq = Number(generation) * 100000 + n;
  const target = `I${n % 12}`;
  // The polygon's label is the sequence number, so the stored file says which save it is.
  const regions = [
    {
      kind: 'rectangle',
      points: [
        [n % 500, 1],
        [999, 2 + (n % 5)],
      ],
      label: null,
    },
    {
      kind: 'polygon',
      points: [
        [1, 1],
        [50, 1],
        [25, 40 + (n % 7)],
      ],
      label: String(seq),
    },
  ];
  store.save(
    scope,
    {
      target,
      regions,
      image,
      imagePath: `${target}.png`,
      operation: n % 2 ? 'move' : 'add',
      vocabulary: null,
    },
    'crash',
  );
  process.stdout.write(`ack ${target} ${seq}\n`);
}
