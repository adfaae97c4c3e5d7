// Stands in for the `yaml` package inside dist/extension.js: scripts/build.mjs
// maps `import ... from 'yaml'` here for that bundle only. Each function loads
// the real package (dist/yaml.js, ~115 kB) on its first call, so activation
// neither loads nor compiles it; the first use is the project discovery right
// after. Only the functions our code imports are here: a new one fails the
// build ("No matching export"), and is added below.
import type * as Yaml from 'yaml';
import { loadYaml } from './lazyParts';

type YamlFunction = 'parse' | 'parseDocument' | 'isMap' | 'isScalar' | 'isSeq';

function lazy<K extends YamlFunction>(name: K): (typeof Yaml)[K] {
  return ((...args: unknown[]) => (loadYaml()[name] as (...a: unknown[]) => unknown)(...args)) as (typeof Yaml)[K];
}

export const parse = lazy('parse');
export const parseDocument = lazy('parseDocument');
export const isMap = lazy('isMap');
export const isScalar = lazy('isScalar');
export const isSeq = lazy('isSeq');
