import { create } from 'zustand';
import type {
  ColumnFilter,
  DatasetSummary,
  FeatureDefinition,
  MemberFilter,
  VerifyReport,
} from '../../../shared/bag.js';
import type { OpenedBag } from '../../../shared/contract.js';
import type { RaterInfo } from '../../../shared/raters.js';
import { request } from '../api.js';
import { elementTypeTable, elementTypesOf, qualifiedName, rootDatasets } from '../data/bagModel.js';
import { PagedRows, type LoadedPage } from '../data/pagedRows.js';
import { draftMarks } from '../labeling/drafts.js';
import { useLibrary } from './library.js';
import { reportError } from './notices.js';
import { useProgress } from './progress.js';
import { useSelection } from './selection.js';
import { useViewer } from './viewer.js';

/** What the main area shows: the members of one element type, or the table browser. */
export type BagSection = { kind: 'members'; elementType: string } | { kind: 'tables' };

/** A table in the table browser, optionally narrowed by exact-match filters (foreign-key navigation). */
export interface TableLocation {
  table: string;
  filters: ColumnFilter[];
}

export type VerifyState =
  { status: 'idle' } | { status: 'running' } | { status: 'done'; report: VerifyReport };

interface SessionState {
  bag: OpenedBag | null;
  openingPath: string | null;
  datasets: DatasetSummary[];
  features: FeatureDefinition[];
  datasetRid: string | null;
  recurse: boolean;
  section: BagSection;
  /** The grid's filters (chips): members shown pass them all. */
  where: MemberFilter[];
  /** The executions that gave values, people and models told apart. */
  raters: RaterInfo[];
  /** Members of the selected dataset and element type, shared by the grid and the viewer. */
  members: PagedRows | null;
  /** Table browser locations, the current one last (foreign-key links push, Back pops). */
  tableHistory: TableLocation[];
  verify: VerifyState;
}

interface SessionStore extends SessionState {
  /** Opens a bag; one asked for while another is opening opens after it (the last one asked wins). */
  openBag(path: string): Promise<void>;
  closeBag(): Promise<void>;
  /** Shows a dataset and section remembered from before a reload, if the bag still has them. */
  restoreView(view: { datasetRid: string | null; section: BagSection }): void;
  /** Reads the members again (the drafts marked on tiles changed, e.g. after label mode). */
  refreshMembers(): void;
  selectDataset(rid: string): void;
  setRecurse(recurse: boolean): void;
  showSection(section: BagSection): void;
  setFilters(where: MemberFilter[]): void;
  openTable(location: TableLocation): void;
  goBackInTables(): void;
  runVerify(): Promise<void>;
  dismissVerify(): void;
}

const closedBag: Omit<SessionState, 'openingPath'> = {
  bag: null,
  datasets: [],
  features: [],
  datasetRid: null,
  recurse: true,
  section: { kind: 'tables' },
  where: [],
  raters: [],
  members: null,
  tableHistory: [],
  verify: { status: 'idle' },
};

/** The members of the current view, page by page; `firstPage` is the first page when it is already at hand. */
function memberSource(
  state: Pick<SessionState, 'bag' | 'datasetRid' | 'recurse' | 'section' | 'features' | 'where'>,
  firstPage?: LoadedPage,
): PagedRows | null {
  const { bag, datasetRid, recurse, section, features, where } = state;
  if (!bag || !datasetRid || section.kind !== 'members') return null;
  const { elementType } = section;
  const drafted = features.some((feature) => feature.target === elementType);
  // The user's own drafts stay in sight while browsing: marked on the tiles of the page.
  const withMarks = async (page: LoadedPage): Promise<LoadedPage> => {
    if (!drafted || page.rows.length === 0) return page;
    const targets = page.rows.map((row) => String(row.RID));
    const drafts = await request('labels:target-drafts', { bagId: bag.bagId, targets });
    return { ...page, marks: draftMarks(drafts, features) };
  };
  const rows = new PagedRows(async (offset, limit) => {
    const page = await request('bag:members', {
      bagId: bag.bagId,
      datasetRid,
      elementType,
      recurse,
      offset,
      limit,
      ...(where.length > 0 ? { where } : {}),
    });
    return withMarks(page);
  }, reportError);
  if (firstPage) {
    // Shown at once; the marks follow (waiting for them let the grid ask for the same page again).
    rows.seedFirstPage(firstPage);
    if (drafted && firstPage.rows.length > 0)
      void withMarks(firstPage).then((page) => page.marks && rows.addMarks(page.marks), reportError);
  }
  return rows;
}

/** Requests to open a bag made while another one opens: the last one opens next. */
let queuedPath: string | null = null;
/** A bag being closed in main: opening it again must wait, or main would close what it just reopened. */
let closing: Promise<unknown> = Promise.resolve();

function firstView(
  bag: OpenedBag,
  datasets: DatasetSummary[],
): Pick<SessionState, 'datasetRid' | 'section' | 'tableHistory'> {
  const dataset = datasets.find((candidate) => candidate.rid === bag.report.rid) ?? rootDatasets(datasets)[0];
  const elementTypes = elementTypesOf(datasets);
  const elementType = elementTypes.find((name) => bag.assetElementTypes.includes(name)) ?? elementTypes[0];
  const anyTable = bag.report.tables[0];
  const table = elementType ? elementTypeTable(bag.report, elementType) : anyTable && qualifiedName(anyTable);
  return {
    datasetRid: dataset?.rid ?? null,
    section: elementType ? { kind: 'members', elementType } : { kind: 'tables' },
    tableHistory: table ? [{ table, filters: [] }] : [],
  };
}

