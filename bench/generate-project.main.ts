// CLI: node out/bench/generate-project.main.js <dir> <models> [seed] [--real]
// --real writes the real shape (bench/generate-real-project.ts) instead of the synthetic one.
import { resolve } from 'node:path';
import { generateProject } from './generate-project';
import { generateRealProject } from './generate-real-project';

function main(argv: string[]): number {
  const real = argv.includes('--real');
  const [dir, modelsText, seedText] = argv.filter((a) => a !== '--real');
  if (!dir || !modelsText) {
    console.error('usage: node out/bench/generate-project.main.js <dir> <models> [seed] [--real]');
    return 2;
  }
  const models = Number(modelsText);
  const seed = seedText === undefined ? 1 : Number(seedText);
  try {
    const started = Date.now();
    if (real) {
      const p = generateRealProject(resolve(dir), { models, seed });
      console.log(
        `wrote ${p.models} models (+${p.packageModels.length} in a package) over ${p.schemas.length} schemas, ${p.sources} sources, ${p.tests} tests, ${p.exposures} exposures, to ${p.dir} (${Date.now() - started} ms)`,
      );
    } else {
      const p = generateProject(resolve(dir), { models, seed });
      console.log(`wrote ${p.models} models in ${p.layers} layers, ${p.tests} tests, to ${p.dir} (${Date.now() - started} ms)`);
    }
    return 0;
  } catch (e) {
    console.error(`generate-project: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
