// deriva-ml's ExecutionConfiguration as its pydantic models define it at HEAD, for reading a
// configuration.json back as `ExecutionConfiguration.load_configuration` would:
// - src/deriva_ml/execution/execution_configuration.py, ExecutionConfiguration: datasets, assets,
//   workflow, description, argv, config_choices; unknown fields ignored (VALIDATION_CONFIG).
// - src/deriva_ml/dataset/aux_classes.py, DatasetSpec: rid and version required (version as a
//   {major, minor, patch} dict, a string or three numbers), materialize, description, exclude_tables,
//   timeout, fetch_concurrency, reachability_concurrency; unknown fields ignored.
// - src/deriva_ml/execution/workflow.py, Workflow: name and workflow_type required, the rest optional;
//   extra="forbid" (a legacy `rid` key is read as workflow_rid).
// - src/deriva_ml/asset/aux_classes.py, AssetSpec (rid, cache) and LocalFile (path, cache), both
//   extra="forbid"; a bare string is a RID.
// - src/deriva_ml/core/constants.py: a RID is 1–4 of [A-Z0-9], optionally followed by -XXXX groups.
// Stricter than pydantic's lax mode (no "true" for true): what passes here, pydantic reads.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ReadBack {
  /** Why deriva-ml would refuse the file; empty when it reads it. */
  problems: string[];
  /** Fields deriva-ml reads past without a word, with their paths. */
  ignored: string[];
}

const RID =
  /^(?:[A-Z\d]{1,4}|[A-Z\d]{1,4}(?:-[A-Z\d]{4})+)(?:@(?:[A-Z\d]{1,4}|[A-Z\d]{1,4}(?:-[A-Z\d]{4})+))?$/;

type Check = (value: Json, at: string, out: ReadBack) => void;

const isObject = (value: Json): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const fail = (out: ReadBack, at: string, what: string) => out.problems.push(`${at}: ${what}`);

const string: Check = (value, at, out) => {
  if (typeof value !== 'string') fail(out, at, 'not a string');
};
const boolean: Check = (value, at, out) => {
  if (typeof value !== 'boolean') fail(out, at, 'not a boolean');
};
const integer: Check = (value, at, out) => {
  if (!Number.isInteger(value)) fail(out, at, 'not an integer');
};
const rid: Check = (value, at, out) => {
  if (typeof value !== 'string' || !RID.test(value)) fail(out, at, `not a RID: ${JSON.stringify(value)}`);
};
const nullable =
  (check: Check): Check =>
  (value, at, out) => {
    if (value !== null) check(value, at, out);
  };
const listOf =
  (check: Check): Check =>
  (value, at, out) => {
    if (!Array.isArray(value)) return fail(out, at, 'not a list');
    value.forEach((item, index) => check(item, `${at}[${index}]`, out));
  };
const stringMap: Check = (value, at, out) => {
  if (!isObject(value)) return fail(out, at, 'not an object');
  for (const [key, item] of Object.entries(value)) string(item, `${at}.${key}`, out);
};

function model(fields: Record<string, { check: Check; required?: boolean }>, forbidExtra: boolean): Check {
  return (value, at, out) => {
    if (!isObject(value)) return fail(out, at, 'not an object');
    for (const [name, field] of Object.entries(fields)) {
      if (!(name in value)) {
        if (field.required) fail(out, `${at}.${name}`, 'missing');
      } else field.check(value[name]!, `${at}.${name}`, out);
    }
    for (const name of Object.keys(value).filter((key) => !(key in fields))) {
      if (forbidExtra) fail(out, `${at}.${name}`, 'extra field forbidden');
      else out.ignored.push(`${at}.${name}`);
    }
  };
}

const version: Check = (value, at, out) => {
  if (typeof value === 'string') {
    if (!/^\d+\.\d+\.\d+$/.test(value)) fail(out, at, `not a version: ${value}`);
  } else if (Array.isArray(value)) {
    if (value.length !== 3) fail(out, at, 'not three numbers');
    value.forEach((part, index) => integer(part, `${at}[${index}]`, out));
  } else
    model(
      {
        major: { check: integer, required: true },
        minor: { check: integer, required: true },
        patch: { check: integer, required: true },
      },
      true,
    )(value, at, out);
};

const datasetSpec = model(
  {
    rid: { check: rid, required: true },
    version: { check: version, required: true },
    materialize: { check: boolean },
    description: { check: string },
    exclude_tables: { check: nullable(listOf(string)) },
    timeout: { check: nullable(listOf(integer)) },
    fetch_concurrency: { check: integer },
    reachability_concurrency: { check: integer },
  },
  false,
);

const assetSpec = model({ rid: { check: rid, required: true }, cache: { check: boolean } }, true);
const localFile = model({ path: { check: string, required: true }, cache: { check: boolean } }, true);
const asset: Check = (value, at, out) => {
  if (typeof value === 'string') rid(value, at, out);
  else if (isObject(value) && 'path' in value) localFile(value, at, out);
  else assetSpec(value, at, out);
};

const workflowFields = model(
  {
    name: { check: string, required: true },
    workflow_type: {
      check: (value, at, out) => (typeof value === 'string' ? undefined : listOf(string)(value, at, out)),
      required: true,
    },
    description: { check: nullable(string) },
    url: { check: nullable(string) },
    version: { check: nullable(string) },
    workflow_rid: { check: nullable(rid) },
    checksum: { check: nullable(string) },
    is_notebook: { check: boolean },
    git_root: { check: nullable(string) },
    allow_dirty: { check: boolean },
  },
  true,
);
const workflow: Check = (value, at, out) => {
  if (isObject(value) && 'rid' in value) {
    const { rid: legacy, ...rest } = value;
    return workflowFields({ workflow_rid: legacy!, ...rest }, at, out);
  }
  workflowFields(value, at, out);
};

const executionConfiguration = model(
  {
    datasets: { check: listOf(datasetSpec) },
    assets: { check: listOf(asset) },
    workflow: { check: nullable(workflow) },
    description: { check: string },
    argv: { check: listOf(string) },
    config_choices: { check: stringMap },
  },
  false,
);

export function readExecutionConfiguration(text: string): ReadBack {
  const out: ReadBack = { problems: [], ignored: [] };
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (error) {
    return { problems: [`not JSON: ${(error as Error).message}`], ignored: [] };
  }
  executionConfiguration(parsed, 'configuration', out);
  return out;
}
