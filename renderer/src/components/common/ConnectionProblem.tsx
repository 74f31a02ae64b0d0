import { startUp } from '../../startup.js';

interface ConnectionProblemProps {
  problem: string;
}

/** Shown instead of the app when the renderer cannot talk to Satchel at all. */
export function ConnectionProblem({ problem }: ConnectionProblemProps) {
  return (
    <main className="connection-problem" data-testid="connection-problem">
      <h1>Cannot reach Satchel</h1>
      <p>{problem}</p>
      <button type="button" className="primary" onClick={() => void startUp()} autoFocus>
        Try again
      </button>
    </main>
  );
}
