import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLabelme } from '../../main/core/regions/index.js';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

const KILLS = 40;
const scratch = temporaryDirectory('satchel-regions-crash-');
afterAll(() => scratch.cleanup());
const regionFile = (sha256: string) =>
  path.join(scratch.dir, 'regions', sha256.slice(0, 2), `${sha256}.json`);

/** Starts a drawer, lets it acknowledge a random number of saves, then SIGKILLs it. */
function runAndKill(generation: number, acked: Map<string, number>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'test', 'support', 'crash-drawer.mjs'), scratch.dir, String(generation)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const killAfter = 1 + Math.floor(Math.random() * 30);
    let seen = 0;
    let buffer = '';
    let errors = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [, target, seq] = line.split(' ');
        acked.set(target!, Number(seq));
        if (++seen === killAfter) setImmediate(() => child.kill('SIGKILL'));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL')
        reject(new Error(`drawer ${generation} ended without being killed: ${errors}`));
      else resolve();
    });
  });
}

describe('crash safety of the region drafts', () => {
  it(`keeps every acknowledged drawing, whole, through ${KILLS} SIGKILLs`, async () => {
    expect(fs.existsSync(path.join(repoRoot, 'dist', 'main', 'core', 'regions', 'index.js'))).toBe(true);
    const acked = new Map<string, number>();
    for (let generation = 1; generation <= KILLS; generation++) await runAndKill(generation, acked);
    const db = openWorkspaceDb(scratch.dir);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const drafts = db
        .prepare(`SELECT target, sha256, shapes FROM region_drafts WHERE bag_rid = 'CRASH'`)
        .all() as { target: string; sha256: string; shapes: number }[];
      const stored = new Map(
        drafts.map((draft) => {
          // Every file a draft names is there and whole.
          const file = parseLabelme(fs.readFileSync(regionFile(draft.sha256)), regionFile(draft.sha256));
          expect(file.regions).toHaveLength(draft.shapes);
          return [draft.target, Number(file.regions[1]!.label)];
        }),
      );
      expect(acked.size).toBeGreaterThan(0);
      for (const [target, seq] of acked) {
        // A drawing saved but killed before its acknowledgement may be newer; never older.
        expect(stored.get(target), target).toBeGreaterThanOrEqual(seq);
      }
      // Undo can always go back: every file the history names exists.
      const named = db
        .prepare('SELECT new_sha256 FROM region_history WHERE new_sha256 IS NOT NULL')
        .pluck()
        .all() as string[];
      expect(named.length).toBeGreaterThanOrEqual(acked.size);
      for (const sha256 of new Set(named)) expect(fs.existsSync(regionFile(sha256)), sha256).toBe(true);
      // The store holds drawings named by their hash, and at most temporary files a kill abandoned (never read).
      const shards = fs.readdirSync(path.join(scratch.dir, 'regions'));
      const names = shards.flatMap((shard) => fs.readdirSync(path.join(scratch.dir, 'regions', shard)));
      expect(names.filter((name) => !/^[0-9a-f]{64}\.json$/.test(name) && !name.endsWith('.tmp'))).toEqual(
        [],
      );
    } finally {
      db.close();
    }
  }, 180_000);
});
