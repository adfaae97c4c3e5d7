// Entry of dist/yaml.js: the yaml package, loaded through yamlShim.ts on
// first use (lazyParts.ts), never on activation.
export * from 'yaml';
