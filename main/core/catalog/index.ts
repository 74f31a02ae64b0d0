export {
  CatalogClient,
  parseModel,
  type CallOptions,
  type InsertOptions,
  type PageOptions,
} from './ermrest.js';
export { HatracClient, base64ToHex, chunkLengthFor, toBase64Digest } from './hatrac.js';
export type {
  DownloadResult,
  HatracCallOptions,
  HatracObjectInfo,
  PutOptions,
  UploadJobState,
} from './hatrac.js';
export {
  HttpClient,
  type HttpMethod,
  type HttpOptions,
  type HttpRequest,
  type HttpResponse,
  type StreamContext,
} from './http.js';
export { CatalogError, isCatalogError, type CatalogErrorKind, type ConflictReason } from './errors.js';
export { DEFAULT_RETRY, backoffDelay, isTransientStatus, type RetryPolicy } from './retry.js';
export {
  credentialFor,
  credentialHeaders,
  defaultCredentialFile,
  parseCredentialFile,
  pastedCredential,
  type Credential,
  type PasswordEntry,
  type StoredCredential,
} from './credential.js';
export { login, logout, getSession, signedInAs } from './authn.js';
export {
  defaultDerivaConfigFile,
  defaultGlobusCredentialFile,
  globusRenewCommand,
  readGlobusTokens,
  type GlobusToken,
} from './globus.js';
export {
  confirmGlobusSignIn,
  hatracForFile,
  presentable,
  storedSignIn,
  type SignInFiles,
  type StoredSignIn,
} from './sign-in.js';
export { quote, hatracPath } from './quote.js';
export { catalogPath, checkOrigin, formatCatalogUrl, parseCatalogUrl, type CatalogUrl } from './url.js';
export {
  and,
  anyOf,
  compare,
  dataPath,
  eq,
  isNull,
  link,
  not,
  or,
  renderFilter,
  tableName,
  type Api,
  type ColumnRef,
  type DataQuery,
  type Filter,
  type Link,
  type Literal,
  type Projection,
  type SortKey,
  type TableRef,
} from './path.js';
export type { CatalogInfo, JsonValue, Row, Session } from './shapes.js';
