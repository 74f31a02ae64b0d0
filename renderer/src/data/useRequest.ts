import { useEffect, useState } from 'react';
import type { Channel, RequestOf, ResponseOf } from '../../../shared/contract.js';
import { errorMessage, request } from '../api.js';
import { reportError } from '../stores/notices.js';

/** Answers by channel and request. A bag's database is read-only after import, so answers stay true. */
const answers = new Map<string, unknown>();
const MAX_ANSWERS = 300;

/** Requests on their way, so components asking the same question at once share one call. */
const inflight = new Map<string, Promise<unknown>>();

function ask<C extends Channel>(key: string, channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> {
  let pending = inflight.get(key) as Promise<ResponseOf<C>> | undefined;
  if (!pending) {
    pending = request(channel, payload).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

function remember(key: string, value: unknown): void {
  answers.set(key, value);
  if (answers.size > MAX_ANSWERS) answers.delete(answers.keys().next().value!);
}

interface RequestState<C extends Channel> {
  value: ResponseOf<C> | undefined;
  error: string | null;
}

/** Calls a read-only channel for the component (null: nothing to ask yet); answers to stale requests are dropped. */
export function useRequest<C extends Channel>(channel: C, payload: RequestOf<C> | null): RequestState<C> {
  const key = payload ? `${channel} ${JSON.stringify(payload)}` : null;
  const [answer, setAnswer] = useState<{ key: string; value?: ResponseOf<C>; error?: string } | null>(null);

  // An answer known already (the labeler's prefetched next image) is taken during this render, not by
  // an effect and a second render; held in state too, so it stays on screen after the cache lets it go.
  if (key && answers.has(key) && answer?.key !== key)
    setAnswer({ key, value: answers.get(key) as ResponseOf<C> });

  useEffect(() => {
    if (!key || !payload || answers.has(key)) return;
    let current = true;
    ask(key, channel, payload).then(
      (value) => {
        remember(key, value);
        if (current) setAnswer({ key, value });
      },
      (error: unknown) => {
        if (!current) return;
        reportError(error);
        setAnswer({ key, error: errorMessage(error) });
      },
    );
    return () => {
      current = false;
    };
    // The key stands for the channel and the payload, whose object identity changes every render.
  }, [key]);

  if (!key) return { value: undefined, error: null };
  if (answers.has(key)) return { value: answers.get(key) as ResponseOf<C>, error: null };
  return answer?.key === key
    ? { value: answer.value, error: answer.error ?? null }
    : { value: undefined, error: null };
}

/** Asks a read-only channel ahead of time (the labeler's next image), so useRequest answers at once later. */
export function prefetchRequest<C extends Channel>(channel: C, payload: RequestOf<C>): void {
  const key = `${channel} ${JSON.stringify(payload)}`;
  if (answers.has(key) || inflight.has(key)) return;
  ask(key, channel, payload).then(
    (value) => remember(key, value),
    () => undefined,
  );
}
