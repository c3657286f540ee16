export { startServer, type OgentServer, type StartOptions } from './app.js';
export { DEFAULT_CONFIG } from './config/defaults.js';
export { ConfigError, loadConfigFile, parseConfig } from './config/load.js';
export { configSchema, type Config, type ConfigInput } from './config/schema.js';
export { createLogger, type ServerLogger } from './logger.js';
