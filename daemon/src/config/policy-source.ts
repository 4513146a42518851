// Where Group Policy values come from. On Windows the registry under HKLM\SOFTWARE\Policies\Keyhatch;
// elsewhere nothing. A read error keeps the last good value rather than dropping the admin's policy.

export type RawConfig = Record<string, unknown>;

export interface PolicySource {
  read(): Promise<RawConfig>;
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

/**
 * The machine's policy source: the registry (through the native addon) on Windows, nothing
 * elsewhere or when the addon is missing. Read failures keep the last good policy.
 */
export async function platformPolicySource(onError: (err: unknown) => void = () => undefined): Promise<PolicySource & { watch?: (onChange: () => void) => { close(): void } }> {
  if (process.platform !== 'win32') return new NoPolicySource();
  const { nativeAddonAvailable, loadNativeAddon } = await import('../platform/native-addon.js');
  if (!nativeAddonAvailable()) return new NoPolicySource();
  const { RegistryPolicySource } = await import('./registry-policy-source.js');
  const registry = new RegistryPolicySource(loadNativeAddon(), (what) => onError(new Error(`ignored policy value of the wrong type: ${what}`)));
  const lastGood = new LastGoodPolicySource(registry, onError);
  return { read: () => lastGood.read(), watch: (onChange) => registry.watch(onChange) };
}
