// The machine a bench ran on, for the README table: CPU, cores, RAM, OS and
// the versions of Node, Python and dbt.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  python: string;
  dbtCore: string;
  dbtDuckdb: string;
  duckdb: string;
  date: string;
}

export function machineInfo(python: string): MachineInfo {
  const versions = pythonVersions(python);
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    node: process.version,
    python: versions.python ?? 'unknown',
    dbtCore: versions['dbt-core'] ?? 'unknown',
    dbtDuckdb: versions['dbt-duckdb'] ?? 'unknown',
    duckdb: versions.duckdb ?? 'unknown',
    date: new Date().toISOString(),
  };
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1];
    if (pretty) return `${pretty} (${type()} ${release()})`;
  } catch {
    // not Linux, or no os-release: fall through
  }
  return `${type()} ${release()}`;
}

function pythonVersions(python: string): Record<string, string> {
  const code = [
    'import json, platform',
    'from importlib import metadata',
    'out = {"python": platform.python_version()}',
    'for n in ("dbt-core", "dbt-duckdb", "duckdb"):',
    '    try: out[n] = metadata.version(n)',
    '    except Exception: pass',
    'print(json.dumps(out))',
  ].join('\n');
  try {
    return JSON.parse(execFileSync(python, ['-c', code], { encoding: 'utf8', timeout: 30_000 })) as Record<string, string>;
  } catch {
    return {};
  }
}
