import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../../shared/bag.js';
import { SatchelError } from '../../main/core/common/index.js';
import { LabelStore, recordShape, type RecordValues } from '../../main/core/labels/index.js';
import { RegionContentStore, RegionStore } from '../../main/core/regions/index.js';
import { seededRandom } from '../../main/core/sample/random.js';
import {
  backupDue,
  backupWorkspace,
  changeMark,
  listBackups,
  openWorkspaceDb,
  recoverWorkspaceDb,
  restoreWorkspaceDb,
  workspaceDbPath,
} from '../../main/core/workspace-db/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

/**
 * The workspace database checks itself before use: SQLite's quick_check for the page structure, a
 * checksum per draft for its content, and a tally per bag and feature for drafts gone missing. A
 * damaged file is refused with one sentence and never written; what it still holds can be
 * recovered, and verified backups can be put back.
 */

const scratch = temporaryDirectory('satchel-integrity-');
afterAll(() => scratch.cleanup());
let counter = 0;
const freshWorkspace = () => path.join(scratch.dir, `workspace-${++counter}`);

const definition: FeatureDefinition = {
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
};
const shape = recordShape(definition);
const scope = { bagRid: 'B1', snaptime: 'S1' };
const TARGETS = 400;
const LABELS = ['Cat', 'Dog', 'Bird'];
const NO_BACKUPS = { backups: 'none' } as const;

/** A workspace whose drafts went through three rounds of labeling; returns what was written last. */
function workspaceWithDrafts(targets = TARGETS): { workspace: string; written: Map<string, RecordValues> } {
  const workspace = freshWorkspace();
  const db = openWorkspaceDb(workspace, NO_BACKUPS);
  const store = new LabelStore(db);
  const written = new Map<string, RecordValues>();
  for (let round = 0; round < 3; round++) {
    const records = Array.from({ length: targets }, (_, index) => ({
      target: `I${String(index).padStart(4, '0')}`,
      values: { Label: LABELS[(index + round) % 3]!, Score: round + index / 1000 },
    }));
    store.setEach(scope, shape, records, 'annotator');
    for (const record of records)
      written.set(record.target, store.draft(scope, shape.table, record.target)!.values);
  }
  db.close();
  return { workspace, written };
}

function readDrafts(workspace: string): Map<string, RecordValues> {
  const db = openWorkspaceDb(workspace, NO_BACKUPS);
  try {
    return new Map(new LabelStore(db).drafts(scope).map((draft) => [draft.target, draft.values]));
  } finally {
    db.close();
  }
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Pages of a table or index, from SQLite's dbstat, by kind ('leaf' or 'internal'). */
function pagesOf(file: string, name: string, kind: 'leaf' | 'internal'): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno')
      .pluck()
      .all(name, kind) as number[];
  } finally {
    db.close();
  }
}

function pageSize(bytes: Buffer): number {
  return bytes.readUInt16BE(16);
}

/** Changes `file` in place: `change` gets the whole file and the byte range of page `page`. */
function editPage(
  file: string,
  page: number,
  change: (bytes: Buffer, start: number, end: number) => void,
): void {
  const bytes = fs.readFileSync(file);
  const size = pageSize(bytes);
  change(bytes, (page - 1) * size, page * size);
  fs.writeFileSync(file, bytes);
}

/** Where the values of a live draft row start: inside a label_drafts page (history rows hold the same text). */
function liveDraftOffset(bytes: Buffer, file: string, values: string): number {
  const size = pageSize(bytes);
  const draftPages = new Set([
    ...pagesOf(file, 'label_drafts', 'leaf'),
    ...pagesOf(file, 'label_drafts', 'internal'),
  ]);
  for (let at = bytes.indexOf(values); at >= 0; at = bytes.indexOf(values, at + 1)) {
    if (draftPages.has(Math.floor(at / size) + 1)) return at;
  }
  throw new Error(`no draft row holds ${values}`);
}

function refusal(workspace: string): SatchelError {
  try {
    openWorkspaceDb(workspace, NO_BACKUPS).close();
  } catch (error) {
    expect(error).toBeInstanceOf(SatchelError);
    return error as SatchelError;
  }
  throw new Error(`${workspace} opened although it is damaged`);
}

