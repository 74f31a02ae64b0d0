import type { Channel, RequestOf, ResponseOf, SatchelApi } from '../../shared/contract.js';
import { createHttpApi } from './transport/http.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    satchel?: SatchelApi;
  }
}

export const api: SatchelApi = window.satchel ?? createHttpApi();

/** Error kinds that mean the renderer cannot talk to Satchel at all (no server, not signed in). */
export const CONNECTION_ERROR_KINDS = new Set(['unreachable', 'unauthorized']);

/** A failed call, carrying main's user-facing sentence. */
export class ApiFailure extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** Calls one channel and returns its value, or throws an ApiFailure with main's sentence. */
export async function request<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = await api.call(channel, payload);
  if (!result.ok) throw new ApiFailure(result.error.kind, result.error.message);
  return result.value;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
