import { useCallback, useDeferredValue, useEffect, useState } from 'react';
import { elementTypeTable } from '../../data/bagModel.js';
import type { Badge } from '../../../../shared/contract.js';
import { hidesOthers, visibleBadges } from '../../labeling/blind.js';
import { draftText } from '../../labeling/recordForm.js';
import { useBlind, useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';
import { useViewer } from '../../stores/viewer.js';
import { FilteredGrid } from '../grid/FilteredGrid.js';
import { ThumbnailGrid } from '../grid/ThumbnailGrid.js';
import { AgreementView } from '../labeling/AgreementView.js';
import { LabelBar } from '../labeling/LabelBar.js';
import { LabelingLayer } from '../labeling/LabelingLayer.js';
import { MembersTable } from '../table/MembersTable.js';
import { TableBrowser } from '../table/TableBrowser.js';
import { AssetViewer } from '../viewer/AssetViewer.js';
import { BagHeader } from './BagHeader.js';
import { LabelModeNote } from './LabelModeNote.js';
import { FetchFiles } from './FetchFiles.js';
import { DatasetTree } from './DatasetTree.js';
import { SectionTabs } from './SectionTabs.js';
import { VerifyPanel } from './VerifyPanel.js';
import './bag.css';
import '../labeling/labeling.css';

export function BagView() {
  const labeling = useLabeling((state) => state.active);
  const target = useLabelFeature()?.shape.target;
  const section = useSession((state) => state.section);
  useLabelingLifecycle();
  // Label mode stays on while another section (All tables…) is looked at; it shows again on the way back.
  const onTarget = labeling && (!target || (section.kind === 'members' && section.elementType === target));
  return (
    <div className="bag-view">
      <BagHeader />
      <FetchFiles />
      <VerifyPanel />
      <div className="bag-body">
        <aside className="sidebar" aria-label="Datasets">
          <DatasetTree />
        </aside>
        <main className="bag-main">
          <SectionTabs />
          {onTarget && <LabelBar />}
          {labeling && !onTarget && <LabelModeNote />}
          {onTarget ? <LabelingContent /> : <SectionContent />}
        </main>
      </div>
      {onTarget && <LabelingLayer />}
    </div>
  );
}

/** Label mode follows the bag view: a new dataset re-reads the queue; closing the bag ends it. */
function useLabelingLifecycle(): void {
  const datasetRid = useSession((state) => state.datasetRid);
  useEffect(() => () => useLabeling.getState().stop(), []);
  useEffect(() => {
    void useLabeling.getState().datasetChanged();
  }, [datasetRid]);
}

function SectionContent() {
  const bag = useSession((state) => state.bag)!;
  const section = useSession((state) => state.section);
  const members = useSession((state) => state.members);
  const viewerOpen = useViewer((state) => state.index !== null);

  if (section.kind === 'tables') return <TableBrowser />;
  if (!members) return <p className="empty">Choose a dataset to see its members.</p>;
  if (!bag.assetElementTypes.includes(section.elementType))
    return <MembersTable elementType={section.elementType} />;
  const table = elementTypeTable(bag.report, section.elementType);
  return (
    <>
      <FilteredGrid source={members} table={table} elementType={section.elementType} covered={viewerOpen} />
      {viewerOpen && <AssetViewer source={members} table={table} elementType={section.elementType} />}
    </>
  );
}

/** Label mode: the work queue as the grid's members (with draft badges), the labeler, or the agreement view. */
function LabelingContent() {
  const bag = useSession((state) => state.bag)!;
  const feature = useLabelFeature();
  const queue = useLabeling((state) => state.queue);
  const loading = useLabeling((state) => state.queueLoading);
  const view = useLabeling((state) => state.view);
  const viewerOpen = useViewer((state) => state.index !== null);
  // The grid's badges follow the drafts at low priority, and not at all while the labeler covers the
  // grid: a keypress there re-renders only the viewer, and the grid catches up once it is seen again.
  const latestVersion = useLabeling((state) => (viewerOpen ? null : state.draftsVersion));
  const [gridVersion, setGridVersion] = useState(() => useLabeling.getState().draftsVersion);
  if (latestVersion !== null && latestVersion !== gridVersion) setGridVersion(latestVersion);
  const draftsVersion = useDeferredValue(gridVersion);
  const blind = useBlind();
  const shape = feature?.shape;
  const featureName = shape?.feature;
  // Blind labeling: a tile shows no other rater's label of this feature until the user labeled the image.
  const badgeFilter = useCallback(
    (rid: string, badges: Badge[]) => {
      const draft = useLabeling.getState().drafts.get(rid);
      const hidden = hidesOthers(blind, draft === undefined ? undefined : draft !== null);
      return featureName ? visibleBadges(badges, featureName, hidden) : badges;
    },
    // The drafts map changes in place: its version stands for it.
    [blind, featureName, draftsVersion],
  );
  const labelOf = useCallback(
    (rid: string) => {
      const draft = useLabeling.getState().drafts.get(rid);
      return draft && shape ? draftText(shape, draft.values) : null;
    },
    // The drafts map changes in place: its version stands for it.
    [shape, draftsVersion],
  );

  if (view === 'agreement') return <AgreementView />;
  if (!feature || !queue)
    return (
      <p className="empty">{loading || feature ? 'Reading the work queue…' : 'Choose a feature to label.'}</p>
    );
  const elementType = feature.shape.target;
  const table = elementTypeTable(bag.report, elementType);
  return (
    <>
      <ThumbnailGrid
        key={queue.id}
        source={queue.rows}
        table={table}
        elementType={elementType}
        drafts={{ labelOf, version: draftsVersion }}
        badgeFilter={badgeFilter}
        emptyText="This work queue is empty: pick another queue or dataset."
        hint="Term keys label the selected tiles · Enter opens the labeler · ? lists every key"
        covered={viewerOpen}
      />
      {viewerOpen && (
        <AssetViewer
          source={queue.rows}
          table={table}
          elementType={elementType}
          labeling={{ targets: queue.targets }}
        />
      )}
    </>
  );
}