function resetGrid(): void {
  useSelection.getState().reset();
  useViewer.getState().close();
}

/** The open bag and what of it is on screen. */
export const useSession = create<SessionStore>((set, get) => {
  /** Applies a change of dataset, element type or recursion: a new member list and a fresh selection. */
  const changeMembers = (
    change: Partial<Pick<SessionState, 'datasetRid' | 'recurse' | 'section' | 'where'>>,
  ): void => {
    const next = { ...get(), ...change };
    resetGrid();
    set({ ...change, members: memberSource(next) });
  };

  return {
    ...closedBag,
    openingPath: null,

    openBag: async (path) => {
      if (get().openingPath) {
        queuedPath = path;
        return;
      }
      useProgress.getState().clear('open');
      set({ openingPath: path });
      try {
        await closing;
        // bag:open brings the datasets, the features and the first page of the first view with it.
        const bag = await request('bag:open', { path });
        const { datasets } = bag.report;
        const { features } = bag;
        // Who labeled (names in the viewer and the filters) need not hold up the first screen.
        const raters = request('bag:raters', { bagId: bag.bagId });
        const previous = get().bag;
        if (previous && previous.bagId !== bag.bagId)
          request('bag:close', { bagId: previous.bagId }).catch(reportError);
        resetGrid();
        const view = firstView(bag, datasets);
        const first = bag.firstPage;
        const firstPage =
          first &&
          view.section.kind === 'members' &&
          first.elementType === view.section.elementType &&
          first.datasetRid === view.datasetRid &&
          first.recurse === closedBag.recurse
            ? first.page
            : undefined;
        set({
          ...closedBag,
          bag,
          datasets,
          features,
          ...view,
          members: memberSource({ ...closedBag, bag, features, ...view }, firstPage),
        });
        raters.then((list) => {
          if (get().bag?.bagId === bag.bagId) set({ raters: list });
        }, reportError);
        // Recent bags changed: the library is up to date when the user goes back to it.
        void useLibrary.getState().load();
      } catch (error) {
        reportError(error);
      } finally {
        set({ openingPath: null });
      }
      const next = queuedPath;
      queuedPath = null;
      if (next && next !== get().bag?.path) await get().openBag(next);
    },

    closeBag: async () => {
      const { bag } = get();
      resetGrid();
      set(closedBag);
      if (bag) {
        closing = request('bag:close', { bagId: bag.bagId }).catch(reportError);
        await closing;
      }
      await useLibrary.getState().load();
    },

    restoreView: ({ datasetRid, section }) => {
      const { datasets, bag } = get();
      if (!bag) return;
      const dataset = datasets.find((candidate) => candidate.rid === datasetRid);
      const sectionKnown =
        section.kind === 'tables' || elementTypesOf(datasets).includes(section.elementType);
      const current = get();
      const nextSection = sectionKnown ? section : current.section;
      const unchanged =
        (dataset?.rid ?? current.datasetRid) === current.datasetRid &&
        nextSection.kind === current.section.kind &&
        (nextSection.kind === 'tables' ||
          (current.section.kind === 'members' && nextSection.elementType === current.section.elementType));
      // Already in place (the bag opens on its saved view): keep the member list and its first page.
      if (unchanged) return;
      changeMembers({
        ...(dataset ? { datasetRid: dataset.rid } : {}),
        ...(sectionKnown ? { section } : {}),
      });
    },

    refreshMembers: () => changeMembers({}),

    selectDataset: (datasetRid) => {
      if (datasetRid !== get().datasetRid) changeMembers({ datasetRid });
    },
    setRecurse: (recurse) => changeMembers({ recurse }),
    // Filters name the features and columns of one element type: another type starts unfiltered.
    showSection: (section) => {
      const before = get().section;
      const sameType =
        before.kind === 'members' && section.kind === 'members' && before.elementType === section.elementType;
      changeMembers(sameType ? { section } : { section, where: [] });
    },
    setFilters: (where) => changeMembers({ where }),

    openTable: (location) => {
      changeMembers({ section: { kind: 'tables' } });
      set((state) => ({ tableHistory: [...state.tableHistory, location] }));
    },
    goBackInTables: () =>
      set((state) =>
        state.tableHistory.length > 1 ? { tableHistory: state.tableHistory.slice(0, -1) } : state,
      ),

    runVerify: async () => {
      const { bag } = get();
      if (!bag || get().verify.status === 'running') return;
      useProgress.getState().clear('verify');
      set({ verify: { status: 'running' } });
      try {
        const report = await request('bag:verify', { bagId: bag.bagId });
        if (get().bag === bag) set({ verify: { status: 'done', report } });
      } catch (error) {
        reportError(error);
        set({ verify: { status: 'idle' } });
      }
    },
    dismissVerify: () => set({ verify: { status: 'idle' } }),
  };
});
