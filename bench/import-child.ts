/**
 * `node dist/bench/import-child.js BAG WORKSPACE`: opens the bag on a workspace without its database
 * (so it is imported), in a process of its own so its peak memory is the import's, and prints one JSON
 * line: seconds, CPU seconds (every thread of the process), peak RSS in bytes, the database and the
 * CSV reader that built it.
 */
import Database from 'better-sqlite3';
import { openBag } from '../main/core/bag/index.js';

const [bagDir, workspace] = process.argv.slice(2);
if (!bagDir || !workspace) throw new Error('usage: import-child.js BAG WORKSPACE');
const started = performance.now();
const cpu = process.cpuUsage();
const bag = await openBag(bagDir, { workspace });
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
bag.close();
const db = new Database(bag.identity.databasePath, { readonly: true });
const reader = db.prepare("SELECT value FROM satchel_meta WHERE key = 'csv_reader'").pluck().get();
db.close();
console.log(
  JSON.stringify({
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    databasePath: bag.identity.databasePath,
    reader,
  }),
);