function quickCheck(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('quick_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('checking the workspace database before use', () => {
  it('refuses a draft whose value changed on disk, though SQLite finds nothing wrong with the pages', () => {
    const { workspace, written } = workspaceWithDrafts();
    const file = workspaceDbPath(workspace);
    const bytes = fs.readFileSync(file);
    const at = liveDraftOffset(bytes, file, JSON.stringify(written.get('I0008')));
    // "Dog" becomes "Hog": still valid JSON of the same length, so SQLite cannot tell.
    expect(bytes.subarray(at, at + 14).toString()).toBe('{"Label":"Dog"');
    bytes[at + 10] = 'H'.charCodeAt(0);
    fs.writeFileSync(file, bytes);
    expect(quickCheck(file)).toBe('ok');
    const before = sha256(file);
    const error = refusal(workspace);
    expect(error.kind).toBe('workspace-damaged');
    expect(error.message).toBe(
      `${file} is damaged (1 of the ${TARGETS} drafts of lab:Execution_Image_Label in bag B1 do not match their checksum); ` +
        'Satchel stopped before writing to it and kept it as it is: run "satchel workspace check" to recover what can be read.',
    );
    expect(sha256(file)).toBe(before);
  });

  it('refuses a workspace whose drafts lost a row, and one with a page scribbled over', () => {
    const { workspace, written } = workspaceWithDrafts();
    const file = workspaceDbPath(workspace);
    const bytes = fs.readFileSync(file);
    const at = liveDraftOffset(bytes, file, JSON.stringify(written.get('I0100')));
    // The bag RID of that row: the row moves out of its bag, so its own bag has one draft fewer.
    const bag = bytes.lastIndexOf('B1S1lab:', at);
    expect(at - bag).toBeLessThan(64);
    bytes[bag + 1] = '7'.charCodeAt(0);
    fs.writeFileSync(file, bytes);
    expect(refusal(workspace).message).toMatch(new RegExp(`^${file} is damaged \\(.+\\); Satchel stopped`));

    const scribbled = workspaceWithDrafts().workspace;
    const scribbledFile = workspaceDbPath(scribbled);
    const random = seededRandom(7);
    editPage(scribbledFile, pagesOf(scribbledFile, 'label_drafts', 'leaf')[2]!, (bytes, start, end) => {
      for (let at = start; at < end; at++) bytes[at] = Math.floor(random() * 256);
    });
    const before = sha256(scribbledFile);
    expect(refusal(scribbled).kind).toBe('workspace-damaged');
    expect(sha256(scribbledFile)).toBe(before);
  });

  it('opens and shows every draft when only free pages changed', () => {
    const { workspace, written } = workspaceWithDrafts();
    const db = openWorkspaceDb(workspace, NO_BACKUPS);
    const store = new LabelStore(db);
    const cleared = [...written.keys()].filter((_, index) => index % 4 !== 0);
    store.clear(scope, shape, cleared, 'annotator');
    db.exec('DELETE FROM label_history; DELETE FROM label_actions');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    for (const target of cleared) written.delete(target);
    const file = workspaceDbPath(workspace);
    const bytes = fs.readFileSync(file);
    const size = pageSize(bytes);
    const trunk = bytes.readUInt32BE(32);
    const leaves = bytes.readUInt32BE((trunk - 1) * size + 4);
    expect(leaves).toBeGreaterThan(10);
    const random = seededRandom(11);
    for (let leaf = 0; leaf < leaves; leaf++) {
      const page = bytes.readUInt32BE((trunk - 1) * size + 8 + 4 * leaf);
      for (let flip = 0; flip < 8; flip++) bytes[(page - 1) * size + Math.floor(random() * size)]! ^= 0xff;
    }
    fs.writeFileSync(file, bytes);
    expect(readDrafts(workspace)).toEqual(written);
  });

  it('either refuses or shows exactly what was written, for 60 seeded workspaces with 3 damaged pages each', () => {
    const { workspace, written } = workspaceWithDrafts();
    const file = workspaceDbPath(workspace);
    const pristine = fs.readFileSync(file);
    const pageCount = pristine.length / pageSize(pristine);
    const outcomes = { refused: 0, exact: 0 };
    for (let seed = 1; seed <= 60; seed++) {
      const random = seededRandom(seed);
      const bytes = Buffer.from(pristine);
      for (let page = 0; page < 3; page++) {
        const start = Math.floor(random() * pageCount) * pageSize(bytes);
        bytes[start + Math.floor(random() * pageSize(bytes))]! ^= 1 + Math.floor(random() * 255);
      }
      fs.writeFileSync(file, bytes);
      let shown: Map<string, RecordValues> | null = null;
      try {
        shown = readDrafts(workspace);
      } catch (error) {
        expect((error as SatchelError).kind, `seed ${seed}: ${(error as Error).message}`).toBe(
          'workspace-damaged',
        );
        expect(fs.readFileSync(file).equals(bytes), `seed ${seed}: the damaged file was written`).toBe(true);
        outcomes.refused++;
      }
      if (shown) {
        expect(shown, `seed ${seed}`).toEqual(written);
        outcomes.exact++;
      }
    }
    // Both answers occur: the check neither refuses everything nor lets everything through.
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.exact).toBeGreaterThan(0);
  });
});

