/**
 * The assignment of rows to columns that maximises the total weight (the Hungarian method, Kuhn and
 * Munkres, in the O(n²m) form with potentials). Used instead of a greedy highest-IoU-first pass because
 * greedy lets one high-overlap pair take a box two other pairs needed: the optimum does not depend on
 * the order the boxes were drawn in.
 */

/** `weights[i][j]` ≥ 0; returns, per row, its column or -1. Zero-weight pairs are never returned. */
export function maximumWeightMatching(weights: readonly (readonly number[])[]): number[] {
  const rows = weights.length;
  const columns = rows === 0 ? 0 : weights[0]!.length;
  if (rows === 0 || columns === 0) return new Array<number>(rows).fill(-1);
  const transposed = rows > columns;
  const n = transposed ? columns : rows;
  const m = transposed ? rows : columns;
  const cost = (i: number, j: number) => -(transposed ? weights[j]![i]! : weights[i]![j]!);
  const assigned = minimumCostAssignment(n, m, cost);
  const result = new Array<number>(rows).fill(-1);
  assigned.forEach((j, i) => {
    const [row, column] = transposed ? [j, i] : [i, j];
    if (weights[row]![column]! > 0) result[row] = column;
  });
  return result;
}

/** Rows 0..n-1 to distinct columns 0..m-1 (n ≤ m) at the least total cost; returns the column of each row. */
function minimumCostAssignment(
  n: number,
  m: number,
  cost: (row: number, column: number) => number,
): number[] {
  // 1-based potentials u (rows) and v (columns); rowOf[j] is the row holding column j (0: none).
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(m + 1).fill(0);
  const rowOf = new Array<number>(m + 1).fill(0);
  const previous = new Array<number>(m + 1).fill(0);
  for (let row = 1; row <= n; row++) {
    rowOf[0] = row;
    let column = 0;
    const slack = new Array<number>(m + 1).fill(Infinity);
    const used = new Array<boolean>(m + 1).fill(false);
    // Each pass adds one column to the tree, so at most m passes find a free column.
    for (let pass = 0; pass <= m && rowOf[column] !== 0; pass++) {
      used[column] = true;
      const from = rowOf[column]!;
      let delta = Infinity;
      let next = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = cost(from - 1, j - 1) - u[from]! - v[j]!;
        if (reduced < slack[j]!) {
          slack[j] = reduced;
          previous[j] = column;
        }
        if (slack[j]! < delta) {
          delta = slack[j]!;
          next = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOf[j]!]! += delta;
          v[j]! -= delta;
        } else slack[j]! -= delta;
      }
      column = next;
    }
    for (let step = 0; step <= m && column !== 0; step++) {
      const before = previous[column]!;
      rowOf[column] = rowOf[before]!;
      column = before;
    }
  }
  const result = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (rowOf[j]! > 0) result[rowOf[j]! - 1] = j - 1;
  return result;
}
