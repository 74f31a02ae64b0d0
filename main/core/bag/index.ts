export { openBag, locateBag, isBagImported, type OpenOptions, type OpenProgress } from './open.js';
export { Bag, isoTimestamp, type MemberRequest } from './bag.js';
export { parseSelector } from './selectors.js';
export { compareVersions, highestVersion } from './version.js';
export type { CatalogModel, FeatureTable, ElementType, Table, Column } from './model.js';
export { parseSchemaDocument } from './model.js';
export { CsvParser, type CsvField } from './csv.js';
export { readFetchFile, type FetchEntry } from './fetch.js';
