// Kept for callers of the former entry point: standalone is now a role (roles/standalone.ts).
export { startStandalone as startServer, type StandaloneOptions as ServerOptions, type RunningStandalone as RunningServer } from './roles/standalone.js';