describe('recovering a damaged workspace database', () => {
  it('recovers every draft from the pages when the top of the drafts tree is broken', () => {
    const { workspace, written } = workspaceWithDrafts();
    const file = workspaceDbPath(workspace);
    const [root] = pagesOf(file, 'label_drafts', 'internal');
    expect(root).toBeDefined();
    // Every child pointer of the root (the right-most one and one per cell) now points nowhere.
    editPage(file, root!, (bytes, start) => {
      const cells = bytes.readUInt16BE(start + 3);
      bytes.writeUInt32BE(0xffffffff, start + 8);
      for (let cell = 0; cell < cells; cell++)
        bytes.writeUInt32BE(0xffffffff, start + bytes.readUInt16BE(start + 12 + 2 * cell));
    });
    expect(() => readDrafts(workspace)).toThrow(/is damaged/);
    const before = sha256(file);
    const report = recoverWorkspaceDb(file, workspace);
    expect(sha256(file)).toBe(before);
    expect(report.drafts).toEqual({ recovered: TARGETS, written: TARGETS });
    expect(report.rows.label_history).toBe(3 * TARGETS);
    expect(path.dirname(report.file)).toBe(path.join(workspace, 'recovered'));
    const restored = freshWorkspace();
    fs.mkdirSync(restored);
    fs.copyFileSync(report.file, workspaceDbPath(restored));
    expect(readDrafts(restored)).toEqual(written);
  });

  it('recovers the intact drafts, never a damaged one, when a leaf page is scribbled over', () => {
    const { workspace, written } = workspaceWithDrafts();
    const file = workspaceDbPath(workspace);
    const leaf = pagesOf(file, 'label_drafts', 'leaf')[3]!;
    editPage(file, leaf, (bytes, start, end) => bytes.fill(0xa5, start + 200, end - 100));
    const report = recoverWorkspaceDb(file, workspace);
    expect(report.drafts.written).toBe(TARGETS);
    expect(report.drafts.recovered).toBeLessThan(TARGETS);
    expect(report.drafts.recovered).toBeGreaterThan(TARGETS - 60);
    const restored = freshWorkspace();
    fs.mkdirSync(restored);
    fs.copyFileSync(report.file, workspaceDbPath(restored));
    const recovered = readDrafts(restored);
    expect(recovered.size).toBe(report.drafts.recovered);
    for (const [target, values] of recovered) expect(values, target).toEqual(written.get(target));
  });
});

