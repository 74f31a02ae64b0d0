import { create } from 'zustand';
import type { MemberFilter } from '../../../shared/bag.js';
import type { RequestOf } from '../../../shared/contract.js';
import type {
  LabelChange,
  LabelFeature,
  LabelProgress,
  QueueKind,
  RecordShape,
  RecordValues,
} from '../../../shared/labels.js';
import type { RaterInfo } from '../../../shared/raters.js';
import { ApiFailure, CONNECTION_ERROR_KINDS, errorMessage, request } from '../api.js';
import { PagedRows } from '../data/pagedRows.js';
import { ActionQueue, CancelledAction } from '../labeling/actionQueue.js';
import { applyChange, applyDrafts, positionsOf, type DraftMap } from '../labeling/drafts.js';
import { MemberIndex } from '../labeling/memberIndex.js';
import type { QueueSpec } from '../labeling/queueSpec.js';
import { labelColumn, needsForm, type FormSubmission } from '../labeling/recordForm.js';
import { blindChoices, isBlind, saveBlindChoice } from '../labeling/blind.js';
import {
  browserStorage,
  loadLastFeature,
  loadSettings,
  saveLastFeature,
  saveSettings,
  type LabelSettings,
} from '../labeling/settings.js';
import { loadTermKeys, resetTermKeys, saveTermKeys, type TermKeys } from '../labeling/termKeys.js';
import { reportError } from './notices.js';
import { useSelection } from './selection.js';
import { useSession } from './session.js';
import { useViewer } from './viewer.js';

export type { QueueSpec } from '../labeling/queueSpec.js';

/** The RIDs to label, in order; they drive the grid (as its only members) and the viewer. */
export interface WorkQueue {
  id: number;
  /** The bag, dataset and feature the queue was read for. */
  scope: string;
  spec: QueueSpec;
  targets: string[];
  positions: Map<string, number>;
  rows: PagedRows;
}

/** The values form: for the viewer's image (advancing from `from` once saved) or the grid's selection. */
export interface FormRequest {
  targets: string[];
  /** Values the form starts with over the draft's (the term just chosen). */
  preset: RecordValues;
  from: number | null;
}

export interface LabelError {
  message: string;
  /** Actions typed after the failed one, which were therefore not sent. */
  cancelled: number;
}

export type LabelView = 'grid' | 'agreement';

interface LabelingState {
  active: boolean;
  features: LabelFeature[];
  featureKey: string | null;
  /** labeled / total per feature in the selected dataset. */
  progress: Record<string, LabelProgress>;
  queue: WorkQueue | null;
  queueLoading: boolean;
  drafts: DraftMap;
  /** Bumped whenever `drafts` changes (the map is changed in place). */
  draftsVersion: number;
  canUndo: boolean;
  canRedo: boolean;
  /** Label calls sent and not answered yet. */
  saving: number;
  error: LabelError | null;
  notice: string | null;
  view: LabelView;
  settings: LabelSettings;
  termKeys: TermKeys;
  form: FormRequest | null;
  keySettingsOpen: boolean;
  /** The executions that gave values in this bag, people and models told apart. */
  raters: RaterInfo[];
  /** Blind mode as the user set it per feature (features absent here follow the default). */
  blind: Record<string, boolean>;
}

interface LabelingStore extends LabelingState {
  /** Turns label mode on, on `feature` if given (a restored view), else the last one labeled. */
  start(feature?: string | null): Promise<void>;
  stop(): void;
  chooseFeature(key: string): Promise<void>;
  chooseQueue(spec: QueueSpec): Promise<void>;
  /** Re-reads the current queue (a queue is a snapshot: labeling does not shrink it under the user). */
  refreshQueue(): Promise<void>;
  datasetChanged(): Promise<void>;
  /** Makes `targets` the work queue and opens the labeler on the first (or on position `at`). */
  openTargets(title: string, targets: string[], at?: number): Promise<void>;
  /** Turns the grid's filtered view into the work queue (label mode on, on `feature` if given). */
  labelFiltered(spec: Extract<QueueSpec, { kind: 'filter' }>, feature?: string): Promise<void>;
  showView(view: LabelView): void;
  labelCurrent(term: string): void;
  labelSelected(term: string): void;
  clearCurrent(): void;
  clearSelected(): void;
  editCurrent(): void;
  editSelected(): void;
  submitForm(submission: FormSubmission): void;
  closeForm(): void;
  undo(): void;
  redo(): void;
  next(): void;
  previous(): void;
  changeSettings(change: Partial<LabelSettings>): void;
  setTermKeys(keys: TermKeys): void;
  resetTermKeys(): void;
  setBlind(feature: string, blind: boolean): void;
  openKeySettings(open: boolean): void;
  dismissError(): void;
  dismissNotice(): void;
  /** Applies the answer of an action made elsewhere (an import). */
  received(change: LabelChange, feature: string): void;
  refreshFeatures(): Promise<void>;
}

