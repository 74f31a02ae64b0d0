export { createApi, bagIdOf, type Api, type ApiOptions, type AssetFile, type EmitEvent } from './api.js';
export { RequestError, type RequestErrorKind } from './errors.js';
export { startApiHost, type ApiHost, type ApiHostOptions } from './host.js';
