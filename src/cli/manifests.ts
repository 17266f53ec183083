/** Reading Kubernetes manifests from files and directories (YAML, multi-document, or JSON). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';

export interface LoadedObject {
  readonly object: KubernetesObject;
  readonly file: string;
}

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => (/\.(ya?ml|json)$/.test(entry) || statSync(join(path, entry)).isDirectory() ? files(join(path, entry)) : []));
}

export function loadManifests(paths: readonly string[]): LoadedObject[] {
  return paths.flatMap((path) =>
    files(path).flatMap((file) =>
      (loadAllYaml(readFileSync(file, 'utf8')) as (KubernetesObject | null)[])
        .filter((o): o is KubernetesObject => Boolean(o?.kind))
        .flatMap((object) => (object.kind === 'List' ? ((object as { items?: KubernetesObject[] }).items ?? []) : [object]).map((o) => ({ object: o, file }))),
    ),
  );
}
