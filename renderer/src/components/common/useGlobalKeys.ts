import { useEffect } from 'react';
import { hasModKey, isTyping } from '../../keymap.js';
import { chooseAndOpenBag } from '../../openActions.js';

/** `?` toggles the shortcut overlay, Ctrl/⌘ O opens a bag, from anywhere but a text field. */
export function useGlobalKeys(toggleShortcuts: () => void): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (hasModKey(event) && event.key.toLowerCase() === 'o') {
        event.preventDefault();
        void chooseAndOpenBag();
      } else if (event.key === '?' && !isTyping(event.target)) {
        event.preventDefault();
        toggleShortcuts();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggleShortcuts]);
}
