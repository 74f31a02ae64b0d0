/**
 * Events the shell sends to the renderer besides the host's progress events. They belong in
 * EventMap in shared/contract.ts (`'open-bag': { path: string }`, `'show-shortcuts': {}`).
 */
export const OPEN_BAG_EVENT = 'open-bag';
export const SHOW_SHORTCUTS_EVENT = 'show-shortcuts';
