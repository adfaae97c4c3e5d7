// Entry of dist/runner.js: the runner and execa, loaded on the first dbt
// command (lazyParts.ts), never on activation.
export { RunnerError } from '../runner/api';
export { checkPython, discoveryFs, findPythonOnPath } from '../runner/pythonEnv';
export { createProjectRunner } from '../runner/runner';
