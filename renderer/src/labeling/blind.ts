import type { Badge } from '../../../shared/contract.js';
import { peopleLabeled, type RaterInfo } from '../../../shared/raters.js';
import type { KeyStorage } from './termKeys.js';

/**
 * Blind labeling: the labeler hides what other executions said about an image (their terms, confidences,
 * disagreement) until the user has labeled it, so the agreement Satchel reports is not the user copying
 * the model. It is per feature, on by default where people already labeled the feature (a second
 * opinion is being collected), and the user's choice is kept in localStorage.
 */

const STORAGE_KEY = 'satchel.labeling.blind';

/** The user's explicit choices per feature key; features absent follow the default. */
export function blindChoices(storage: KeyStorage | null): Record<string, boolean> {
  try {
    const saved: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null');
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return {};
    return Object.fromEntries(
      Object.entries(saved as Record<string, unknown>).filter(
        (entry): entry is [string, boolean] => typeof entry[1] === 'boolean',
      ),
    );
  } catch {
    return {};
  }
}

export function saveBlindChoice(storage: KeyStorage | null, feature: string, blind: boolean): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify({ ...blindChoices(storage), [feature]: blind }));
  } catch {
    // The choice still holds for this session.
  }
}

export function isBlind(
  choices: Record<string, boolean>,
  raters: readonly RaterInfo[],
  feature: string,
): boolean {
  return choices[feature] ?? peopleLabeled(raters, feature);
}

/** Whether other executions' values of an image are hidden: blind, and the user has no draft of it (yet, or known). */
export function hidesOthers(blind: boolean, hasDraft: boolean | undefined): boolean {
  return blind && hasDraft !== true;
}

/** A tile's badges with the labeled feature's taken away while it is hidden. */
export function visibleBadges(badges: Badge[], featureName: string, hidden: boolean): Badge[] {
  return hidden ? badges.filter((badge) => badge.feature !== featureName) : badges;
}
