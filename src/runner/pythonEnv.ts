// Checks a Python interpreter before the runner uses it: does it exist, does
// it have dbt-core, which version and adapters. Nothing runs through a shell.
import { execa } from 'execa';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RunnerError, type PythonEnvironment } from './api';

// Reads package metadata only (no `import dbt`): fast, and works even when dbt is broken.
// The one place adapters are discovered: the worker does not list them again.
const PROBE = `
import json, sys
out = {"python": sys.executable, "pythonVersion": "%d.%d.%d" % sys.version_info[:3], "dbtVersion": None, "adapters": []}
try:
    from importlib import metadata
    try:
        out["dbtVersion"] = metadata.version("dbt-core")
    except metadata.PackageNotFoundError:
        pass
    skip = {"core", "common", "adapters", "extractor", "protos", "semantic-interfaces", "postgres-common"}
    names = set()
    for d in metadata.distributions():
        n = (d.metadata.get("Name") or "").lower().replace("_", "-")
        if n.startswith("dbt-") and n[4:] not in skip:
            names.add(n[4:])
    out["adapters"] = sorted(names)
except Exception as e:
    out["error"] = str(e)
print("CONDUCTOR_PROBE " + json.dumps(out))
`;

export interface CheckOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export async function checkPython(python: string, options: CheckOptions = {}): Promise<PythonEnvironment> {
  const notFound = () =>
    new RunnerError(
      `Python interpreter '${python}' was not found. Set dbtConductor.pythonPath to a Python with dbt-core installed.`,
      'python-not-found',
    );
  if (!python || !isExecutableFile(python)) {
    // A bare command name ("python3") is looked up on PATH by execa; a path must exist.
    if (!python || python.includes('/') || python.includes('\\')) throw notFound();
  }
  const timeout = options.timeoutMs ?? 30_000;
  let stdout: string;
  try {
    const r = await execa(python, ['-c', PROBE], {
      env: options.env,
      extendEnv: options.env === undefined,
      timeout,
      reject: false,
      stdin: 'ignore',
      maxBuffer: 1024 * 1024,
    });
    if ((r as { code?: string }).code === 'ENOENT' || (r.failed && r.exitCode === undefined && !r.timedOut)) throw notFound();
    if (r.timedOut) {
      throw new RunnerError(`Python interpreter '${python}' did not answer within ${timeout / 1000} s.`, 'python-not-found');
    }
    stdout = String(r.stdout ?? '');
    if (r.exitCode !== 0 || !stdout.includes('CONDUCTOR_PROBE ')) {
      throw new RunnerError(
        `Python interpreter '${python}' failed to start (exit ${r.exitCode}). Set dbtConductor.pythonPath to a working Python with dbt-core installed.`,
        'python-not-found',
        String(r.stderr ?? '').slice(-2000),
      );
    }
  } catch (e) {
    if (e instanceof RunnerError) throw e;
    throw notFound();
  }
  const line = stdout.split(/\r?\n/).find((l) => l.startsWith('CONDUCTOR_PROBE '));
  const info = JSON.parse((line ?? '').slice('CONDUCTOR_PROBE '.length)) as {
    python: string;
    pythonVersion: string;
    dbtVersion: string | null;
    adapters: string[];
  };
  if (!info.dbtVersion) {
    throw new RunnerError(
      `Python interpreter '${python}' has no dbt-core. Install it with: ${python} -m pip install dbt-core dbt-<adapter> (for example dbt-duckdb), or set dbtConductor.pythonPath to a Python that has it.`,
      'dbt-not-installed',
    );
  }
  return { python: info.python || python, pythonVersion: info.pythonVersion, dbtVersion: info.dbtVersion, adapters: info.adapters };
}

/** [major, minor, patch] of a version string such as "1.8.9" or "1.10.0b2". */
export function parseVersion(version: string): [number, number, number] {
  const parts = version.split('.').map((p) => parseInt(p, 10));
  return [parts[0] || 0, parts[1] || 0, parts[2] || 0];
}

/** The worker needs dbt-core >= 1.5 (dbtRunner with callbacks and manifest reuse) and < 2. */
export function workerSupports(dbtVersion: string): boolean {
  const [major, minor] = parseVersion(dbtVersion);
  return major === 1 && minor >= 5;
}

/** Throws 'dbt-version-unsupported' when the worker cannot drive this dbt. */
export function assertWorkerSupported(env: PythonEnvironment): void {
  if (workerSupports(env.dbtVersion)) return;
  const [major] = parseVersion(env.dbtVersion);
  const hint =
    major >= 2
      ? 'dbt-core 2.x has no callbacks or manifest reuse; the CLI backend is used instead (set dbtConductor.backend to "cli" or "auto"), or install dbt-core 1.x.'
      : `upgrade with: ${env.python} -m pip install -U "dbt-core>=1.5,<2", or use the CLI backend.`;
  throw new RunnerError(
    `dbt-core ${env.dbtVersion} in '${env.python}' is not supported by the worker (needs >=1.5,<2): ${hint}`,
    'dbt-version-unsupported',
  );
}

/** python3, then python, on PATH (no shell involved). */
export function findPythonOnPath(pathValue = process.env.PATH ?? ''): string | undefined {
  const names = process.platform === 'win32' ? ['python3.exe', 'python.exe'] : ['python3', 'python'];
  const dirs = pathValue.split(delimiter).filter((d) => d !== '');
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
