import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type PointerEvent,
  type ReactNode,
} from 'react';
import type { Point, Size } from '../../geometry.js';
import { useElementSize } from '../../hooks/useElementSize.js';
import { isTyping, hasModKey } from '../../keymap.js';
import { preloadedSize } from './preload.js';
import { fitView, panBy, resized, zoomAt, type View } from './zoom.js';

/** What an overlay needs to draw in image pixels: the original's size and where the image sits. */
export interface OverlayLayer {
  size: Size;
  view: View;
}

interface ZoomableImageProps {
  thumbUrl: string;
  originalUrl: string;
  /** The pixel size the bag records for the image, if any: lets the thumbnail stand in at the right size. */
  sizeHint: Size | null;
  alt: string;
  /** 0 (fit) and 1 (actual size) as keys; off in label mode, where digits set labels. */
  digitKeys?: boolean;
  /** Drawn over the image with its transform, once the original's pixel size is known (regions). */
  overlay?: (layer: OverlayLayer) => ReactNode;
}

interface Picture {
  size: Size | null;
  /** null: fit to the stage (and keep fitting when the stage resizes). */
  view: View | null;
}

const ZOOM_STEP = 1.25;

/**
 * The thumbnail at once, the original once it has been decoded off the main thread (`img.decode()`),
 * so a 10k × 10k image never blocks the UI. Zoom and pan are a CSS transform, no canvas.
 */
