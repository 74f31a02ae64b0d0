import crypto from 'node:crypto';

/** Labels made by a person are features; the sample world's manual annotation workflow is typed so too. */
export const WORKFLOW_TYPE = 'Feature_Creation';

export interface WorkflowDescription {
  name: string;
  description: string;
  url: string;
  checksum: string;
  version: string;
}

/**
 * How Satchel describes itself as a Workflow row. deriva-ml describes code that does not run from a
 * git checkout as it describes a Docker image (src/deriva_ml/execution/workflow.py,
 * `Workflow.setup_url_checksum`): a URL naming the exact build (`<image>@<digest>`), the digest as
 * Checksum (`sha256:…`), the tool's version as Version. An installed Satchel has no image digest, so
 * its URL names the tool, the workflow name typed in Satchel and the version
 * (`urn:satchel:workflow:<name>@<version>`), and its Checksum is the sha256 of that URL. As in
 * deriva-ml, a new version makes a new Workflow row; unlike deriva-ml, two names are two workflows.
 */
export function satchelWorkflow(name: string, version: string): WorkflowDescription {
  const url = `urn:satchel:workflow:${encodeURIComponent(name)}@${encodeURIComponent(version)}`;
  return {
    name,
    description: 'Feature values labeled offline in Satchel and committed from a dataset bag.',
    url,
    checksum: `sha256:${crypto.createHash('sha256').update(url).digest('hex')}`,
    version,
  };
}
