// The machine's Group Policy source, chosen once: the registry on Windows (through the native
// addon), nothing elsewhere. Apart from policy-source.ts so that the registry source, which
// implements its interface, is not imported by the file it depends on.
import { LastGoodPolicySource, NoPolicySource, type PolicySource } from './policy-source.js';

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
  // The installed role is read once per load; it changes only with a (re)install, which restarts the service.
  return { read: () => lastGood.read(), installed: () => registry.installed().catch((err: unknown) => { onError(err); return {}; }), watch: (onChange) => registry.watch(onChange) };
}