export function ZoomableImage({
  thumbUrl,
  originalUrl,
  sizeHint,
  alt,
  digitKeys = true,
  overlay,
}: ZoomableImageProps) {
  const [stage, setStage] = useState<HTMLDivElement | null>(null);
  const stageSize = useElementSize(stage);
  const stageSizeNow = useRef(stageSize);
  useLayoutEffect(() => {
    stageSizeNow.current = stageSize;
  }, [stageSize]);
  // A neighbour the viewer preloaded is shown full size from the first frame, with no thumbnail step.
  const [picture, setPicture] = useState<Picture>(() => ({
    size: preloadedSize(originalUrl) ?? sizeHint,
    view: null,
  }));
  const [original, setOriginal] = useState<'loading' | 'ready' | 'failed'>(() =>
    preloadedSize(originalUrl) ? 'ready' : 'loading',
  );
  // The viewer keeps this stage from member to member (its size is known, nothing is measured again):
  // another image starts over, fitted, during this very render.
  const [shownUrl, setShownUrl] = useState(originalUrl);
  if (shownUrl !== originalUrl) {
    setShownUrl(originalUrl);
    setPicture({ size: preloadedSize(originalUrl) ?? sizeHint, view: null });
    setOriginal(preloadedSize(originalUrl) ? 'ready' : 'loading');
  }
  const dragFrom = useRef<Point | null>(null);

  const adoptSize = useCallback(
    (size: Size) =>
      setPicture((current) => {
        if (current.size?.width === size.width && current.size.height === size.height) return current;
        return {
          size,
          view: current.view && current.size ? resized(current.view, current.size, size) : current.view,
        };
      }),
    [],
  );

  const changeView = useCallback(
    (change: (view: View) => View) =>
      setPicture((current) => {
        if (!current.size || stageSizeNow.current.width === 0) return current;
        return { ...current, view: change(current.view ?? fitView(current.size, stageSizeNow.current)) };
      }),
    [],
  );

  const zoomAtCentre = useCallback(
    (factor: (view: View) => number) => {
      const { width, height } = stageSizeNow.current;
      changeView((view) => zoomAt(view, factor(view), { x: width / 2, y: height / 2 }));
    },
    [changeView],
  );
  const fit = useCallback(() => setPicture((current) => ({ ...current, view: null })), []);
  const zoomIn = useCallback(() => zoomAtCentre(() => ZOOM_STEP), [zoomAtCentre]);
  const zoomOut = useCallback(() => zoomAtCentre(() => 1 / ZOOM_STEP), [zoomAtCentre]);
  const actualSize = useCallback(() => zoomAtCentre((view) => 1 / view.scale), [zoomAtCentre]);

  useEffect(() => {
    const preloaded = preloadedSize(originalUrl);
    if (preloaded) {
      // Decoded ahead (the labeler's next image): nothing to load again.
      adoptSize(preloaded);
      setOriginal('ready');
      return;
    }
    let current = true;
    const image = new Image();
    image.src = originalUrl;
    image.decode().then(
      () => {
        if (!current) return;
        adoptSize({ width: image.naturalWidth, height: image.naturalHeight });
        setOriginal('ready');
      },
      () => current && setOriginal('failed'),
    );
    return () => {
      current = false;
    };
  }, [originalUrl, adoptSize]);

  useEffect(() => {
    const keys: Record<string, () => void> = {
      '+': zoomIn,
      '=': zoomIn,
      '-': zoomOut,
      _: zoomOut,
      ...(digitKeys ? { '0': fit, '1': actualSize } : {}),
    };
    const onKey = (event: KeyboardEvent) => {
      const action = keys[event.key];
      if (!action || hasModKey(event) || event.altKey || isTyping(event.target)) return;
      event.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [zoomIn, zoomOut, fit, actualSize, digitKeys]);

  // React's wheel listener is passive; zooming must stop the page (and Ctrl+wheel browser zoom) instead.
  useEffect(() => {
    if (!stage) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = stage.getBoundingClientRect();
      const pixels = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? event.deltaY * 16 : event.deltaY;
      const at = { x: event.clientX - box.left, y: event.clientY - box.top };
      changeView((view) => zoomAt(view, Math.exp(-pixels * 0.002), at));
    };
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => stage.removeEventListener('wheel', onWheel);
  }, [stage, changeView]);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    dragFrom.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const from = dragFrom.current;
    if (!from) return;
    dragFrom.current = { x: event.clientX, y: event.clientY };
    changeView((view) => panBy(view, event.clientX - from.x, event.clientY - from.y));
  };
  const endDrag = () => {
    dragFrom.current = null;
  };

  const { size } = picture;
  const view = size && stageSize.width > 0 ? (picture.view ?? fitView(size, stageSize)) : null;
  // The thumbnail alone has its own pixel size: an overlay waits for the original's (or the bag's record of it).
  const originalSize = original === 'ready' ? size : sizeHint;
  return (
    <div className="zoomable">
      <div
        ref={setStage}
        className="stage"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
      >
        <img
          // A new element per image: never a frame of the previous image under the next one's name.
          key={originalUrl}
          className={view && view.scale >= 3 ? 'stage-image pixelated' : 'stage-image'}
          src={original === 'ready' ? originalUrl : thumbUrl}
          alt={alt}
          draggable={false}
          data-testid="viewer-image"
          data-original={original === 'ready'}
          // Element Timing: when each image was first painted (the labeling benchmark reads it).
          {...{ elementtiming: 'viewer-image' }}
          onLoad={(event) => {
            if (!size)
              adoptSize({
                width: event.currentTarget.naturalWidth,
                height: event.currentTarget.naturalHeight,
              });
          }}
          style={
            view && size
              ? {
                  width: size.width,
                  height: size.height,
                  transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
                }
              : { visibility: 'hidden' }
          }
        />
        {overlay &&
          view &&
          size &&
          originalSize?.width === size.width &&
          originalSize.height === size.height &&
          overlay({ size, view })}
      </div>
      <div className="zoom-bar" role="toolbar" aria-label="Zoom">
        <button type="button" className="ghost" onClick={zoomOut} aria-label="Zoom out" title="Zoom out (-)">
          −
        </button>
        <output className="zoom-level" data-testid="zoom-level" aria-label="Zoom level">
          {view ? `${Math.round(view.scale * 100)}%` : '–'}
        </output>
        <button type="button" className="ghost" onClick={zoomIn} aria-label="Zoom in" title="Zoom in (+)">
          +
        </button>
        <button type="button" className="ghost" onClick={fit} title="Fit to the window (0)">
          Fit
        </button>
        <button type="button" className="ghost" onClick={actualSize} title="Actual size (1)">
          1:1
        </button>
        {original === 'loading' && <span className="muted small">Loading the full image…</span>}
        {original === 'failed' && (
          <span className="warn small">The full image could not be decoded; this is the thumbnail.</span>
        )}
      </div>
    </div>
  );
}
