import type { MemberFilter } from '../../../shared/bag.js';

/** What a work queue is made of: one of main's queues, or targets picked elsewhere (an agreement cell). */
export type QueueSpec =
  | { kind: 'all' | 'unlabeled' | 'disagreements' }
  | { kind: 'confidence'; column?: string }
  | { kind: 'label' | 'dataset-type'; value: string }
  | { kind: 'targets'; title: string; targets: string[] }
  /** The grid's filtered view of `elementType`: the members passing `where`, read again per dataset. */
  | { kind: 'filter'; title: string; elementType: string; where: MemberFilter[] };
