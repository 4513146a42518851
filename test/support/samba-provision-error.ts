// Turns a failed `samba-tool domain provision` into a message that says what is missing and how to
// get it, instead of a bare before-all failure. Never echoes the command line: it holds --adminpass.

const INSTALL_HINT = 'run: bash scripts/install-system-deps.sh ad (as root)';

export interface ProvisionFailure {
  /** Debian package samba-tool asks for, when it names one. */
  missingPackage?: string;
  /** File samba-tool could not find, when it names one. */
  missingFile?: string;
  message: string;
}

/** Reads samba-tool's output ("File [...] not found. Please install X package") and explains it. */
export function explainProvisionFailure(output: string): ProvisionFailure {
  const missingPackage = /Please install (?:the )?([a-z0-9][a-z0-9.+-]*) package/i.exec(output)?.[1];
  const missingFile = /File \[([^\]]+)\] not found/.exec(output)?.[1];
  const tail = output.trim().split('\n').filter((l) => l.trim() !== '').slice(-8).join('\n');
  let what: string;
  if (missingPackage && missingFile) what = `missing package ${missingPackage} (file ${missingFile} not found)`;
  else if (missingPackage) what = `missing package ${missingPackage}`;
  else if (missingFile) what = `missing file ${missingFile}`;
  else what = 'see samba-tool output below';
  return {
    ...(missingPackage && { missingPackage }),
    ...(missingFile && { missingFile }),
    message: `samba-tool domain provision failed: ${what} — ${INSTALL_HINT}\nsamba-tool said:\n${tail}`,
  };
}
