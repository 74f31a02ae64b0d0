import { assetPath } from '../../../shared/contract.js';
import type {
  ApiError,
  ApiResult,
  Channel,
  EventMap,
  EventName,
  SatchelApi,
} from '../../../shared/contract.js';

type Listener<E extends EventName> = (payload: EventMap[E]) => void;

function failure(kind: string, message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { kind, message } };
}

function isApiResult(value: unknown): value is { ok: boolean } {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** Server-sent progress events from `/events`, one EventSource shared by every listener. */
class ServerEvents {
  private source: EventSource | null = null;
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
      this.connect().addEventListener(event, (message) => this.dispatch(event, message));
    }
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  private connect(): EventSource {
    this.source ??= new EventSource('/events');
    return this.source;
  }

  private dispatch(event: EventName, message: MessageEvent<string>): void {
    let payload: EventMap[EventName];
    try {
      payload = JSON.parse(message.data) as EventMap[EventName];
    } catch {
      return;
    }
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }
}

/** Asks the server for the bag it was started with (`GET /api/startup`) and hands its path on. */
async function announceStartupBag(listener: Listener<'open-bag'>): Promise<void> {
  try {
    const response = await fetch('/api/startup', { credentials: 'same-origin' });
    const body = (await readJson(response)) as { bag?: { path?: unknown } | null } | null;
    const path = body?.bag?.path;
    if (typeof path === 'string') listener({ path });
  } catch {
    // No startup bag to open: the library shows as usual.
  }
}

/** Browser mode: the contract over same-origin HTTP (`POST /api/<channel>`); the server set the auth cookie. */
export function createHttpApi(): SatchelApi {
  const events = new ServerEvents();
  return {
    transport: 'browser',
    async call<C extends Channel>(channel: C, request: unknown): Promise<ApiResult<C>> {
      let response: Response;
      try {
        response = await fetch(`/api/${channel}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
        });
      } catch {
        return failure('unreachable', 'Satchel is not answering. Is satchel serve still running?');
      }
      const body = await readJson(response);
      if (isApiResult(body)) return body as ApiResult<C>;
      if (response.status === 401 || response.status === 403) {
        return failure(
          'unauthorized',
          'This page is not signed in to Satchel. Open the address that satchel serve printed.',
        );
      }
      return failure(
        'unreachable',
        `The server at this address answered ${response.status} ${response.statusText} instead of a Satchel result. Is this the address that satchel serve printed?`,
      );
    },
    on: (event, listener) => {
      // The bag named on `satchel serve BAG` reaches the page like a bag the desktop shell asks to open.
      if (event === 'open-bag') void announceStartupBag(listener as Listener<'open-bag'>);
      return events.on(event, listener);
    },
    assetUrl: (kind, bag, table, rid) => assetPath(kind, bag, table, rid),
    chooseBag: () => Promise.resolve(null),
  };
}
