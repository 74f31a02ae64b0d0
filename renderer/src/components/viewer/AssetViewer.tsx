import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { Row } from '../../../../shared/bag.js';
import type { AssetInfo } from '../../../../shared/contract.js';
import { api } from '../../api.js';
import { formatCount, looksLikeImage, stringField } from '../../data/format.js';
import type { PagedRows } from '../../data/pagedRows.js';
import { prefetchRequest, useRequest } from '../../data/useRequest.js';
import type { Size } from '../../geometry.js';
import { hasModKey, isTyping } from '../../keymap.js';
import { useSelection } from '../../stores/selection.js';
import { useSession } from '../../stores/session.js';
import { useViewer } from '../../stores/viewer.js';
import { isRegionFeature } from '../../regions/feature.js';
import { useLabelFeature } from '../../stores/labeling.js';
import { LabelPane } from '../labeling/LabelPane.js';
import { LabelProgressBar } from '../labeling/LabelProgressBar.js';
import { FeatureFiles } from '../regions/FeatureFiles.js';
import { RaterToggles } from '../regions/RaterToggles.js';
import { RegionLayer } from '../regions/RegionLayer.js';
import { RegionPane } from '../regions/RegionPane.js';
import { useRegionImage } from '../regions/useRegionImage.js';
import { useRegionKeys } from '../regions/useRegionKeys.js';
import { AssetDetails } from './AssetDetails.js';
import { MissingFile, OtherPreview, TextPreview } from './FilePreview.js';
import { preloadImage, afterNextFrame } from './preload.js';
import { ZoomableImage } from './ZoomableImage.js';
import './viewer.css';

interface AssetViewerProps {
  source: PagedRows;
  table: string;
  elementType: string;
  /** Label mode: the work queue's RIDs (known before their rows arrive); the labeling pane replaces the labels list. */
  labeling?: { targets: string[] };
}

/**
 * Neighbours whose files are fetched ahead: one each way, three ahead while labeling (the labeler moves
 * forward, and each key fetches only the one new neighbour, so fast typing finds it decoded).
 */
const AHEAD = [1, -1];
const AHEAD_LABELING = [1, 2, 3, -1];

function recordedSize(row: Row | undefined): Size | null {
  const width = Number(row?.Width);
  const height = Number(row?.Height);
  return width > 0 && height > 0 ? { width, height } : null;
}

