// Messages between the run timeline panel (src/editor/timelinePanel.ts) and
// its page script (src/webview/timeline.ts). Node-free.
import type { NodeDiff } from './runCompare';
import type { TimelineLayout } from './timeline';

export interface TimelineRun {
  id: number;
  label: string;
  projectName: string;
  status: string;
  /** Epoch ms. */
  startedAt: number;
  elapsedSeconds?: number;
  running: boolean;
  /** "Retry failed" has something to run. */
  canRetry: boolean;
}

export interface TimelineContent {
  run: TimelineRun;
  layout: TimelineLayout;
  /** Earlier runs of the same command, newest first, to compare with. */
  comparable: TimelineRun[];
  compare?: { against: TimelineRun; diffs: NodeDiff[] };
}

export type ToTimelinePage = { type: 'show'; content: TimelineContent };

export type FromTimelinePage =
  | { type: 'ready' }
  | { type: 'openNode'; uniqueId: string }
  | { type: 'rerun' }
  | { type: 'retry' }
  | { type: 'compare'; against: number | null };
