/** A provider that answers some calls itself and passes every other one to `inner` (a class instance: its methods live on the prototype). */
import type { CloudProvider } from '../../../providers/provider.js';

export function overriding(inner: CloudProvider, overrides: Partial<CloudProvider>): CloudProvider {
  return new Proxy(inner, {
    get: (target, property, receiver) => {
      if (property in overrides) return overrides[property as keyof CloudProvider];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
