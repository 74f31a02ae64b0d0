import fs from 'node:fs';
import type { ProblemList } from './problems.js';

export interface PayloadListing {
  /** Bag-relative paths ("data/…") of everything under data/ that is not a folder or a link. */
  files: Set<string>;
  /** The regular files among them. */
  regular: Set<string>;
  /** Links found under data/, already reported as unsafe-path. */
  links: Set<string>;
  /** Regular files at the top of the bag (bagit.txt, the manifests, …), by name. */
  tagFiles: string[];
}

/**
 * Lists the bag in one recursive read of its folder, without following links: every link under data/
 * is reported and never entered.
 */
export function listBag(root: string, problems: ProblemList): PayloadListing {
  const listing: PayloadListing = { files: new Set(), regular: new Set(), links: new Set(), tagFiles: [] };
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.name !== 'data') {
      if (entry.isFile()) listing.tagFiles.push(entry.name);
    } else if (entry.isSymbolicLink()) {
      reportLink('data', listing, problems);
    } else if (entry.isDirectory()) {
      listData(root, listing, problems);
    } else {
      listing.files.add('data');
      if (entry.isFile()) listing.regular.add('data');
    }
  }
  return listing;
}

function listData(root: string, listing: PayloadListing, problems: ProblemList): void {
  const dataDir = `${root}/data`;
  // The recursive read enters folders only, never a link to one.
  const entries = fs.readdirSync(dataDir, { recursive: true, withFileTypes: true });
  // The entries of one folder come together: its bag path is worked out once.
  let parentPath = '';
  let parent = '';
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    if (entry.parentPath !== parentPath) {
      parentPath = entry.parentPath;
      parent = `data${parentPath.slice(dataDir.length).split(/[\\/]/).join('/')}`;
    }
    const relative = `${parent}/${entry.name}`;
    if (entry.isSymbolicLink()) {
      reportLink(relative, listing, problems);
    } else {
      listing.files.add(relative);
      if (entry.isFile()) listing.regular.add(relative);
    }
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

/** Whether a bag path is a link found by the walk or lies below one (checked without touching the disk). */
export function leadsThroughLink(relative: string, listing: PayloadListing): boolean {
  if (listing.links.size === 0) return false;
  if (listing.links.has(relative)) return true;
  for (const link of listing.links) if (relative.startsWith(`${link}/`)) return true;
  return false;
}