/** How a failed action is named in front of main's sentence. */
const FAILURES = {
  'labels:set': 'Not saved',
  'labels:clear': 'Not cleared',
  'labels:undo': 'Could not undo',
  'labels:redo': 'Could not redo',
} as const;

/**
 * Resolves in a task of its own. A key's label is sent from there, not from the key's task: the key's
 * task then only renders the next image, and the frame that paints it can start before the request is
 * made. The label counts as saving from the key on, and as saved only once main has answered.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const storage = browserStorage();
const actions = new ActionQueue();
let queueSequence = 0;

/** The state of label mode when off (a function: every start gets its own drafts map). */
const inactive = (): Omit<LabelingState, 'settings' | 'blind'> => ({
  active: false,
  features: [],
  featureKey: null,
  progress: {},
  queue: null,
  queueLoading: false,
  drafts: new Map(),
  draftsVersion: 0,
  // Unknown until main says (labels:status at start): a button must never offer what would do nothing.
  canUndo: false,
  canRedo: false,
  saving: actions.pending,
  error: null,
  notice: null,
  view: 'grid',
  termKeys: {},
  form: null,
  keySettingsOpen: false,
  raters: [],
});

function context(): { bagId: string; datasetRid?: string } | null {
  const { bag, datasetRid } = useSession.getState();
  if (!bag) return null;
  return datasetRid ? { bagId: bag.bagId, datasetRid } : { bagId: bag.bagId };
}

function progressOf(features: LabelFeature[]): Record<string, LabelProgress> {
  return Object.fromEntries(features.map((feature) => [feature.key, feature.progress]));
}

/** The member rows of one dataset and element type, shared by every queue over them. */
let memberIndex: { key: string; index: MemberIndex } | null = null;

function indexFor(bagId: string, datasetRid: string | undefined, elementType: string): MemberIndex {
  const key = `${bagId} ${datasetRid ?? ''} ${elementType}`;
  if (memberIndex?.key !== key) {
    const rid = datasetRid ?? useSession.getState().bag!.report.rid;
    memberIndex = {
      key,
      index: new MemberIndex((offset, limit) =>
        request('bag:members', { bagId, datasetRid: rid, elementType, recurse: true, offset, limit }),
      ),
    };
  }
  return memberIndex.index;
}

function sameValues(shape: RecordShape, a: RecordValues, b: RecordValues): boolean {
  return shape.fields.every(
    (field) => JSON.stringify(a[field.column] ?? null) === JSON.stringify(b[field.column] ?? null),
  );
}

/** Draft values as the contract takes them (no arrays: feature columns are scalars). */
function scalarValues(values: RecordValues): RequestOf<'labels:set'>['values'] {
  return Object.fromEntries(
    Object.entries(values).map(([column, value]) => [
      column,
      Array.isArray(value) ? value.join(', ') : value,
    ]),
  );
}

function queueScope(bagId: string, datasetRid: string | undefined, feature: string): string {
  return `${bagId} ${datasetRid ?? ''} ${feature}`;
}

function resetGrid(): void {
  useSelection.getState().reset();
  useViewer.getState().close();
}

function queueRequest(spec: Exclude<QueueSpec, { kind: 'targets' }>): {
  kind: QueueKind;
  value?: string;
  column?: string;
  where?: MemberFilter[];
} {
  if (spec.kind === 'filter') return { kind: spec.kind, where: spec.where };
  if (spec.kind === 'label' || spec.kind === 'dataset-type') return { kind: spec.kind, value: spec.value };
  if (spec.kind === 'confidence')
    return spec.column ? { kind: spec.kind, column: spec.column } : { kind: spec.kind };
  return { kind: spec.kind };
}

