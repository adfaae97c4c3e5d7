// CLI: node out/bench/generate-project.main.js <dir> <models> [seed]
import { resolve } from 'node:path';
import { generateProject } from './generate-project';

function main(argv: string[]): number {
  const [dir, modelsText, seedText] = argv;
  if (!dir || !modelsText) {
    console.error('usage: node out/bench/generate-project.main.js <dir> <models> [seed]');
    return 2;
  }
  const models = Number(modelsText);
  const seed = seedText === undefined ? 1 : Number(seedText);
  try {
    const started = Date.now();
    const p = generateProject(resolve(dir), { models, seed });
    console.log(`wrote ${p.models} models in ${p.layers} layers, ${p.tests} tests, to ${p.dir} (${Date.now() - started} ms)`);
    return 0;
  } catch (e) {
    console.error(`generate-project: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
