import { create } from 'zustand';
import type { EventMap } from '../../../shared/contract.js';
import { api } from '../api.js';

export type Progress = EventMap['progress'];
export type ProgressTask = Progress['task'];

interface ProgressStore {
  byTask: Partial<Record<ProgressTask, Progress>>;
  clear(task: ProgressTask): void;
}

/** The latest progress event of each long task (open, verify, sample). */
export const useProgress = create<ProgressStore>((set) => ({
  byTask: {},
  clear: (task) => set((state) => ({ byTask: { ...state.byTask, [task]: undefined } })),
}));

export function listenForProgress(): () => void {
  return api.on('progress', (progress) =>
    useProgress.setState((state) => ({ byTask: { ...state.byTask, [progress.task]: progress } })),
  );
}
