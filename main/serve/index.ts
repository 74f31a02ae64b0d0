export {
  startServer,
  DEFAULT_RENDERER_DIR,
  type ServerOptions,
  type SatchelServer,
  type StartupState,
} from './server.js';
export { openBrowser, serveCommand, startCommand } from './cli.js';
