import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';

const FIXED_TIME = new Date(1980, 0, 1);

/**
 * Zips a bag folder as a reproducible archive: the folder itself as the top entry, directory entries
 * included, entries sorted, every time stamp fixed at 1980-01-01.
 */
export async function zipFolder(folder: string, zipFile: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const top = path.basename(folder);
  const walk = (relative: string) => {
    const entries = fs
      .readdirSync(path.join(folder, relative), { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        zip.addEmptyDirectory(`${top}/${child}/`, { mtime: FIXED_TIME });
        walk(child);
      } else
        zip.addBuffer(fs.readFileSync(path.join(folder, child)), `${top}/${child}`, {
          mtime: FIXED_TIME,
          mode: 0o644,
        });
    }
  };
  zip.addEmptyDirectory(`${top}/`, { mtime: FIXED_TIME });
  walk('');
  zip.end();
  const partial = `${zipFile}.partial`;
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(partial)).on('close', resolve).on('error', reject);
  });
  fs.renameSync(partial, zipFile);
}
