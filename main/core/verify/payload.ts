import fs from 'node:fs';
import path from 'node:path';
import type { ProblemList } from './problems.js';

export interface PayloadListing {
  /** Bag-relative paths ("data/…") of everything under data/ that is not a folder or a link. */
  files: Set<string>;
  /** Links found under data/, already reported as unsafe-path. */
  links: Set<string>;
}

/** Walks data/ without following links; every link is reported and never entered. */
export async function listPayload(root: string, problems: ProblemList): Promise<PayloadListing> {
  const listing: PayloadListing = { files: new Set(), links: new Set() };
  const dataStats = await lstatOrNull(path.join(root, 'data'));
  if (dataStats === null) return listing;
  if (dataStats.isSymbolicLink()) reportLink('data', listing, problems);
  else if (dataStats.isDirectory()) await walk(root, 'data', listing, problems);
  else listing.files.add('data');
  return listing;
}

async function walk(
  root: string,
  relativeDir: string,
  listing: PayloadListing,
  problems: ProblemList,
): Promise<void> {
  const entries = await fs.promises.readdir(path.join(root, relativeDir), { withFileTypes: true });
  for (const entry of entries) {
    const relative = `${relativeDir}/${entry.name}`;
    if (entry.isSymbolicLink()) reportLink(relative, listing, problems);
    else if (entry.isDirectory()) await walk(root, relative, listing, problems);
    else listing.files.add(relative);
  }
}

function reportLink(relative: string, listing: PayloadListing, problems: ProblemList): void {
  listing.links.add(relative);
  problems.add(
    relative,
    'unsafe-path',
    `${relative} is a symbolic link; Satchel never follows links inside a bag.`,
  );
}

async function lstatOrNull(file: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Whether a bag path is a link found by the walk or lies below one (checked without touching the disk). */
export function leadsThroughLink(relative: string, listing: PayloadListing): boolean {
  if (listing.links.has(relative)) return true;
  for (const link of listing.links) if (relative.startsWith(`${link}/`)) return true;
  return false;
}
