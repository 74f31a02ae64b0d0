import type { QueueSpec } from './queueSpec.js';

/** A work queue in words, for the label bar and the label pane. */
export function queueTitle(spec: QueueSpec | undefined): string {
  switch (spec?.kind) {
    case undefined:
      return 'No queue';
    case 'all':
      return 'All members';
    case 'unlabeled':
      return 'Not labeled by me';
    case 'disagreements':
      return 'Executions disagree';
    case 'confidence':
      return `Lowest ${spec.column ?? 'confidence'} first`;
    case 'label':
      return `Labeled ${spec.value}`;
    case 'dataset-type':
      return `In ${spec.value} datasets`;
    case 'targets':
      return spec.title;
    case 'filter':
      return `Filtered: ${spec.title}`;
  }
}
