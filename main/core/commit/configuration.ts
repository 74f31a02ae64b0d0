import type { CommitRow } from './journal.js';
import type { WorkflowDescription } from './workflow.js';

/**
 * configuration.json as deriva-ml writes it for every execution (execution.py,
 * `_register_init_metadata`: the ExecutionConfiguration's `model_dump(mode="json")`), so that
 * `ExecutionConfiguration.load_configuration` reads Satchel's back: `datasets` (DatasetSpec: rid,
 * version as {major, minor, patch}, materialize, description), `assets`, `workflow` (the Workflow
 * model's fields), `description`, `argv`, `config_choices`. ExecutionConfiguration and DatasetSpec
 * ignore fields they do not define, while Workflow forbids them, so Satchel's own facts (its version,
 * the author, the bag's snapshot and format, the rows per feature) go in one more top-level field,
 * `satchel`.
 */
export interface PlannedConfiguration {
  datasets: DatasetSpec[];
  assets: never[];
  workflow: null;
  description: string;
  argv: string[];
  config_choices: Record<string, string>;
  satchel: { version: string; author: string; bag: { snaptime: string; format: string } };
}

interface DatasetSpec {
  rid: string;
  version: { major: number; minor: number; patch: number } | string;
  materialize: boolean;
  description: string;
}

export function plannedConfiguration(options: {
  bag: { rid: string; version: string | null; snaptime: string; format: string; materialized: boolean };
  description: string;
  author: string;
  appVersion: string;
}): string {
  const { bag } = options;
  const configuration: PlannedConfiguration = {
    datasets: [
      {
        rid: bag.rid,
        version: datasetVersion(bag.version),
        materialize: bag.materialized,
        description: 'The dataset bag the labels were made on.',
      },
    ],
    assets: [],
    workflow: null,
    description: options.description,
    argv: [],
    config_choices: {},
    satchel: {
      version: options.appVersion,
      author: options.author,
      bag: { snaptime: bag.snaptime, format: bag.format },
    },
  };
  return `${JSON.stringify(configuration, null, 2)}\n`;
}

/**
 * The file as uploaded: the plan with its workflow (as deriva-ml's Workflow model dumps it) and, under
 * `satchel`, the execution and the rows it sends per feature, so every Execution has its own file.
 */
export function uploadedConfiguration(
  planned: string,
  context: {
    workflow: WorkflowDescription;
    workflowRid: string;
    workflowTypes: string[];
    executionRid: string;
    rows: CommitRow[];
  },
): string {
  const plan = JSON.parse(planned) as PlannedConfiguration;
  const features: Record<string, number> = {};
  for (const row of context.rows) features[row.feature] = (features[row.feature] ?? 0) + 1;
  const { workflow } = context;
  return `${JSON.stringify(
    {
      ...plan,
      workflow: {
        name: workflow.name,
        workflow_type: context.workflowTypes,
        description: workflow.description,
        url: workflow.url,
        version: workflow.version,
        workflow_rid: context.workflowRid,
        checksum: workflow.checksum,
        is_notebook: false,
        git_root: null,
        allow_dirty: false,
      },
      satchel: { ...plan.satchel, execution: context.executionRid, features, rows: context.rows.length },
    },
    null,
    2,
  )}\n`;
}

/**
 * DatasetSpec's version as deriva-ml serializes a DatasetVersion; a version that is not three numbers
 * stays a string (DatasetSpec parses it), and a bag without one says 0.0.0, deriva-ml's own stand-in
 * for a dataset named without a version (`DatasetSpec.from_shorthand`).
 */
function datasetVersion(version: string | null): DatasetSpec['version'] {
  const parts = /^(\d+)\.(\d+)\.(\d+)$/.exec(version ?? '0.0.0');
  return parts
    ? { major: Number(parts[1]), minor: Number(parts[2]), patch: Number(parts[3]) }
    : (version as string);
}
