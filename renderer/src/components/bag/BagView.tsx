import { elementTypeTable } from '../../data/bagModel.js';
import { useSession } from '../../stores/session.js';
import { useViewer } from '../../stores/viewer.js';
import { ThumbnailGrid } from '../grid/ThumbnailGrid.js';
import { MembersTable } from '../table/MembersTable.js';
import { TableBrowser } from '../table/TableBrowser.js';
import { AssetViewer } from '../viewer/AssetViewer.js';
import { BagHeader } from './BagHeader.js';
import { DatasetTree } from './DatasetTree.js';
import { SectionTabs } from './SectionTabs.js';
import { VerifyPanel } from './VerifyPanel.js';
import './bag.css';

export function BagView() {
  return (
    <div className="bag-view">
      <BagHeader />
      <VerifyPanel />
      <div className="bag-body">
        <aside className="sidebar" aria-label="Datasets">
          <DatasetTree />
        </aside>
        <section className="bag-main">
          <SectionTabs />
          <SectionContent />
        </section>
      </div>
    </div>
  );
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
      <ThumbnailGrid source={members} table={table} elementType={section.elementType} />
      {viewerOpen && <AssetViewer source={members} table={table} elementType={section.elementType} />}
    </>
  );
}
