import fs from 'node:fs';
import path from 'node:path';
import type { UiState } from '../../../shared/contract.js';
import { uiState } from '../../../shared/requests.js';
import { writeFileAtomic } from '../common/index.js';

const FILE = 'ui-state.json';
const EMPTY: UiState = { bag: null };

/**
 * Where the user was (bag, dataset, section, browse or label mode), so a reload or a restart opens there
 * again. A small JSON file in the workspace, written whole (temporary file, then rename); a missing or
 * unreadable file is simply no saved place.
 */
export class UiStateFile {
  private readonly file: string;

  constructor(workspace: string) {
    this.file = path.join(workspace, FILE);
  }

  read(): UiState {
    try {
      const parsed = uiState.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : EMPTY;
    } catch {
      return EMPTY;
    }
  }

  save(state: UiState): UiState {
    writeFileAtomic(this.file, `${JSON.stringify(state)}\n`);
    return state;
  }
}
