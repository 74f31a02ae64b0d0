import { memo, useState, type MouseEvent } from 'react';
import type { Row } from '../../../../shared/bag.js';
import type { Badge } from '../../../../shared/contract.js';
import { api } from '../../api.js';
import { stringField } from '../../data/format.js';

export const tileElementId = (index: number) => `tile-at-${index}`;

interface TileProps {
  index: number;
  row: Row | undefined;
  badges: Badge[];
  /** The user's draft label of this member (label mode), null when it has none. */
  draft: string | null;
  bagId: string;
  table: string;
  selected: boolean;
  focused: boolean;
  onPick(index: number, event: MouseEvent): void;
  onOpen(index: number): void;
}

export const Tile = memo(function Tile({
  index,
  row,
  badges,
  draft,
  bagId,
  table,
  selected,
  focused,
  onPick,
  onOpen,
}: TileProps) {
  const rid = stringField(row, 'RID');
  const className = ['tile', selected && 'selected', focused && 'focused', !rid && 'pending']
    .filter(Boolean)
    .join(' ');
  if (!rid) {
    return (
      <div
        id={tileElementId(index)}
        role="option"
        aria-selected={selected}
        aria-busy="true"
        className={className}
      />
    );
  }
  const filename = stringField(row, 'Filename');
  // The tile is named by what it shows (caption, then each badge with its feature spelled out for screen
  // readers), so a name and the visible text never disagree; the thumbnail adds nothing to it.
  return (
    <div
      id={tileElementId(index)}
      role="option"
      aria-selected={selected}
      className={className}
      data-testid={`tile-${rid}`}
      onClick={(event) => onPick(index, event)}
      onDoubleClick={() => onOpen(index)}
    >
      <Thumbnail key={rid} url={api.assetUrl('thumb', bagId, table, rid)} rid={rid} />
      <div className="tile-caption" title={filename ?? undefined}>
        <span className="rid">{rid}</span> {filename && <span className="muted">{filename}</span>}
      </div>
      <Badges badges={badges} draft={draft} />
    </div>
  );
});

function Thumbnail({ url, rid }: { url: string; rid: string }) {
  const [state, setState] = useState<'loading' | 'loaded' | 'failed'>('loading');
  return (
    <div className={`thumb ${state}`}>
      {state !== 'loaded' && (
        <span className="thumb-placeholder" aria-hidden="true">
          {state === 'failed' ? `${rid}: no thumbnail` : rid}
        </span>
      )}
      <img
        ref={dropWhenGone}
        src={url}
        alt=""
        loading="lazy"
        decoding="async"
        draggable={false}
        data-loaded={state === 'loaded' ? 'true' : undefined}
        onLoad={() => setState('loaded')}
        onError={() => setState('failed')}
      />
    </div>
  );
}

/**
 * A tile that leaves the grid before its thumbnail came: taking the src away makes the browser give
 * up the request, and the server then drops the thumbnail if it has not started on it.
 */
function dropWhenGone(img: HTMLImageElement | null): (() => void) | undefined {
  if (!img) return undefined;
  return () => {
    if (!img.complete) img.removeAttribute('src');
  };
}

const FROM_WORDS: Record<Badge['from'], string> = {
  person: ' by a person',
  model: ' by a model',
  unknown: '',
};

function Badges({ badges, draft }: { badges: Badge[]; draft: string | null }) {
  if (badges.length === 0 && draft === null) return <div className="badges" />;
  return (
    <div className="badges">
      {draft !== null && (
        <span
          className="badge draft"
          data-testid="draft-badge"
          title={`Your draft: ${draft} (not committed yet)`}
        >
          <span aria-hidden="true">✎ </span>
          <span className="visually-hidden">, your draft </span>
          <span data-testid="draft-value">{draft}</span>
        </span>
      )}
      {badges.map((badge) => (
        <span
          key={badge.feature}
          className={badge.disagreement ? 'badge disagreement' : 'badge'}
          data-testid="badge"
          data-from={badge.from}
          title={`${badge.feature}: ${badge.value}${FROM_WORDS[badge.from]} (${badge.executions} execution${badge.executions === 1 ? '' : 's'}${badge.disagreement ? ', which disagree' : ''})`}
        >
          <span className="visually-hidden">, {badge.feature} </span>
          {badge.from !== 'unknown' && (
            <span className={`badge-from ${badge.from}`} aria-hidden="true">
              {badge.from === 'model' ? 'M' : 'P'}
            </span>
          )}
          {badge.value}
          {badge.from !== 'unknown' && <span className="visually-hidden">{FROM_WORDS[badge.from]}</span>}
          {badge.disagreement && (
            <span className="disagreement-marker" data-testid="disagreement">
              <span className="visually-hidden"> (executions disagree)</span>
            </span>
          )}
        </span>
      ))}
    </div>
  );
}
