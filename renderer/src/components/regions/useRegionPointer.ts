import { useRef, type MouseEvent, type PointerEvent } from 'react';
import type { DrawnRegion, RegionPoint } from '../../../../shared/regions.js';
import { closesPolygon } from '../../regions/drawing.js';
import { handleAt, moveHandle, regionAt, stageToImage, translateRegion } from '../../regions/geometry.js';
import { useRegions } from '../../stores/regions/index.js';
import type { OverlayLayer } from '../viewer/ZoomableImage.js';

/** How close (screen pixels) a click must be to a point, a vertex or an edge to grab it. */
const GRAB_PX = 7;
/** A press and release farther apart than this (screen pixels) is a drag, not a click. */
const DRAG_PX = 4;

type Gesture =
  | { kind: 'draw'; start: RegionPoint; clientX: number; clientY: number }
  | { kind: 'move'; index: number; start: RegionPoint; region: DrawnRegion }
  | { kind: 'reshape'; index: number; handle: number };

/**
 * The mouse on the drawing: with a tool armed, a press places a point (a rectangle is a drag, or two
 * clicks; a polygon closes on its first vertex or a double-click); without, a press on a region selects
 * and moves it, on a handle of the selected region reshapes it, and anywhere else lets the image pan.
 */
export function useRegionPointer(svg: SVGSVGElement | null, layer: OverlayLayer, editing: boolean) {
  const gesture = useRef<Gesture | null>(null);
  const { size, view } = layer;

  const locate = (event: { clientX: number; clientY: number }) => {
    const box = svg!.getBoundingClientRect();
    const at = stageToImage(view, event.clientX - box.left, event.clientY - box.top);
    return { at, tolerance: GRAB_PX / view.scale };
  };

  const take = (event: PointerEvent<SVGSVGElement>, next: Gesture) => {
    event.stopPropagation();
    event.currentTarget.setPointerCapture(event.pointerId);
    gesture.current = next;
  };

  const onPointerDown = (event: PointerEvent<SVGSVGElement>) => {
    if (!editing || !svg || event.button !== 0) return;
    const { at, tolerance } = locate(event);
    const state = useRegions.getState();
    if (state.tool) {
      if (closesPolygon({ tool: state.tool, points: state.placed }, at, tolerance)) {
        event.stopPropagation();
        state.closePolygon();
        return;
      }
      state.place(at);
      take(event, { kind: 'draw', start: at, clientX: event.clientX, clientY: event.clientY });
      return;
    }
    const selected = state.selected === null ? undefined : state.regions[state.selected];
    const handle = selected ? handleAt(selected, at, tolerance) : null;
    if (handle !== null && state.selected !== null) {
      take(event, { kind: 'reshape', index: state.selected, handle });
      return;
    }
    const hit = regionAt(state.regions, at, tolerance);
    if (hit !== null) {
      state.select(hit);
      take(event, { kind: 'move', index: hit, start: at, region: state.regions[hit]! });
      return;
    }
    state.select(null);
  };

  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    if (!editing || !svg) return;
    const state = useRegions.getState();
    const current = gesture.current;
    if (!current && !state.tool) return;
    const { at } = locate(event);
    if (state.tool) state.pointTo(at);
    if (current?.kind === 'move') {
      const moved = translateRegion(current.region, at[0] - current.start[0], at[1] - current.start[1], size);
      state.drag(current.index, moved);
    } else if (current?.kind === 'reshape') {
      const region = state.regions[current.index];
      if (region) state.drag(current.index, moveHandle(region, current.handle, at, size));
    }
  };

  const onPointerUp = (event: PointerEvent<SVGSVGElement>) => {
    const current = gesture.current;
    gesture.current = null;
    if (!current || !svg) return;
    const state = useRegions.getState();
    if (current.kind === 'draw') {
      const dragged = Math.hypot(event.clientX - current.clientX, event.clientY - current.clientY) >= DRAG_PX;
      // A rectangle dragged out is finished where the button comes up.
      if (dragged && state.tool === 'rectangle' && state.placed.length === 1) state.place(locate(event).at);
    } else state.endDrag(current.kind);
  };

  const onDoubleClick = (event: MouseEvent<SVGSVGElement>) => {
    if (!editing || useRegions.getState().tool !== 'polygon') return;
    event.stopPropagation();
    useRegions.getState().closePolygon();
  };

  return { onPointerDown, onPointerMove, onPointerUp, onPointerCancel: onPointerUp, onDoubleClick };
}
