export {
  SatchelError,
  isSatchelError,
  describeIoError,
  describeWriteError,
  describeDatabaseError,
  isDatabaseDamage,
  namingWriteFailures,
  type ProblemKind,
} from './errors.js';
export { safeRelativePath, resolveInside, writeFileAtomic } from './paths.js';
export { appVersion } from './app-version.js';
export { rendererContentType } from './content-types.js';
export { groupBy } from './group.js';
export { formatBytes, formatCount } from './units.js';
export { partialName, removeStalePartials } from './partials.js';
export { pythonJsonDumps } from './python-json.js';
