import type { CatalogModel } from '../bag/index.js';
import { eq, type CatalogClient, type Row, type TableRef } from '../catalog/index.js';

/**
 * The Execution status walk as deriva-ml writes it. HEAD catalogs (those with the Execution_Status
 * vocabulary) use deriva-ml's state machine (src/deriva_ml/execution/state_machine.py,
 * ALLOWED_TRANSITIONS): Created → Running → Stopped → Pending_Upload → Uploaded, Failed from Running
 * or Pending_Upload, and Failed → Pending_Upload to retry. Legacy catalogs (deriva-ml 1.24) take
 * free text: Created, Running, Pending, Completed, Failed, with no Stopped.
 */
export interface StatusNames {
  created: string;
  running: string;
  /** Null on legacy catalogs, which have no such state. */
  stopped: string | null;
  pending: string;
  uploaded: string;
  failed: string;
}

const HEAD_STATUSES: StatusNames = {
  created: 'Created',
  running: 'Running',
  stopped: 'Stopped',
  pending: 'Pending_Upload',
  uploaded: 'Uploaded',
  failed: 'Failed',
};

const LEGACY_STATUSES: StatusNames = {
  created: 'Created',
  running: 'Running',
  stopped: null,
  pending: 'Pending',
  uploaded: 'Completed',
  failed: 'Failed',
};

/** deriva-ml's allowed (from, to) pairs that Satchel's walk uses; Aborted is terminal, so a commit that can resume never takes it. */
const HEAD_TRANSITIONS = new Set([
  'Created>Running',
  'Running>Stopped',
  'Running>Pending_Upload',
  'Stopped>Pending_Upload',
  'Pending_Upload>Uploaded',
  'Running>Failed',
  'Pending_Upload>Failed',
  'Failed>Pending_Upload',
]);

export interface Lifecycle {
  statuses: StatusNames;
  /** Whether the catalog's status may move from `from` to `to` (legacy free text: any change). */
  allows(from: string, to: string): boolean;
  /** The Execution columns the durations go in, where the catalog has them. */
  columns: { executionDuration: string | null; uploadDuration: string | null; statusDetail: boolean };
}

export function lifecycleOf(live: CatalogModel): Lifecycle {
  const head = live.table('deriva-ml:Execution_Status') !== undefined;
  const execution = live.table('deriva-ml:Execution');
  const has = (column: string) => execution?.columnByName.has(column) === true;
  return {
    statuses: head ? HEAD_STATUSES : LEGACY_STATUSES,
    allows: (from, to) => from !== to && (!head || HEAD_TRANSITIONS.has(`${from}>${to}`)),
    columns: {
      executionDuration: has('Execution_Duration')
        ? 'Execution_Duration'
        : has('Duration')
          ? 'Duration'
          : null,
      uploadDuration: has('Upload_Duration') ? 'Upload_Duration' : null,
      statusDetail: has('Status_Detail'),
    },
  };
}

/**
 * A duration as deriva-ml writes it in the `*_Duration` columns (execution.py, `_format_duration`):
 * whole hours and minutes printed as Python floats, then seconds, e.g. "1.0H 2.0min 3.456sec".
 */
export function formatDuration(milliseconds: number): string {
  const total = Math.max(0, Math.round(milliseconds));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1000;
  return `${pythonFloat(hours)}H ${pythonFloat(minutes)}min ${pythonFloat(seconds)}sec`;
}

/** How Python prints a float that came from whole milliseconds: "3.0", "3.25". */
function pythonFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

export interface Durations {
  execution?: string | null;
  upload?: string | null;
}

const EXECUTION: TableRef = { schema: 'deriva-ml', table: 'Execution' };

/**
 * The Execution row's status as far as this run knows it, moved as deriva-ml moves it: one
 * `PUT /attributegroup/deriva-ml:Execution/RID;Status,Status_Detail[,durations]` per change.
 */
export class ExecutionStatus {
  constructor(
    private readonly client: CatalogClient,
    readonly lifecycle: Lifecycle,
    private readonly rid: string,
    public current: string,
  ) {}

  /** The status the catalog holds now (Created when the row cannot be read). */
  static async read(
    client: CatalogClient,
    lifecycle: Lifecycle,
    rid: string,
    signal?: AbortSignal,
  ): Promise<ExecutionStatus> {
    const [row] = await client.attributes(
      { table: EXECUTION, path: [eq('RID', rid)], columns: ['Status'] },
      { signal },
    );
    const status = typeof row?.Status === 'string' ? row.Status : lifecycle.statuses.created;
    return new ExecutionStatus(client, lifecycle, rid, status);
  }

  async move(status: string, detail: string, durations: Durations, signal?: AbortSignal): Promise<void> {
    if (status === this.current) return;
    const { columns } = this.lifecycle;
    const row: Row = { RID: this.rid, Status: status };
    if (columns.statusDetail) row.Status_Detail = detail;
    if (columns.executionDuration && durations.execution)
      row[columns.executionDuration] = durations.execution;
    if (columns.uploadDuration && durations.upload) row[columns.uploadDuration] = durations.upload;
    const targets = Object.keys(row).filter((column) => column !== 'RID');
    await this.client.update(EXECUTION, ['RID'], targets, [row], { signal });
    this.current = status;
  }
}
