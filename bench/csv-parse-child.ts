/**
 * `node dist/bench/csv-parse-child.js FILE`: reads one CSV with Satchel's reader in a fresh process (a
 * cold V8, as each import starts) and prints one JSON line: wall and CPU milliseconds, and records.
 */
import { readCsvFile } from '../main/core/bag/csv.js';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: csv-parse-child.js FILE');
let records = 0;
const started = performance.now();
const cpu = process.cpuUsage();
readCsvFile(file, file, () => {
  records++;
});
const used = process.cpuUsage(cpu);
const cpuMs = (used.user + used.system) / 1000;
console.log(JSON.stringify({ ms: performance.now() - started, cpuMs, records }));
