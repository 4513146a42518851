export { startGraphEmulator, entraPasswordOk, ROLE, type GraphEmulator, type EmulatorOptions, type EmulatorState, type EmuUserInput, type EmuGroupInput, type EmuDomain, type Fault, type RecordedRequest } from './server.js';
export { makePki, type EmulatorPki } from './certs.js';