/** One member at a time over the grid: the file, its metadata and every label executions gave it. */
export function AssetViewer({ source, table, elementType, labeling }: AssetViewerProps) {
  const index = useViewer((state) => state.index) ?? 0;
  const show = useViewer((state) => state.show);
  const close = useViewer((state) => state.close);
  const select = useSelection((state) => state.select);
  const bagId = useSession((state) => state.bag!.bagId);
  const version = useSyncExternalStore(source.subscribe, source.getVersion);
  const dialog = useRef<HTMLDivElement>(null);

  const total = source.total ?? 0;
  const ridAt = (at: number): string | null => labeling?.targets[at] ?? stringField(source.rowAt(at), 'RID');
  const rid = ridAt(index);
  const { value: info } = useRequest('asset:info', rid ? { bagId, table, rid } : null);
  // A queue's rows may be bare RIDs (no member index): the row then comes with asset:info.
  const row = source.rowAt(index) ?? info?.row;
  const filename = stringField(row, 'Filename') ?? stringField(info?.row, 'Filename');
  const labelFeature = useLabelFeature();
  // Label mode on an asset-valued feature draws regions instead of choosing one term per image.
  const drawing = labeling && labelFeature && isRegionFeature(labelFeature.shape) ? labelFeature : null;
  // The bag's region files, masks and reports are shown while browsing and drawing; the labeler of a term
  // feature keeps its keypress path to what it needs.
  const hasFeatureFiles = useSession((state) =>
    state.features.some((feature) => feature.target === elementType && feature.assetColumns.length > 0),
  );
  const showsFiles = drawing !== null || (!labeling && hasFeatureFiles);
  useRegionImage(bagId, table, showsFiles ? rid : null, drawing?.key ?? null);
  useRegionKeys(drawing !== null);

  useEffect(() => {
    // Once this image is on screen: a key's own task only renders (React runs this effect inside it).
    // Not cancelled by the next key, so fast typing still fetches ahead; the preload cache is bounded.
    afterNextFrame(() => {
      const ahead = labeling ? AHEAD_LABELING : AHEAD;
      source.ensureRange(index + Math.min(...ahead), index + Math.max(...ahead));
      for (const step of ahead) {
        const neighbourRid =
          labeling?.targets[index + step] ?? stringField(source.rowAt(index + step), 'RID');
        if (!neighbourRid) continue;
        const neighbour = source.rowAt(index + step);
        if (labeling) {
          // The labeler shows the next image and its labels the moment a key is pressed.
          prefetchRequest('asset:info', { bagId, table, rid: neighbourRid });
          preloadImage(api.assetUrl('thumb', bagId, table, neighbourRid));
        }
        if (looksLikeImage(stringField(neighbour, 'Filename')) || (labeling && !neighbour?.Filename)) {
          preloadImage(api.assetUrl('asset', bagId, table, neighbourRid));
        }
      }
    });
  }, [index, source, version, bagId, table, labeling]);

  // The grid keeps its selection; its focus follows the member last shown. In label mode the labeler
  // owns the arrows (useLabelKeys), so every move goes through one ordered place.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (hasModKey(event) || event.altKey || isTyping(event.target)) return;
      if (event.key === 'Escape') {
        select(index, 'focus');
        close();
      } else if (labeling) return;
      else if (event.key === 'ArrowLeft' && index > 0) show(index - 1);
      else if (event.key === 'ArrowRight' && index < total - 1) show(index + 1);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [index, total, show, close, select, labeling]);

  useEffect(() => {
    const previous = document.activeElement;
    dialog.current?.focus();
    return () => {
      if (previous instanceof HTMLElement) previous.focus({ preventScroll: true });
    };
  }, []);

  const closeViewer = () => {
    select(index, 'focus');
    close();
  };

  return (
    <div
      ref={dialog}
      className="viewer"
      role="dialog"
      aria-modal="true"
      aria-label={`${elementType} ${rid ?? ''}`}
      tabIndex={-1}
      data-testid="viewer"
    >
      <header className="viewer-bar">
        <span className="rid" data-testid="viewer-rid">
          {rid ?? '…'}
        </span>
        {filename && <span className="viewer-filename">{filename}</span>}
        <span className="muted" data-testid="viewer-position">
          {formatCount(index + 1)} of {formatCount(total)}
        </span>
        {labeling && !drawing ? <LabelProgressBar /> : <span className="spacer" />}
        <button
          type="button"
          className="ghost"
          disabled={index === 0}
          onClick={() => show(index - 1)}
          title="Previous (←)"
        >
          ← Previous
        </button>
        <button
          type="button"
          className="ghost"
          disabled={index >= total - 1}
          onClick={() => show(index + 1)}
          title="Next (→)"
        >
          Next →
        </button>
        <button type="button" className="secondary" onClick={closeViewer} title="Close (Esc)">
          Close
        </button>
      </header>
      <div className="viewer-body">
        <div className="viewer-preview">
          {rid && (
            <Preview
              info={info}
              rid={rid}
              row={row}
              bagId={bagId}
              table={table}
              digitKeys={!labeling}
              drawing={drawing !== null}
            />
          )}
        </div>
        {labeling ? (
          <aside className="asset-details label-side" aria-label="Label this member" data-testid="label-pane">
            {rid &&
              (drawing ? (
                <RegionPane feature={drawing} index={index} total={total} />
              ) : (
                <LabelPane rid={rid} index={index} total={total} info={info} />
              ))}
            <AssetDetails info={info} row={row} elementType={elementType} embedded />
          </aside>
        ) : (
          <AssetDetails info={info} row={row} elementType={elementType}>
            <RaterToggles drafts={false} />
            <FeatureFiles bagId={bagId} />
          </AssetDetails>
        )}
      </div>
    </div>
  );
}

interface PreviewProps {
  info: AssetInfo | undefined;
  rid: string;
  row: Row | undefined;
  bagId: string;
  table: string;
  digitKeys: boolean;
  /** Drawing regions (label mode on an asset-valued feature), not only showing the bag's. */
  drawing: boolean;
}

/** Images start at once from the filename; other kinds wait for `asset:info` to say what the file is. */
function Preview({ info, rid, row, bagId, table, digitKeys, drawing }: PreviewProps) {
  const filename = stringField(row, 'Filename');
  const kind = info?.preview ?? (looksLikeImage(filename) ? 'image' : null);
  if (info && !info.exists) return <MissingFile info={info} />;
  if (kind === 'image') {
    return (
      <ZoomableImage
        thumbUrl={api.assetUrl('thumb', bagId, table, rid)}
        originalUrl={api.assetUrl('asset', bagId, table, rid)}
        sizeHint={recordedSize(row)}
        alt={filename ?? rid}
        digitKeys={digitKeys}
        overlay={(layer) => <RegionLayer layer={layer} editing={drawing} />}
      />
    );
  }
  if (!info) return <p className="empty">Loading…</p>;
  return kind === 'text' ? <TextPreview info={info} /> : <OtherPreview info={info} />;
}