/** A queue kept when the feature changes only if it still makes sense for the new feature. */
function specFor(spec: QueueSpec | undefined, feature: LabelFeature): QueueSpec {
  if (!spec || spec.kind === 'targets') return { kind: 'unlabeled' };
  if (spec.kind === 'filter' && spec.elementType !== feature.shape.target) return { kind: 'unlabeled' };
  if (spec.kind === 'label' && !labelColumn(feature.shape)?.terms?.includes(spec.value))
    return { kind: 'unlabeled' };
  if (
    spec.kind === 'confidence' &&
    !feature.shape.fields.some((field) => field.kind === 'float' || field.kind === 'integer')
  )
    return { kind: 'unlabeled' };
  return spec;
}

/** Offline labeling of one feature: the work queue, the drafts on screen, and every label action, sent in order. */
export const useLabeling = create<LabelingStore>((set, get) => {
  actions.onPendingChange((saving) => set({ saving }));

  const currentFeature = (): LabelFeature | null =>
    get().features.find((feature) => feature.key === get().featureKey) ?? null;

  const loadDrafts = async (feature: string, rids: string[]): Promise<void> => {
    const ctx = context();
    if (!ctx || rids.length === 0) return;
    try {
      const found = await request('labels:drafts', { bagId: ctx.bagId, feature, targets: rids });
      if (get().featureKey !== feature) return;
      applyDrafts(get().drafts, rids, found);
      set((state) => ({ draftsVersion: state.draftsVersion + 1 }));
    } catch (error) {
      reportError(error);
    }
  };

  const makeQueue = (
    spec: QueueSpec,
    targets: string[],
    feature: LabelFeature,
    bagId: string,
    datasetRid?: string,
  ): WorkQueue => {
    const index = indexFor(bagId, datasetRid, feature.shape.target);
    const rows = new PagedRows(async (offset, limit) => {
      const rids = targets.slice(offset, offset + limit);
      const [indexed] = await Promise.all([index.rowsOf(rids), loadDrafts(feature.key, rids)]);
      return { rows: indexed.rows, total: targets.length, badges: indexed.badges };
    }, reportError);
    rows.total = targets.length;
    return {
      id: queueSequence,
      scope: queueScope(bagId, datasetRid, feature.key),
      spec,
      targets,
      positions: new Map(targets.map((target, position) => [target, position])),
      rows,
    };
  };

  const failed = (error: unknown, what: string, rollbackTo: number | null) => {
    if (error instanceof CancelledAction) {
      set((state) =>
        state.error ? { error: { ...state.error, cancelled: state.error.cancelled + 1 } } : state,
      );
      return;
    }
    if (error instanceof ApiFailure && CONNECTION_ERROR_KINDS.has(error.kind)) reportError(error);
    set({ error: { message: `${what}: ${errorMessage(error)}`, cancelled: 0 } });
    if (rollbackTo !== null && useViewer.getState().index !== null) useViewer.getState().show(rollbackTo);
  };

  /** Shows the targets an undo or redo changed: the first in the viewer, or all of them selected in the grid. */
  const jumpTo = (change: LabelChange, verb: string) => {
    if (change.kind === 'none') {
      set({ notice: `Nothing to ${verb}.` });
      return;
    }
    const queue = get().queue;
    const positions = queue ? positionsOf(change.targets, queue.positions) : [];
    const count = `${change.changed} label${change.changed === 1 ? '' : 's'}`;
    if (positions.length === 0) {
      set({ notice: `${verb === 'undo' ? 'Undid' : 'Redid'} ${count}, none of them in this queue.` });
      return;
    }
    set({ notice: `${verb === 'undo' ? 'Undid' : 'Redid'} ${count}.` });
    if (useViewer.getState().index !== null) useViewer.getState().show(positions[0]!);
    else useSelection.getState().selectOnly(positions);
  };

  type LabelChannel = keyof typeof FAILURES;
  const send = <C extends LabelChannel>(
    channel: C,
    payload: RequestOf<C>,
    options: { rollbackTo?: number | null; jump?: string } = {},
  ): void => {
    actions
      .run(async () => {
        await nextTask();
        return request(channel, payload);
      })
      .then(
        (change) => {
          get().received(change as LabelChange, payload.feature);
          if (options.jump) {
            jumpTo(change as LabelChange, options.jump);
            void get().refreshFeatures();
          }
        },
        (error: unknown) => failed(error, FAILURES[channel], options.rollbackTo ?? null),
      );
  };

  /**
   * Sets `values` on `targets` (one action, one undo step); from the viewer, moves on at once. `merge`
   * keeps each target's other values (a bulk edit changes only what it names).
   */
  const submitSet = (targets: string[], values: RecordValues, from: number | null, merge = false) => {
    const ctx = context();
    const feature = currentFeature();
    const queue = get().queue;
    if (!ctx || !feature || !queue || targets.length === 0) return;
    set({ notice: null, error: null });
    const known = targets.length === 1 ? get().drafts.get(targets[0]!) : undefined;
    const unchanged =
      known !== undefined && known !== null && sameValues(feature.shape, known.values, values);
    if (!unchanged)
      send(
        'labels:set',
        { ...ctx, feature: feature.key, targets, values: scalarValues(values), ...(merge ? { merge } : {}) },
        { rollbackTo: from },
      );
    if (from === null || !get().settings.advance) return;
    if (from < queue.targets.length - 1) useViewer.getState().show(from + 1);
    else set({ notice: 'That was the last image of this queue.' });
  };

  const selectedTargets = (): string[] => {
    const queue = get().queue;
    if (!queue) return [];
    return [...useSelection.getState().selected]
      .sort((a, b) => a - b)
      .flatMap((index) => queue.targets[index] ?? []);
  };

  const viewerTarget = (): { index: number; rid: string } | null => {
    const index = useViewer.getState().index;
    const rid = index === null ? undefined : get().queue?.targets[index];
    return index === null || rid === undefined ? null : { index, rid };
  };

  const startForm = (targets: string[], preset: RecordValues, from: number | null) => {
    if (targets.length === 0) return;
    set({ form: { targets, preset, from }, notice: null, error: null });
  };

  /** A term key: straight to `labels:set`, unless the record needs values the key cannot give. */
  const labelWithTerm = (targets: string[], term: string, from: number | null) => {
    const feature = currentFeature();
    const column = feature && labelColumn(feature.shape);
    if (!feature || !column) return;
    const draft = targets.length === 1 ? get().drafts.get(targets[0]!) : null;
    // Every image keeps its other values (a Confidence typed earlier): one here, each of a bulk label in main.
    const values = { ...(draft?.values ?? {}), [column.column]: term };
    if (get().settings.askValues || needsForm(feature.shape, values))
      startForm(targets, { [column.column]: term }, from);
    else if (targets.length === 1) submitSet(targets, values, from);
    else submitSet(targets, { [column.column]: term }, from, true);
  };

  const clear = (targets: string[]) => {
    const ctx = context();
    const feature = currentFeature();
    const known = targets.filter((target) => get().drafts.get(target) !== null);
    if (!ctx || !feature) return;
    if (known.length === 0) {
      set({ notice: 'There is no draft to clear.' });
      return;
    }
    set({ notice: null, error: null });
    send('labels:clear', { ...ctx, feature: feature.key, targets: known });
  };

  return {
    ...inactive(),
    settings: loadSettings(storage),
    blind: blindChoices(storage),

    start: async (preferred) => {
      const ctx = context();
      if (!ctx || get().active) return;
      set({ ...inactive(), active: true, blind: blindChoices(storage) });
      try {
        const assetTypes = useSession.getState().bag?.assetElementTypes ?? [];
        const [all, status, raters] = await Promise.all([
          request('labels:features', ctx),
          request('labels:status', { bagId: ctx.bagId }),
          request('bag:raters', { bagId: ctx.bagId }),
        ]);
        const features = all.filter((feature) => assetTypes.includes(feature.shape.target));
        if (!get().active) return;
        set({
          features,
          progress: progressOf(features),
          raters,
          canUndo: status.canUndo,
          canRedo: status.canRedo,
        });
        const section = useSession.getState().section;
        const saved = preferred ?? loadLastFeature(storage);
        const chosen =
          features.find((feature) => feature.key === saved) ??
          features.find(
            (feature) => section.kind === 'members' && feature.shape.target === section.elementType,
          ) ??
          features[0];
        if (!chosen) {
          set({ notice: 'This bag has no feature on images to label.' });
          return;
        }
        await get().chooseFeature(chosen.key);
      } catch (error) {
        reportError(error);
        set({ active: false });
      }
    },

    stop: () => {
      if (!get().active) return;
      queueSequence++;
      resetGrid();
      set(inactive());
      // Browsing marks the user's drafts on the tiles: read them again after labeling.
      useSession.getState().refreshMembers();
    },

    chooseFeature: async (key) => {
      const feature = get().features.find((candidate) => candidate.key === key);
      if (!feature) return;
      saveLastFeature(storage, key);
      const session = useSession.getState();
      const section = session.section;
      if (section.kind !== 'members' || section.elementType !== feature.shape.target)
        session.showSection({ kind: 'members', elementType: feature.shape.target });
      const terms = labelColumn(feature.shape)?.terms ?? [];
      const previous = get().queue?.spec;
      set((state) => ({
        featureKey: key,
        termKeys: loadTermKeys(storage, key, terms),
        drafts: new Map(),
        draftsVersion: state.draftsVersion + 1,
        form: null,
        error: null,
        notice: null,
      }));
      await get().chooseQueue(specFor(previous, feature));
    },

    chooseQueue: async (spec) => {
      const ctx = context();
      const feature = currentFeature();
      if (!ctx || !feature) return;
      const id = ++queueSequence;
      set({ queueLoading: true, notice: null });
      try {
        let targets: string[];
        if (spec.kind === 'targets') targets = spec.targets;
        else {
          const answer = await request('labels:queue', {
            ...ctx,
            feature: feature.key,
            ...queueRequest(spec),
          });
          targets = answer.targets;
          if (id === queueSequence)
            set((state) => ({ progress: { ...state.progress, [feature.key]: answer.progress } }));
        }
        if (id !== queueSequence) return;
        // The same queue asked for again (a refresh that found nothing new) keeps the grid and the open labeler.
        const current = get().queue;
        if (
          current &&
          current.scope === queueScope(ctx.bagId, ctx.datasetRid, feature.key) &&
          JSON.stringify(current.spec) === JSON.stringify(spec) &&
          current.targets.length === targets.length &&
          current.targets.every((target, position) => target === targets[position])
        ) {
          set({ queueLoading: false });
          return;
        }
        resetGrid();
        set({ queue: makeQueue(spec, targets, feature, ctx.bagId, ctx.datasetRid), queueLoading: false });
      } catch (error) {
        if (id === queueSequence) set({ queueLoading: false });
        reportError(error);
      }
    },

    refreshQueue: async () => {
      const spec = get().queue?.spec;
      if (spec) await get().chooseQueue(spec);
    },

    datasetChanged: async () => {
      if (!get().active || !get().featureKey) return;
      await get().refreshFeatures();
      const spec = get().queue?.spec;
      // Picked targets (an agreement cell) stay; main's queues are per dataset.
      if (spec && spec.kind !== 'targets') await get().chooseQueue(spec);
    },

    labelFiltered: async (spec, feature) => {
      if (!get().active) await get().start(feature);
      else if (feature && feature !== get().featureKey) await get().chooseFeature(feature);
      if (!get().active || !get().featureKey) return;
      set({ view: 'grid' });
      await get().chooseQueue(spec);
    },

    openTargets: async (title, targets, at = 0) => {
      set({ view: 'grid' });
      await get().chooseQueue({ kind: 'targets', title, targets });
      if (get().queue?.spec.kind === 'targets' && targets.length > 0)
        useViewer.getState().show(Math.min(Math.max(0, at), targets.length - 1));
    },

    showView: (view) => {
      if (view === 'agreement') useViewer.getState().close();
      set({ view });
    },

    labelCurrent: (term) => {
      const target = viewerTarget();
      if (target) labelWithTerm([target.rid], term, target.index);
    },

    labelSelected: (term) => {
      const targets = selectedTargets();
      if (targets.length === 0) {
        set({
          notice: 'Select tiles first (click, Shift-click, Ctrl-click or Ctrl+A), then press a term key.',
        });
        return;
      }
      labelWithTerm(targets, term, null);
    },

    clearCurrent: () => {
      const target = viewerTarget();
      if (target) clear([target.rid]);
    },

    clearSelected: () => clear(selectedTargets()),

    editCurrent: () => {
      const target = viewerTarget();
      if (target) startForm([target.rid], {}, null);
    },

    editSelected: () => startForm(selectedTargets(), {}, null),

    submitForm: ({ values, only }) => {
      const form = get().form;
      if (!form) return;
      set({ form: null });
      if (!only) {
        submitSet(form.targets, values, form.from);
        return;
      }
      if (only.length === 0) {
        set({ notice: 'Nothing changed: no field was edited.' });
        return;
      }
      const touched = Object.fromEntries(only.map((column) => [column, values[column] ?? null]));
      submitSet(form.targets, touched, form.from, true);
    },

    closeForm: () => set({ form: null }),

    undo: () => {
      const ctx = context();
      const feature = get().featureKey;
      if (ctx && feature) send('labels:undo', { ...ctx, feature }, { jump: 'undo' });
    },

    redo: () => {
      const ctx = context();
      const feature = get().featureKey;
      if (ctx && feature) send('labels:redo', { ...ctx, feature }, { jump: 'redo' });
    },

    next: () => {
      const target = viewerTarget();
      const total = get().queue?.targets.length ?? 0;
      if (!target) return;
      if (target.index < total - 1) useViewer.getState().show(target.index + 1);
      else set({ notice: 'That was the last image of this queue.' });
    },

    previous: () => {
      const target = viewerTarget();
      if (target && target.index > 0) useViewer.getState().show(target.index - 1);
    },

    changeSettings: (change) => {
      const settings = { ...get().settings, ...change };
      saveSettings(storage, settings);
      set({ settings });
    },

    setTermKeys: (keys) => {
      const feature = get().featureKey;
      if (!feature) return;
      saveTermKeys(storage, feature, keys);
      set({ termKeys: keys });
    },

    resetTermKeys: () => {
      const feature = currentFeature();
      if (!feature) return;
      set({ termKeys: resetTermKeys(storage, feature.key, labelColumn(feature.shape)?.terms ?? []) });
    },

    setBlind: (feature, blind) => {
      saveBlindChoice(storage, feature, blind);
      set((state) => ({ blind: { ...state.blind, [feature]: blind } }));
    },

    openKeySettings: (open) => set({ keySettingsOpen: open }),
    dismissError: () => set({ error: null }),
    dismissNotice: () => set({ notice: null }),

    received: (change, feature) => {
      if (feature === get().featureKey) applyChange(get().drafts, change);
      set((state) => ({
        draftsVersion: state.draftsVersion + 1,
        canUndo: change.canUndo,
        canRedo: change.canRedo,
        error: null,
        progress: change.progress ? { ...state.progress, [feature]: change.progress } : state.progress,
      }));
    },

    refreshFeatures: async () => {
      const ctx = context();
      if (!ctx || !get().active) return;
      try {
        const features = await request('labels:features', ctx);
        set((state) => ({ progress: { ...state.progress, ...progressOf(features) } }));
      } catch (error) {
        reportError(error);
      }
    },
  };
});

/** Notes ("Undid 20 labels.") fade after a while; errors stay until dismissed or a later action succeeds. */
const NOTICE_MS = 6000;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;
useLabeling.subscribe((state, previous) => {
  if (state.notice === previous.notice) return;
  clearTimeout(noticeTimer);
  const shown = state.notice;
  if (shown)
    noticeTimer = setTimeout(() => {
      if (useLabeling.getState().notice === shown) useLabeling.setState({ notice: null });
    }, NOTICE_MS);
});

/** The feature being labeled. */
export function useLabelFeature(): LabelFeature | null {
  return useLabeling((state) => state.features.find((feature) => feature.key === state.featureKey) ?? null);
}

/** Whether the feature being labeled hides other executions' values until the user labels an image. */
export function useBlind(): boolean {
  return useLabeling((state) =>
    state.featureKey ? isBlind(state.blind, state.raters, state.featureKey) : false,
  );
}
