export {
  startServer,
  DEFAULT_RENDERER_DIR,
  type ServerOptions,
  type SatchelServer,
  type StartupState,
} from './server.js';
export { serveCommand, startCommand } from './cli.js';
export { openBrowser, removeLaunchFile } from './open-browser.js';