describe('region drawings in the check and the recovery', () => {
  const regionScope = { bagRid: 'B1', snaptime: 'S1', feature: 'lab:Execution_Image_Region' };
  const DRAWN = 30;
  const targetOf = (index: number) => `R${String(index).padStart(4, '0')}`;

  /** A workspace with one drawing per image, each a box; returns each image's labelme file (sha256). */
  function workspaceWithDrawings(): { workspace: string; drawn: Map<string, string> } {
    const workspace = freshWorkspace();
    const db = openWorkspaceDb(workspace, NO_BACKUPS);
    const store = new RegionStore(db, new RegionContentStore(workspace));
    for (let index = 0; index < DRAWN; index++) {
      const target = targetOf(index);
      store.save(
        regionScope,
        {
          target,
          regions: [
            {
              kind: 'rectangle',
              points: [
                [index, 2],
                [index + 20, 30],
              ],
              label: LABELS[index % 3]!,
            },
          ],
          image: { width: 112, height: 112 },
          imagePath: `${target}.png`,
          operation: 'add',
          vocabulary: LABELS,
        },
        'annotator',
      );
    }
    const drawn = new Map(store.entries(regionScope).map((entry) => [entry.target, entry.sha256]));
    db.close();
    return { workspace, drawn };
  }

  function readDrawings(workspace: string): Map<string, string> {
    const db = openWorkspaceDb(workspace, NO_BACKUPS);
    try {
      const store = new RegionStore(db, new RegionContentStore(workspace));
      return new Map(store.entries(regionScope).map((entry) => [entry.target, entry.sha256]));
    } finally {
      db.close();
    }
  }

  /**
   * Changes one hex digit of the file name a live drawing row holds, wherever the drawings' pages hold
   * it (an interior page of the b-tree may keep a copy): same length, so SQLite cannot tell.
   */
  function renameDrawingOnDisk(workspace: string, sha256: string): void {
    const file = workspaceDbPath(workspace);
    const bytes = fs.readFileSync(file);
    const size = pageSize(bytes);
    const pages = new Set([
      ...pagesOf(file, 'region_drafts', 'leaf'),
      ...pagesOf(file, 'region_drafts', 'internal'),
    ]);
    let changed = 0;
    for (let at = bytes.indexOf(sha256); at >= 0; at = bytes.indexOf(sha256, at + 1)) {
      if (!pages.has(Math.floor(at / size) + 1)) continue;
      bytes[at] = (sha256[0] === '0' ? '1' : '0').charCodeAt(0);
      changed++;
    }
    expect(changed).toBeGreaterThan(0);
    fs.writeFileSync(file, bytes);
  }

  it('refuses a drawing whose file name changed on disk, though SQLite finds nothing wrong with the pages', () => {
    const { workspace, drawn } = workspaceWithDrawings();
    expect(drawn.size).toBe(DRAWN);
    renameDrawingOnDisk(workspace, drawn.get(targetOf(7))!);
    const file = workspaceDbPath(workspace);
    expect(quickCheck(file)).toBe('ok');
    const before = sha256(file);
    const error = refusal(workspace);
    expect(error.message).toBe(
      `${file} is damaged (1 of the ${DRAWN} drawings of lab:Execution_Image_Region in bag B1 do not match their checksum); ` +
        'Satchel stopped before writing to it and kept it as it is: run "satchel workspace check" to recover what can be read.',
    );
    expect(sha256(file)).toBe(before);
  });

  it('refuses a workspace whose drawings lost a row', () => {
    const { workspace } = workspaceWithDrawings();
    const db = openWorkspaceDb(workspace, NO_BACKUPS);
    // A row gone without its triggers, as a lost page would take it.
    db.exec('DROP TRIGGER region_drafts_tally_delete');
    db.prepare('DELETE FROM region_drafts WHERE target = ?').run(targetOf(3));
    db.close();
    expect(refusal(workspace).message).toContain(
      `(${DRAWN - 1} drawings of lab:Execution_Image_Region in bag B1 can be read, but ${DRAWN} were written)`,
    );
  });

  it('recovers every intact drawing with its history, never the damaged one', () => {
    const { workspace, drawn } = workspaceWithDrawings();
    const damaged = targetOf(12);
    renameDrawingOnDisk(workspace, drawn.get(damaged)!);
    const report = recoverWorkspaceDb(workspaceDbPath(workspace), workspace);
    expect([report.rows.region_drafts, report.rows.region_actions, report.rows.region_history]).toEqual([
      DRAWN - 1,
      DRAWN,
      DRAWN,
    ]);
    const restored = freshWorkspace();
    fs.mkdirSync(restored);
    fs.copyFileSync(report.file, workspaceDbPath(restored));
    drawn.delete(damaged);
    expect(readDrawings(restored)).toEqual(drawn);
  });
});

