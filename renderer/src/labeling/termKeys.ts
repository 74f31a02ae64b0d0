/**
 * Which key labels with which vocabulary term. By default a vocabulary of single digits ("0"…"9")
 * puts each digit on its own key; any other vocabulary gets 1–9 for its first nine terms. The user
 * may remap any term to any free single key. The mapping is kept per feature in localStorage.
 */

/** term name → key (a single character, letters lower-case). */
export type TermKeys = Record<string, string>;

/** Keys that already mean something while labeling, with what they do (the reason a remap is refused). */
export const RESERVED_KEYS: Record<string, string> = {
  Enter: 'next image',
  ArrowRight: 'next image',
  ArrowLeft: 'previous image',
  ArrowUp: 'moving in the grid',
  ArrowDown: 'moving in the grid',
  Backspace: 'clearing the draft',
  Delete: 'clearing the draft',
  Escape: 'closing the viewer',
  Tab: 'moving between controls',
  ' ': 'selecting in the grid',
  '?': 'the list of shortcuts',
  e: 'editing the values of a label',
  '+': 'zooming in',
  '=': 'zooming in',
  '-': 'zooming out',
  _: 'zooming out',
};

/** How the default keys are chosen for a vocabulary: its own digits, or 1–9 by position. */
export type DefaultKeyRule = 'own-digit' | 'position';

/** Terms that are all single digits label with their own digit key; pressing 1 must never set "0". */
export function defaultKeyRule(terms: readonly string[]): DefaultKeyRule {
  return terms.length > 0 && terms.every((term) => /^[0-9]$/.test(term)) ? 'own-digit' : 'position';
}

export function defaultTermKeys(terms: readonly string[]): TermKeys {
  const keys: TermKeys = {};
  if (defaultKeyRule(terms) === 'own-digit') {
    for (const term of terms) keys[term] = term;
    return keys;
  }
  terms.slice(0, 9).forEach((term, index) => {
    keys[term] = String(index + 1);
  });
  return keys;
}

/** One sentence saying how the keys of a vocabulary are laid out, for the term list and the key settings. */
export function describeKeyRule(terms: readonly string[], keys: TermKeys): string {
  const defaults = defaultTermKeys(terms);
  const isDefault =
    Object.keys(keys).length === Object.keys(defaults).length &&
    Object.entries(defaults).every(([term, key]) => keys[term] === key);
  if (!isDefault) return 'Your own key mapping (Keys… to change or reset it).';
  if (defaultKeyRule(terms) === 'own-digit') return 'Each digit key labels its own digit.';
  return terms.length > 9
    ? 'Keys 1–9 label the first nine terms; Keys… gives the others a key.'
    : `Keys 1–${terms.length} label the terms in order.`;
}

/** The key a keydown stands for in the keymap (one printable character, lower-case), or null for none. */
export function keyOfEvent(event: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}): string | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.key in RESERVED_KEYS) return event.key;
  return [...event.key].length === 1 ? event.key.toLowerCase() : null;
}

/** How a key is written in the UI. */
export function keyLabel(key: string): string {
  if (key === ' ') return 'Space';
  return key.length === 1 ? key.toUpperCase() : key;
}

export function termForKey(keys: TermKeys, key: string): string | null {
  for (const [term, bound] of Object.entries(keys)) if (bound === key) return term;
  return null;
}

export type AssignResult = { ok: true; keys: TermKeys } | { ok: false; reason: string };

/** Binds `key` to `term`; refuses reserved keys, modifiers and keys another term already has. */
export function assignTermKey(keys: TermKeys, term: string, key: string | null): AssignResult {
  if (key === null) return { ok: false, reason: 'Use a single key without Ctrl, Alt or ⌘.' };
  const reserved = RESERVED_KEYS[key];
  if (reserved) return { ok: false, reason: `${keyLabel(key)} is kept for ${reserved}.` };
  const holder = termForKey(keys, key);
  if (holder && holder !== term) return { ok: false, reason: `${keyLabel(key)} already labels ${holder}.` };
  return { ok: true, keys: { ...keys, [term]: key } };
}

export function unassignTermKey(keys: TermKeys, term: string): TermKeys {
  const next = { ...keys };
  delete next[term];
  return next;
}

/** The subset of Storage this module uses (localStorage in the app, a map in tests). */
export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const storageKey = (feature: string) => `satchel.labeling.keys.${feature}`;

/**
 * The saved mapping of a feature, keeping only terms still in the vocabulary and dropping any entry
 * that would break the rules (a reserved key, two terms on one key); the defaults when nothing is saved.
 */
export function loadTermKeys(
  storage: KeyStorage | null,
  feature: string,
  terms: readonly string[],
): TermKeys {
  let saved: unknown = null;
  try {
    const text = storage?.getItem(storageKey(feature));
    saved = text ? JSON.parse(text) : null;
  } catch {
    saved = null;
  }
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return defaultTermKeys(terms);
  let keys: TermKeys = {};
  for (const term of terms) {
    const key = (saved as Record<string, unknown>)[term];
    if (typeof key !== 'string') continue;
    const assigned = assignTermKey(keys, term, key);
    if (assigned.ok) keys = assigned.keys;
  }
  return keys;
}

export function saveTermKeys(storage: KeyStorage | null, feature: string, keys: TermKeys): void {
  try {
    storage?.setItem(storageKey(feature), JSON.stringify(keys));
  } catch {
    // A full or disabled storage only costs the remapping on the next start.
  }
}

export function resetTermKeys(
  storage: KeyStorage | null,
  feature: string,
  terms: readonly string[],
): TermKeys {
  try {
    storage?.removeItem(storageKey(feature));
  } catch {
    // As above.
  }
  return defaultTermKeys(terms);
}
