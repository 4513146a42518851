// The daemon's side of the Windows service host (native/service-host/): the host sets
// KEYHATCH_READY_FILE and keeps the daemon's stdin open as a pipe. The daemon creates the ready
// file once it serves (the host reports SERVICE_RUNNING only then) and stops cleanly when stdin
// reaches end-of-file (the host closes it on SCM stop/shutdown). Outside the host: no-ops.
import { writeFile } from 'node:fs/promises';

/** Exit code that asks the service host to start the daemon again at once (policy changed). */
export const RESTART_EXIT_CODE = 75;

export interface ServiceControl {
  ready(): Promise<void>;
  onStop(stop: () => void): void;
}

export function serviceControl(env: Record<string, string | undefined>): ServiceControl {
  const readyFile = env.KEYHATCH_READY_FILE;
  const stopOnEof = env.KEYHATCH_STOP_ON_STDIN_EOF === '1';
  return {
    async ready() {
      if (readyFile) await writeFile(readyFile, `${process.pid}\n`, { mode: 0o600 });
    },
    onStop(stop) {
      if (!stopOnEof) return;
      process.stdin.on('end', stop);
      process.stdin.on('error', stop);
      process.stdin.resume();
    },
  };
}
