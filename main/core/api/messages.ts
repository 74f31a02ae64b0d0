import type { ApiResult, AssetUrlKind, Channel, EventMap, EventName } from '../../../shared/contract.js';
import type { AssetFile } from './api.js';

/** Messages between the API host (caller's thread) and its worker thread. */

export type HostToWorker =
  | { type: 'handle'; id: number; channel: string; raw: unknown }
  | { type: 'asset-file'; id: number; kind: AssetUrlKind; bagId: string; table: string; rid: string }
  /** The asset-file request `id` is no longer wanted (its tile left the screen). */
  | { type: 'asset-abort'; id: number }
  | { type: 'close'; id: number };

export type WorkerToHost =
  | { type: 'ready' }
  /** createApi failed: `kind` is set when it was a SatchelError (e.g. a workspace from a newer Satchel). */
  | { type: 'failed'; kind: string | null; message: string }
  | { type: 'result'; id: number; result: ApiResult<Channel> }
  | { type: 'asset-file'; id: number; file: AssetFile | null }
  | { type: 'closed'; id: number }
  | { type: 'event'; name: EventName; payload: EventMap[EventName] };

export interface WorkerOptions {
  workspace: string;
  homeDir?: string;
}
