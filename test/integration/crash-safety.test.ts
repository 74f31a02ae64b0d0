import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

const KILLS = 120;
const scratch = temporaryDirectory();
afterAll(() => scratch.cleanup());

/** Starts a labeler, lets it run until it has acknowledged a random number of labels, then SIGKILLs it. */
function runAndKill(generation: number, acked: Map<string, number>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'test', 'support', 'crash-labeler.mjs'), scratch.dir, String(generation)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const killAfter = 1 + Math.floor(Math.random() * 40);
    let seen = 0;
    let buffer = '';
    let errors = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [, targets, seq] = line.split(' ');
        for (const target of targets!.split(',')) acked.set(`I${target}`, Number(seq));
        seen++;
        // Kill at a random moment: right away, or after a random sub-millisecond spin.
        if (seen === killAfter) setImmediate(() => child.kill('SIGKILL'));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL')
        reject(new Error(`labeler ${generation} ended without being killed: ${errors}`));
      else resolve();
    });
  });
}

describe('crash safety of the drafts store', () => {
  it(`keeps every acknowledged label through ${KILLS} SIGKILLs`, async () => {
    expect(fs.existsSync(path.join(repoRoot, 'dist', 'main', 'core', 'labels', 'index.js'))).toBe(true);
    const acked = new Map<string, number>();
    for (let generation = 1; generation <= KILLS; generation++) await runAndKill(generation, acked);
    const db = openWorkspaceDb(scratch.dir);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Map(
        (
          db.prepare(`SELECT target, "values" FROM label_drafts WHERE bag_rid = 'CRASH'`).all() as {
            target: string;
            values: string;
          }[]
        ).map((row) => [row.target, (JSON.parse(row.values) as { Score: number }).Score]),
      );
      expect(acked.size).toBeGreaterThan(0);
      for (const [target, seq] of acked) {
        // A label written but killed before its acknowledgement may be newer; never older.
        expect(stored.get(target), target).toBeGreaterThanOrEqual(seq);
      }
      const history = db.prepare(`SELECT count(*) FROM label_history`).pluck().get() as number;
      expect(history).toBeGreaterThanOrEqual([...acked.values()].length);
    } finally {
      db.close();
    }
  }, 180_000);
});
