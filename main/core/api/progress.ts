import type { EventMap } from '../../../shared/contract.js';

type Progress = EventMap['progress'];

const INTERVAL_MS = 100;

/**
 * Forwards progress at most every 100 ms, plus every phase change and the end of each phase, so a
 * zip of 100 000 entries does not flood the renderer with events.
 */
export function throttledProgress(send: (progress: Progress) => void): (progress: Progress) => void {
  let lastSent = 0;
  let lastPhase = '';
  return (progress) => {
    const now = Date.now();
    const finished = progress.total > 0 && progress.done >= progress.total;
    if (progress.phase !== lastPhase || finished || now - lastSent >= INTERVAL_MS) {
      lastSent = now;
      lastPhase = progress.phase;
      send(progress);
    }
  };
}
