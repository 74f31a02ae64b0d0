import { useEffect } from 'react';
import { useRegions } from '../../stores/regions/index.js';

/**
 * Tells the regions store which image the viewer shows (and which feature is being drawn, if any), so
 * its drawing and the bag's feature files are read; forgets it when the viewer closes.
 */
export function useRegionImage(
  bagId: string,
  table: string,
  rid: string | null,
  feature: string | null,
): void {
  useEffect(() => {
    useRegions.getState().showImage(rid ? { bagId, table, target: rid, feature } : null);
  }, [bagId, table, rid, feature]);
  useEffect(() => () => useRegions.getState().showImage(null), []);
}