describe('backups of the workspace database', () => {
  const policy = { intervalMs: 60_000, keep: 3 };

  it('are due only when there is something new to protect, at most once per interval', async () => {
    const empty = freshWorkspace();
    const db = openWorkspaceDb(empty, NO_BACKUPS);
    expect(backupDue(empty, changeMark(db), policy)).toBe(false);
    db.close();

    const { workspace } = workspaceWithDrafts(20);
    const labeled = openWorkspaceDb(workspace, NO_BACKUPS);
    const mark = changeMark(labeled);
    expect(backupDue(workspace, mark, policy)).toBe(true);
    const taken = new Date('2026-12-01T10:00:00.000Z');
    expect((await backupWorkspace(workspace, workspaceDbPath(workspace), policy, taken)).ok).toBe(true);
    expect(backupDue(workspace, mark, policy, new Date('2026-12-01T11:00:00.000Z'))).toBe(false);
    new LabelStore(labeled).set(scope, shape, ['I0001'], { Label: 'Bird' }, 'annotator');
    const changed = changeMark(labeled);
    expect(changed).not.toBe(mark);
    expect(backupDue(workspace, changed, policy, new Date('2026-12-01T10:00:30.000Z'))).toBe(false);
    expect(backupDue(workspace, changed, policy, new Date('2026-12-01T10:01:00.000Z'))).toBe(true);
    labeled.close();
  });

  it('are whole, standalone, checked copies, and only the newest few are kept', async () => {
    const { workspace, written } = workspaceWithDrafts(50);
    const file = workspaceDbPath(workspace);
    const times = [1, 2, 3, 4, 5].map((minute) => new Date(`2026-12-01T10:0${minute}:00.000Z`));
    for (const time of times) {
      const outcome = await backupWorkspace(workspace, file, policy, time);
      expect(outcome).toMatchObject({ ok: true, drafts: 50 });
    }
    const backups = listBackups(workspace);
    expect(backups.map((backup) => backup.takenAt)).toEqual(times.slice(2).reverse());
    expect(fs.readdirSync(path.join(workspace, 'backups')).sort()).toEqual(
      backups.map((backup) => path.basename(backup.file)).sort(),
    );
    const restored = freshWorkspace();
    fs.mkdirSync(restored);
    fs.copyFileSync(backups[0]!.file, workspaceDbPath(restored));
    expect(readDrafts(restored)).toEqual(written);
  });

  it('refuse to copy a damaged database and keep the earlier backups', async () => {
    const { workspace } = workspaceWithDrafts();
    const file = workspaceDbPath(workspace);
    await backupWorkspace(workspace, file, policy, new Date('2026-12-01T10:00:00.000Z'));
    editPage(file, pagesOf(file, 'label_history', 'leaf')[4]!, (bytes, start, end) =>
      bytes.fill(0x33, start, end),
    );
    const outcome = await backupWorkspace(workspace, file, policy, new Date('2026-12-01T11:00:00.000Z'));
    expect(outcome.ok).toBe(false);
    expect(listBackups(workspace).map((backup) => backup.takenAt)).toEqual([
      new Date('2026-12-01T10:00:00.000Z'),
    ]);
    expect(fs.readdirSync(path.join(workspace, 'backups'))).toHaveLength(1);
  });

  it('are offered when the workspace is damaged, and put back in place keeping the damaged file', async () => {
    const { workspace, written } = workspaceWithDrafts();
    const file = workspaceDbPath(workspace);
    const taken = new Date('2026-12-01T10:00:00.000Z');
    await backupWorkspace(workspace, file, policy, taken);
    editPage(file, pagesOf(file, 'label_drafts', 'leaf')[0]!, (bytes, start, end) =>
      bytes.fill(0, start + 8, end),
    );
    const damaged = sha256(file);
    expect(refusal(workspace).message).toMatch(
      /; Satchel stopped before writing to it and kept it as it is: run "satchel workspace check" to recover what can be read, or "satchel workspace restore" to go back to the backup of 2026-12-01 10:00 UTC \(400 drafts\)\.$/,
    );
    const report = restoreWorkspaceDb(
      listBackups(workspace)[0]!.file,
      file,
      new Date('2026-12-02T08:00:00.000Z'),
    );
    expect(report.drafts).toBe(TARGETS);
    expect(report.replaced).toBe(path.join(workspace, 'replaced', 'workspace-20261202T080000000Z.sqlite'));
    expect(sha256(report.replaced!)).toBe(damaged);
    expect(readDrafts(workspace)).toEqual(written);
  });

  it('refuse to restore a damaged file and leave the workspace as it was', () => {
    const { workspace, written } = workspaceWithDrafts(30);
    const file = workspaceDbPath(workspace);
    const other = path.join(scratch.dir, `not-a-database-${counter}.sqlite`);
    fs.writeFileSync(other, 'SQLite format 3\u0000 but then nothing of the kind');
    expect(() => restoreWorkspaceDb(other, file)).toThrow(
      `${other} cannot be restored: it is damaged (file is not a database); choose another backup.`,
    );
    expect(readDrafts(workspace)).toEqual(written);
    expect(fs.existsSync(path.join(workspace, 'replaced'))).toBe(false);
  });
});
