export { SatchelError, isSatchelError, describeIoError, type ProblemKind } from './errors.js';
export { safeRelativePath, resolveInside, writeFileAtomic } from './paths.js';
export { appVersion } from './app-version.js';
export { rendererContentType } from './content-types.js';
export { groupBy } from './group.js';
export { pythonJsonDumps } from './python-json.js';
