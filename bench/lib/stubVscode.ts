// Import this first in a bench entry that loads editor code: it makes
// `require('vscode')` return the recording stub before any other module of
// the bundle runs.
import { installVscodeStub } from './vscodeStub';

export const vscodeRecorder = installVscodeStub();
