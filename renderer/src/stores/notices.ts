import { create } from 'zustand';
import { ApiFailure, CONNECTION_ERROR_KINDS, errorMessage } from '../api.js';
import { useConnection } from './connection.js';

export interface Notice {
  id: number;
  message: string;
}

interface NoticeStore {
  errors: Notice[];
  report(error: unknown): void;
  dismiss(id: number): void;
}

let nextId = 1;

/** Error sentences shown in the dismissible banner. */
export const useNotices = create<NoticeStore>((set) => ({
  errors: [],
  report: (error) =>
    set((state) => {
      const message = errorMessage(error);
      if (state.errors.some((notice) => notice.message === message)) return state;
      return { errors: [...state.errors, { id: nextId++, message }] };
    }),
  dismiss: (id) => set((state) => ({ errors: state.errors.filter((notice) => notice.id !== id) })),
}));

/** Shows an error: a lost connection replaces the screen, anything else goes to the banner. */
export function reportError(error: unknown): void {
  if (error instanceof ApiFailure && CONNECTION_ERROR_KINDS.has(error.kind)) {
    useConnection.getState().setProblem(error.message);
  } else {
    useNotices.getState().report(error);
  }
}
