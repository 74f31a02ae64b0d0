import { openSampleBag } from '../../openActions.js';
import { useLibrary } from '../../stores/library.js';
import { useProgress } from '../../stores/progress.js';
import { useSession } from '../../stores/session.js';
import { ProgressBar } from '../common/ProgressBar.js';

interface SampleCardProps {
  /** First-time users (no recent bags) get a large invitation; others a small entry. */
  prominent: boolean;
}

export function SampleCard({ prominent }: SampleCardProps) {
  const building = useLibrary((state) => state.buildingSample);
  const built = useLibrary((state) => state.library?.sample.built ?? false);
  const opening = useSession((state) => state.openingPath !== null);
  const progress = useProgress((state) => state.byTask.sample);
  return (
    <section
      className={prominent ? 'card sample-card prominent' : 'card sample-card'}
      aria-labelledby="sample-title"
    >
      <h2 id="sample-title">{prominent ? 'New to Satchel? Start with the sample bag' : 'Sample bag'}</h2>
      {prominent && (
        <p>
          A small dataset bag with images, nested datasets and labels from several executions, to try
          everything without a catalog. {!built && 'It is built on this machine the first time.'}
        </p>
      )}
      <button
        type="button"
        className={prominent ? 'primary large' : 'secondary'}
        data-testid="open-sample"
        disabled={building || opening}
        onClick={() => void openSampleBag()}
        autoFocus={prominent}
      >
        Open the sample bag
      </button>
      {building && (
        <ProgressBar label="Building the sample bag" progress={progress} testId="sample-progress" />
      )}
    </section>
  );
}
