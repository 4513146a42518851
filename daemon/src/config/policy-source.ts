// Where Group Policy values come from. On Windows the registry under HKLM\SOFTWARE\Policies\Keyhatch;
// elsewhere nothing. A read error keeps the last good value rather than dropping the admin's policy.

export type RawConfig = Record<string, unknown>;

export interface PolicySource {
  read(): Promise<RawConfig>;
  /**
   * What the installer recorded for this machine (Windows: the MSI's ROLE in HKLM\SOFTWARE\Keyhatch),
   * the lowest layer, under the JSON file: a workstation installed with ROLE=relay runs as a relay
   * without a config file, and a file, Group Policy or the environment can still say otherwise.
   */
  installed?(): Promise<RawConfig>;
}

export class NoPolicySource implements PolicySource {
  async read(): Promise<RawConfig> { return {}; }
}

/** Wraps a source so a failing read returns the last value that was read successfully. */
export class LastGoodPolicySource implements PolicySource {
  private last: RawConfig = {};
  constructor(private readonly inner: PolicySource, private readonly onError: (err: unknown) => void) {}
  async read(): Promise<RawConfig> {
    try {
      this.last = await this.inner.read();
    } catch (err) {
      this.onError(err);
    }
    return this.last;
  }
}
