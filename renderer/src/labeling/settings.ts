import type { KeyStorage } from './termKeys.js';

/** How the labeler behaves; kept in localStorage between sessions. */
export interface LabelSettings {
  /** Move to the next image once a term is set. */
  advance: boolean;
  /** Open the values form after every term key (for features with optional value columns such as Confidence). */
  askValues: boolean;
}

export const DEFAULT_SETTINGS: LabelSettings = { advance: true, askValues: false };

const SETTINGS_KEY = 'satchel.labeling.settings';
const FEATURE_KEY = 'satchel.labeling.feature';

/** localStorage, or null where it is unavailable (then nothing persists). */
export function browserStorage(): KeyStorage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function loadSettings(storage: KeyStorage | null): LabelSettings {
  try {
    const saved = JSON.parse(storage?.getItem(SETTINGS_KEY) ?? 'null') as Partial<LabelSettings> | null;
    return {
      advance: typeof saved?.advance === 'boolean' ? saved.advance : DEFAULT_SETTINGS.advance,
      askValues: typeof saved?.askValues === 'boolean' ? saved.askValues : DEFAULT_SETTINGS.askValues,
    };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function saveSettings(storage: KeyStorage | null, settings: LabelSettings): void {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Settings that cannot be saved still apply to this session.
  }
}

export function loadLastFeature(storage: KeyStorage | null): string | null {
  try {
    return storage?.getItem(FEATURE_KEY) ?? null;
  } catch {
    return null;
  }
}

export function saveLastFeature(storage: KeyStorage | null, feature: string): void {
  try {
    storage?.setItem(FEATURE_KEY, feature);
  } catch {
    // As above.
  }
}
